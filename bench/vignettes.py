"""Clinical accuracy on the independent vignette set (tests/spec/vignettes.yaml).

    python bench/vignettes.py            # summary tables
    python bench/vignettes.py --misses   # also list every miss with what was expected

Under-triage (predicted level less urgent than every acceptable level) must be 0.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _table import markdown_table, pct
from scapula.engine import assess
from scapula.intake import parse_intake
from scapula.knowledge import load_knowledge
from scapula.vocabulary import LEVEL_ORDER, Level

VIGNETTES = Path(__file__).parent.parent / "tests" / "spec" / "vignettes.yaml"


def evaluate(cases: list[dict]) -> dict:
    kb = load_knowledge()
    rows = []
    for case in cases:
        result = assess(parse_intake(case["intake"]), kb, audience="clinician")
        gold = case["gold"]
        acceptable = [Level(x) for x in gold["acceptable_levels"]]
        got = result.triage.level
        rank = LEVEL_ORDER[got]
        drivers = [d.id.value for d in result.drivers if d.score > 0] or [d.id.value for d in result.drivers]
        ok_drivers = {gold["driver"], *gold.get("acceptable_drivers", [])} - {None}
        rows.append(
            {
                "id": case["id"],
                "title": case["title"],
                "gold": gold,
                "got": got,
                "under": rank < min(LEVEL_ORDER[a] for a in acceptable),
                "over": rank > max(LEVEL_ORDER[a] for a in acceptable),
                "level_ok": got in acceptable,
                "cond_hit": [c for c in gold["conditions"] if c in result.suspected_conditions],
                "cond_missed": [c for c in gold["conditions"] if c not in result.suspected_conditions],
                "driver_gold": gold["driver"],
                "top1": bool(drivers) and drivers[0] in ok_drivers,
                "top3": bool(ok_drivers & set(drivers[:3])),
                "drivers": drivers[:3],
                "red_flags": result.red_flags,
            }
        )
    return {"rows": rows}


def report(rows: list[dict], show_misses: bool) -> str:
    n = len(rows)
    under = [r for r in rows if r["under"]]
    over = [r for r in rows if r["over"]]
    cond_total = sum(len(r["gold"]["conditions"]) for r in rows)
    cond_hit = sum(len(r["cond_hit"]) for r in rows)
    with_driver = [r for r in rows if r["driver_gold"]]
    out = [
        "## Summary",
        markdown_table(
            ["measure", "value"],
            [
                ["cases", n],
                ["under-triage (must be 0)", len(under)],
                ["over-triage", len(over)],
                ["triage accuracy (level acceptable)", pct(sum(r["level_ok"] for r in rows), n)],
                ["suspected-condition recall", pct(cond_hit, cond_total)],
                ["driver top-1", pct(sum(r["top1"] for r in with_driver), len(with_driver))],
                ["driver top-3", pct(sum(r["top3"] for r in with_driver), len(with_driver))],
            ],
        ),
    ]
    by_level: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_level[r["gold"]["level"]].append(r)
    out += [
        "",
        "## By gold level",
        markdown_table(
            ["level", "cases", "acceptable", "under", "over"],
            [
                [
                    lv.value,
                    len(by_level[lv.value]),
                    pct(sum(r["level_ok"] for r in by_level[lv.value]), len(by_level[lv.value])),
                    sum(r["under"] for r in by_level[lv.value]),
                    sum(r["over"] for r in by_level[lv.value]),
                ]
                for lv in reversed(Level)
            ],
        ),
    ]
    by_driver: dict[str, list[dict]] = defaultdict(list)
    for r in with_driver:
        by_driver[r["driver_gold"]].append(r)
    out += [
        "",
        "## By gold driver",
        markdown_table(
            ["driver", "cases", "top-1", "top-3"],
            [
                [
                    d,
                    len(rs),
                    pct(sum(r["top1"] for r in rs), len(rs)),
                    pct(sum(r["top3"] for r in rs), len(rs)),
                ]
                for d, rs in sorted(by_driver.items())
            ],
        ),
    ]
    by_cond: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for c in r["gold"]["conditions"]:
            by_cond[c][1] += 1
            by_cond[c][0] += c in r["cond_hit"]
    out += [
        "",
        "## Suspected-condition recall by condition",
        markdown_table(["condition", "recall"], [[c, pct(h, t)] for c, (h, t) in sorted(by_cond.items())]),
    ]
    if show_misses:
        misses = [
            r for r in rows if not r["level_ok"] or r["cond_missed"] or (r["driver_gold"] and not r["top1"])
        ]
        out += [
            "",
            "## Misses",
            markdown_table(
                ["id", "gold level", "got", "missed conditions", "gold driver", "top drivers", "title"],
                [
                    [
                        r["id"],
                        "/".join(r["gold"]["acceptable_levels"]),
                        r["got"].value,
                        ",".join(r["cond_missed"]),
                        r["driver_gold"] or "",
                        ",".join(r["drivers"]) if r["driver_gold"] else "",
                        r["title"][:60],
                    ]
                    for r in misses
                ],
            ),
        ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--file", type=Path, default=VIGNETTES)
    args = parser.parse_args()
    cases = yaml.safe_load(args.file.read_text())
    rows = evaluate(cases)["rows"]
    print(report(rows, args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
