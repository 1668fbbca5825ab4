"""Outcome figures and plots read straight from the store (plain column tuples: fast at 10,000
patients)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pydantic_core
from sqlalchemy import Integer, String, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.sql.functions import FunctionElement

from ..outcomes import patient_outcome
from ..outcomes.report import DiaryWeeks, outcomes_report, psfs_mean, weeks_outcome
from ..tracking import TrackingEntry as Entry
from ..tracking.rules import load_progression
from .models import Decision, Patient, PlanRecord, TrackingEntry

__all__ = ["clinic_weeks", "patient_entries", "to_json"]

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


def _care_starts(patient_ids: Any) -> Any:
    """Each patient's start of care: the day their first plan started (a subquery)."""
    return (
        select(PlanRecord.patient_id, func.min(PlanRecord.started_on).label("start"))
        .where(PlanRecord.patient_id.in_(patient_ids))
        .group_by(PlanRecord.patient_id)
        .subquery()
    )


def patient_entries(s: DbSession, patient_id: str) -> tuple[date | None, list[Entry], list[tuple[int, date]]]:
    rows = list(s.execute(select(*_COLUMNS).where(TrackingEntry.patient_id == patient_id)))
    entries = sorted(_build(rows).get(patient_id, []), key=lambda e: e.entry_date)
    starts = _care_starts([patient_id])
    start = s.scalar(select(starts.c.start))
    # Phase history: each plan starts in phase 1; decisions record every move since.
    phases = [(1, p.started_on) for p in s.scalars(select(PlanRecord).where(PlanRecord.patient_id == patient_id))]
    phases += [(d.to_phase, d.decided_on) for d in s.scalars(
        select(Decision).where(Decision.patient_id == patient_id, Decision.kind.in_(("advance", "step_back"))))
        if d.to_phase is not None]
    return start, entries, sorted(set(phases), key=lambda x: (x[1], x[0]))


def _psfs(raw: Any) -> tuple[tuple[str, float], ...]:
    # SQLite hands JSON back as text, PostgreSQL's driver as Python lists.
    if not raw or raw == "[]":
        return ()
    items = pydantic_core.from_json(raw) if isinstance(raw, str | bytes) else raw
    return tuple((p["activity"], p["score"]) for p in items)


_RECORD = "\x1e"  # ASCII record separator: never inside JSON text


class days_since(FunctionElement[int]):
    """Whole days from the second date to the first, in SQL (`days_since(day, start)`)."""

    type = Integer()
    inherit_cache = True
    name = "days_since"


@compiles(days_since, "sqlite")
def _days_since_sqlite(element: days_since, compiler: Any, **kw: Any) -> str:
    day, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({day}) - julianday({start}) AS INTEGER)"


@compiles(days_since)
def _days_since(element: days_since, compiler: Any, **kw: Any) -> str:
    day, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"({day} - {start})"  # PostgreSQL: date - date is a number of days


def clinic_weeks(s: DbSession, clinic_id: str, today: date) -> dict[str, tuple[date, DiaryWeeks]]:
    """Every patient's diary of a clinic sorted into plan weeks by the database: a report over
    10,000 patients covers close to a million check-ins, so the database groups them by patient and
    week in one pass (about 120,000 rows reach Python, not 790,000), with corrections resolved in
    SQL and PSFS scores only from the days that have some."""
    patients = select(Patient.id).where(Patient.clinic_id == clinic_id)
    starts = _care_starts(patients)
    replaced = select(TrackingEntry.supersedes).where(TrackingEntry.supersedes.is_not(None))
    offset = days_since(TrackingEntry.entry_date, starts.c.start)
    within = (
        TrackingEntry.id.not_in(replaced),
        TrackingEntry.entry_date >= starts.c.start,
        TrackingEntry.entry_date <= today,
    )
    week = (offset // 7).label("week")  # integer division; offsets are never negative here
    text = cast(TrackingEntry.psfs, String)
    query = (
        select(
            TrackingEntry.patient_id,
            week,
            func.aggregate_strings(cast(TrackingEntry.pain_now, String), ","),
            # PSFS scores only where there are some (most days have none); NULLs are skipped.
            func.aggregate_strings(case((text != "[]", text)), _RECORD),
            func.max(offset),
        )
        .join(starts, starts.c.patient_id == TrackingEntry.patient_id)
        .where(*within)
        .group_by(TrackingEntry.patient_id, week)
    )
    weeks: dict[str, DiaryWeeks] = {}
    connection = s.connection()
    for pid, number, ratings, scored, last in connection.execute(query).cursor.fetchall():
        diary = weeks.get(pid)
        if diary is None:
            diary = weeks[pid] = DiaryWeeks({}, {}, None)
        if ratings:
            diary.pain[number] = [int(r) for r in ratings.split(",")]
        if scored:
            means = [m for raw in scored.split(_RECORD) if (m := psfs_mean(_psfs(raw))) is not None]
            if means:
                diary.psfs[number] = means
        diary.last = last if diary.last is None else max(diary.last, last)
    known: dict[str, date] = dict(connection.execute(select(starts.c.patient_id, starts.c.start)).tuples().all())
    return {pid: (known[pid], weeks.get(pid, DiaryWeeks({}, {}, None))) for pid in known}


def to_json(value: Any) -> Any:
    """Outcome dataclasses as JSON-ready data (dates as ISO strings)."""
    return pydantic_core.to_jsonable_python(value)


def patient_report(s: DbSession, patient_id: str, today: date) -> dict[str, Any]:
    start, entries, _ = patient_entries(s, patient_id)
    if start is None:
        return {"patient_id": patient_id, "outcome": None}
    return {"patient_id": patient_id, "outcome": to_json(patient_outcome(entries, start, today))}


def clinic_summary(s: DbSession, clinic_id: str, today: date) -> Any:
    rules = load_progression()
    outcomes = {pid: weeks_outcome(diary, start, today, rules=rules)
                for pid, (start, diary) in clinic_weeks(s, clinic_id, today).items()}
    return outcomes_report(outcomes, today, rules=rules)
