"""The clinic outcome report read through the store (lean SQL, corrections resolved in the database)
gives exactly the figures of the report computed from the diaries in memory, on SQLite and
PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from scapula.intake import parse_intake
from scapula.outcomes import clinic_report
from scapula.store import Store
from scapula.store.outcomes import to_json
from scapula.tracking import TrackingEntry

from ..conftest import Clock

INTAKE = parse_intake({"age": 41, "pain_now": 6, "locations": ["interscapular"]})
PASSWORD = "outcome password long"


def _values(rng: random.Random, day: date) -> dict[str, Any]:
    values: dict[str, Any] = {"entry_date": day, "flare": rng.random() < 0.1}
    if rng.random() < 0.9:
        values["pain_now"] = rng.randrange(11)
    if rng.random() < 0.3:
        values["psfs"] = [{"activity": "sitting", "score": rng.randrange(11)},
                          {"activity": "lifting", "score": rng.randrange(11)}]
    return values


def test_the_report_through_the_store_equals_the_report_in_memory(store: Store, clock: Clock) -> None:
    rng = random.Random(11)
    clinic = store.create_clinic("Outcomes")
    store.create_user(clinic, "outcomes@clinic.example", "Dr Outcome", PASSWORD)
    actor = store.actor(store.login("outcomes@clinic.example", PASSWORD)[0])
    start = clock().date()
    patients = []
    for n in range(5):
        pid = store.create_patient(actor, f"Patient {n}")["id"]
        store.add_assessment(actor, pid, INTAKE)
        patients.append(pid)
    clock.advance(days=7 * 13)
    actor = store.actor(store.login("outcomes@clinic.example", PASSWORD)[0])
    today = clock().date()

    diaries: dict[str, tuple[date, list[TrackingEntry]]] = {}
    # Patient 4 has a plan but never checks in: counted, and counted as a drop-out.
    diaries[patients[4]] = (start, [])
    for n, pid in enumerate(patients[:4]):
        current: dict[str, dict[str, Any]] = {}
        # Patient 3 stops after week 4 (a drop-out); the others check in most days for 13 weeks.
        last_day = 28 if n == 3 else 7 * 13
        for offset in range(0, last_day, 1 + rng.randrange(2)):
            values = _values(rng, start + timedelta(days=offset))
            entry = store.add_entry(actor, pid, values)
            current[entry["id"]] = values
            if rng.random() < 0.15:  # a correction replaces the entry in the report, never adds to it
                fixed = {**values, "pain_now": rng.randrange(11)}
                del current[entry["id"]]
                current[store.add_entry(actor, pid, fixed, supersedes=entry["id"])["id"]] = fixed
        diaries[pid] = (start, [TrackingEntry(**v) for v in current.values()])

    stored = store.clinic_outcomes(actor)

    expected = to_json(clinic_report(diaries, today))
    assert stored == expected
    assert stored["patients"] == 5 and stored["dropped_out"] == 2
