"""Speed of the clinic outcome report on a synthetic clinic.

    python bench/outcomes.py                  # 10,000 patients x 12 weeks of daily entries
    python bench/outcomes.py --patients 2000
    python bench/outcomes.py --database sqlite                       # also through the store
    python bench/outcomes.py --database postgresql://postgres@127.0.0.1:5432/test

Builds the entries first (not timed), then times `clinic_report` three times and prints the median
as a Markdown table; the target is under 5 s for 10,000 patients. With --database the same clinic is
written to a fresh SQLite file (or a throwaway PostgreSQL database, dropped at the end) and
`Store.clinic_outcomes` is timed as the API calls it: the query, the report, the JSON and the audit.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

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


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="scapula-outcomes-") as tmp:
            yield f"sqlite:///{tmp}/outcomes.db"
    else:
        from service import postgres_database

        with postgres_database(kind) as url:
            yield url


def seed(url: str, clinic: dict[str, tuple[date, list[TrackingEntry]]]) -> tuple[Any, Any]:
    """Write the clinic with bulk inserts: one clinic, one clinician, each patient with a minimal
    assessment and plan (the report reads only when care started) and every daily entry."""
    from scapula.store import Database, Store
    from scapula.store import models as m

    db = Database(url)
    db.upgrade()
    store = Store(db)
    clinic_id = store.create_clinic("Outcome bench")
    store.create_user(clinic_id, "outcomes@bench.example", "Dr Bench", "bench password long enough")
    token, _ = store.login("outcomes@bench.example", "bench password long enough")
    now = datetime.now(UTC)
    patients, assessments, plans, entries = [], [], [], []
    for name, (start, diary) in clinic.items():
        pid, aid = str(uuid.uuid4()), str(uuid.uuid4())
        patients.append({"id": pid, "clinic_id": clinic_id, "display_name": name, "created_at": now})
        assessments.append({"id": aid, "patient_id": pid, "intake": {}, "result": {}, "level": "conservative",
                            "engine_version": "bench", "knowledge_version": "bench", "created_at": now})
        plans.append({"id": str(uuid.uuid4()), "patient_id": pid, "assessment_id": aid,
                      "plan": {"kind": "rehabilitation"}, "phase": 1, "phase_started": start,
                      "started_on": start, "active": True, "created_at": now})
        entries += [{"id": str(uuid.uuid4()), "patient_id": pid, "entry_date": e.entry_date, "recorded_at": now,
                     "pain_now": e.pain_now, "pain_worst": e.pain_worst,
                     "psfs": [{"activity": a, "score": sc} for a, sc in e.psfs],
                     "training_volume": e.training_volume, "flare": e.flare,
                     "exercises_done": e.exercises_done, "new_symptoms": []} for e in diary]
    with db.session() as s:
        for model, rows in ((m.Patient, patients), (m.Assessment, assessments), (m.PlanRecord, plans)):
            s.execute(insert(model), rows)
        for at in range(0, len(entries), 20_000):
            s.execute(insert(m.TrackingEntry), entries[at:at + 20_000])
    return store, store.actor(token)


def time_store(kind: str, clinic: dict[str, tuple[date, list[TrackingEntry]]], repeats: int) -> list[object]:
    with database(kind) as url:
        started = time.perf_counter()
        store, actor = seed(url, clinic)
        seeded = time.perf_counter() - started
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            store.clinic_outcomes(actor)
            runs.append(time.perf_counter() - start)
        store.db.dispose()
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    seconds = statistics.median(runs)
    print(f"({name}: seeded in {seeded:.0f} s, not timed)", file=sys.stderr)
    return [f"Store.clinic_outcomes ({name})", f"{len(clinic):,}",
            f"{sum(len(e) for _, e in clinic.values()):,}", f"{seconds:.2f} s",
            f"{seconds / len(clinic) * 1e6:.0f} µs", "< 5 s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database", action="append", default=[],
                        help="'sqlite' or a PostgreSQL URL: also time the report through the store")
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
    rows: list[list[object]] = [["clinic_report (in memory)", f"{args.patients:,}", f"{entries:,}",
                                 f"{seconds:.2f} s", f"{seconds / args.patients * 1e6:.0f} µs", "< 5 s"]]
    rows += [time_store(kind, clinic, args.repeats) for kind in args.database]
    print(markdown_table(["what", "patients", "entries", f"median of {args.repeats}", "per patient", "target"], rows))
    reduction = report.mean_percent_reduction_12
    print(f"\n(entries built in {built:.1f} s, not timed; average pain reduction at 12 weeks "
          f"{reduction:.0f}%, drop-out {report.dropout_share:.0%})")


if __name__ == "__main__":
    main()
