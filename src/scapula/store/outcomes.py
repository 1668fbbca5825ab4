"""Outcome figures and plots read straight from the store (plain column tuples: fast at 10,000
patients)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, NamedTuple

import pydantic_core
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session as DbSession

from ..outcomes import clinic_report, patient_outcome
from ..tracking import TrackingEntry as Entry
from .models import Decision, Patient, PlanRecord, TrackingEntry

__all__ = ["clinic_entries", "patient_entries", "to_json"]

_COLUMNS = (
    TrackingEntry.id,
    TrackingEntry.patient_id,
    TrackingEntry.entry_date,
    TrackingEntry.pain_now,
    TrackingEntry.pain_worst,
    TrackingEntry.psfs,
    TrackingEntry.sitting_minutes,
    TrackingEntry.training_volume,
    TrackingEntry.flare,
    TrackingEntry.exercises_done,
    TrackingEntry.supersedes,
)


def _build(rows: list[Any]) -> dict[str, list[Entry]]:
    replaced = {r.supersedes for r in rows if r.supersedes}
    out: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.id in replaced:
            continue
        psfs = _psfs(r.psfs)
        out[r.patient_id].append(
            Entry(
                entry_date=r.entry_date,
                pain_now=r.pain_now,
                pain_worst=r.pain_worst,
                psfs=psfs,
                sitting_minutes=r.sitting_minutes,
                training_volume=r.training_volume,
                flare=bool(r.flare),
                exercises_done=r.exercises_done,
            )
        )
    return out


def _starts(s: DbSession, patient_ids: Any) -> dict[str, date]:
    """Care starts with the first plan."""
    starts: dict[str, date] = {}
    for patient_id, started in s.execute(
        select(PlanRecord.patient_id, PlanRecord.started_on)
        .where(PlanRecord.patient_id.in_(patient_ids))
        .order_by(PlanRecord.started_on)
    ):
        starts.setdefault(patient_id, started)
    return starts


def patient_entries(s: DbSession, patient_id: str) -> tuple[date | None, list[Entry], list[tuple[int, date]]]:
    rows = list(s.execute(select(*_COLUMNS).where(TrackingEntry.patient_id == patient_id)))
    entries = sorted(_build(rows).get(patient_id, []), key=lambda e: e.entry_date)
    start = _starts(s, [patient_id]).get(patient_id)
    # Phase history: each plan starts in phase 1; decisions record every move since.
    phases = [(1, p.started_on) for p in s.scalars(select(PlanRecord).where(PlanRecord.patient_id == patient_id))]
    phases += [(d.to_phase, d.decided_on) for d in s.scalars(
        select(Decision).where(Decision.patient_id == patient_id, Decision.kind.in_(("advance", "step_back"))))
        if d.to_phase is not None]
    return start, entries, sorted(set(phases), key=lambda x: (x[1], x[0]))


class _Day(NamedTuple):
    entry_date: date
    pain_now: int | None
    psfs: tuple[tuple[str, float], ...]


def _psfs(raw: Any) -> tuple[tuple[str, float], ...]:
    # SQLite hands JSON back as text, PostgreSQL's driver as Python lists.
    if not raw or raw == "[]":
        return ()
    items = pydantic_core.from_json(raw) if isinstance(raw, str | bytes) else raw
    return tuple((p["activity"], p["score"]) for p in items)


def clinic_entries(s: DbSession, clinic_id: str) -> dict[str, tuple[date, list[_Day]]]:
    """Every current check-in of a clinic, read lean: a report over 10,000 patients reads close to
    a million rows, so only the columns it needs are fetched (through Core, without ORM rows or
    type processors), corrections are resolved in SQL, and no full entries are built."""
    patients = select(Patient.id).where(Patient.clinic_id == clinic_id)
    replaced = select(TrackingEntry.supersedes).where(TrackingEntry.supersedes.is_not(None))
    query = select(
        TrackingEntry.patient_id,
        type_coerce(TrackingEntry.entry_date, String),
        TrackingEntry.pain_now,
        type_coerce(TrackingEntry.psfs, String),
    ).where(TrackingEntry.patient_id.in_(patients), TrackingEntry.id.not_in(replaced))
    by_patient: dict[str, list[_Day]] = defaultdict(list)
    iso = date.fromisoformat
    # The driver's own rows in one fetchall: a million SQLAlchemy Row objects would cost seconds.
    for pid, day, pain, psfs in s.connection().execute(query).cursor.fetchall():
        scores = _psfs(psfs) if psfs and psfs != "[]" else ()  # most days have none: skip the call
        by_patient[pid].append(_Day(day if type(day) is date else iso(day), pain, scores))
    starts = _starts(s, patients)
    return {pid: (starts[pid], days) for pid, days in by_patient.items() if pid in starts}


def to_json(value: Any) -> Any:
    """Outcome dataclasses as JSON-ready data (dates as ISO strings)."""
    return pydantic_core.to_jsonable_python(value)


def patient_report(s: DbSession, patient_id: str, today: date) -> dict[str, Any]:
    start, entries, _ = patient_entries(s, patient_id)
    if start is None:
        return {"patient_id": patient_id, "outcome": None}
    return {"patient_id": patient_id, "outcome": to_json(patient_outcome(entries, start, today))}


def clinic_summary(s: DbSession, clinic_id: str, today: date) -> Any:
    return clinic_report(clinic_entries(s, clinic_id), today)
