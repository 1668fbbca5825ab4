"""Speed of the core, with the knowledge base loaded once.

    python bench/speed.py                 # default: 100,000 intakes through `scapula assess --batch`
    python bench/speed.py --batch-size 20000

Prints the median time of one in-process assessment (parse + assess + JSON) and the batch rate of
the real command line over generated intakes. Timings on shared machines are noisy: medians of
repeated runs are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _table import markdown_table
from scapula.engine import assess
from scapula.intake import parse_intake_json
from scapula.knowledge import load_knowledge
from scapula.testing import random_intakes


def per_call_us(fn, items, repeats: int = 5) -> float:
    """Median over `repeats` runs of the mean time per item, in microseconds."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        runs.append((time.perf_counter() - start) / len(items) * 1e6)
    return statistics.median(runs)


def in_process(n: int) -> list[list[object]]:
    kb = load_knowledge()
    lines = [json.dumps(i) for i in random_intakes(n, seed=1)]
    intakes = [parse_intake_json(x) for x in lines]
    assess_only = per_call_us(lambda i: assess(i, kb), intakes)
    full = per_call_us(lambda x: assess(parse_intake_json(x), kb).to_json(), lines)
    return [
        ["assess (intake already parsed)", f"{assess_only:.1f} µs", f"{1e6 / assess_only:,.0f}/s", "< 200 µs"],
        ["parse + assess + JSON", f"{full:.1f} µs", f"{1e6 / full:,.0f}/s", ""],
    ]


def plans(n: int) -> list[list[object]]:
    from scapula.plan import build_plan

    kb = load_knowledge()
    pairs = []
    for data in random_intakes(n, seed=3):
        intake = parse_intake_json(json.dumps(data))
        pairs.append((intake, assess(intake, kb)))
    rehab = [p for p in pairs if p[1].triage.level.value in ("conservative", "medical_review")]
    build = per_call_us(lambda p: build_plan(p[0], p[1], kb), rehab)
    rows = [[f"build a plan ({len(rehab)} rehabilitation plans)", f"{build / 1000:.2f} ms", f"{1e6 / build:,.0f}/s", "< 5 ms"]]
    try:
        from scapula.handout import render_handout_pdf
    except ImportError:
        return rows
    sample = rehab[:7]
    built = [build_plan(i, a, kb) for i, a in sample]
    render_handout_pdf(built[0], kb)  # warm fonts and templates once, as a server would
    times = []
    for plan in built:
        start = time.perf_counter()
        render_handout_pdf(plan, kb)
        times.append(time.perf_counter() - start)
    handout = statistics.median(times)
    rows.append([f"render a handout PDF (median of {len(times)})", f"{handout:.2f} s", "", "< 1.5 s"])
    return rows


def batch(n: int, repeats: int) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_text("".join(json.dumps(i) + "\n" for i in random_intakes(n, seed=2)))
        scapula = [sys.executable, "-m", "scapula"]
        startup = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([*scapula, "rules", "--kind", "none"], check=True, capture_output=True)
            startup.append(time.perf_counter() - start)
        runs = []
        env = {**os.environ, "SCAPULA_PROGRESS": "0"}
        for _ in range(repeats):
            start = time.perf_counter()
            with open(os.devnull, "wb") as sink:
                subprocess.run([*scapula, "assess", "--batch", str(path)], check=True, stdout=sink, env=env)
            runs.append(time.perf_counter() - start)
    wall = statistics.median(runs)
    boot = statistics.median(startup)
    return [
        [f"`scapula assess --batch` ({n:,} intakes, 1 process)", f"{wall:.2f} s", f"{n / wall:,.0f}/s", "> 5,000/s"],
        ["  of which start-up and knowledge load", f"{boot:.2f} s", "", ""],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=2_000, help="intakes for the in-process timing")
    args = parser.parse_args()
    rows = in_process(args.sample) + plans(300) + batch(args.batch_size, args.repeats)
    print(markdown_table(["measure", "median", "rate", "target"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
