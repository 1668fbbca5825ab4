"""Speed of the clinic outcome report on a synthetic clinic.

    python bench/outcomes.py                  # 10,000 patients x 12 weeks of daily entries
    python bench/outcomes.py --patients 2000

Builds the entries first (not timed), then times `clinic_report` three times and prints the median
as a Markdown table. Pure Python; the target is well under 5 s for 10,000 patients.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _table import markdown_table
from scapula.outcomes import clinic_report
from scapula.tracking import TrackingEntry

TODAY = date(2025, 6, 30)
DAYS = 84


def synthetic_clinic(patients: int, seed: int = 7) -> dict[str, tuple[date, list[TrackingEntry]]]:
    """Patients who started 12-16 weeks ago, report daily, mostly improve; some drop out."""
    rng = random.Random(seed)
    clinic = {}
    for n in range(patients):
        start = TODAY - timedelta(days=DAYS + rng.randrange(0, 28))
        baseline = rng.randint(3, 9)
        response = rng.uniform(-0.1, 0.8)
        stop = rng.randrange(20, DAYS) if rng.random() < 0.15 else DAYS
        entries = []
        for day in range(stop):
            pain = baseline - baseline * response * day / DAYS + rng.gauss(0, 0.8)
            now = max(0, min(10, round(pain)))
            entries.append(TrackingEntry(
                start + timedelta(days=day),
                pain_now=now,
                pain_worst=min(10, now + rng.randint(0, 2)),
                psfs=(("sitting", min(10, 3 + day / 14)),) if day % 7 == 0 else (),
                training_volume=float(rng.randint(0, 20)),
                flare=rng.random() < 0.05,
                exercises_done=rng.random() < 0.7,
            ))
        clinic[f"p{n}"] = (start, entries)
    return clinic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    built = time.perf_counter()
    clinic = synthetic_clinic(args.patients)
    entries = sum(len(e) for _, e in clinic.values())
    built = time.perf_counter() - built
    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        report = clinic_report(clinic, TODAY)
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    print(markdown_table(
        ["what", "patients", "entries", f"median of {args.repeats}", "per patient", "target"],
        [["clinic_report", f"{args.patients:,}", f"{entries:,}", f"{seconds:.2f} s",
          f"{seconds / args.patients * 1e6:.0f} µs", "< 5 s"]],
    ))
    reduction = report.mean_percent_reduction_12
    print(f"\n(entries built in {built:.1f} s, not timed; average pain reduction at 12 weeks "
          f"{reduction:.0f}%, drop-out {report.dropout_share:.0%})")


if __name__ == "__main__":
    main()
