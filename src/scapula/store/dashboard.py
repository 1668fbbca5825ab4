"""The clinician's dashboard: each patient's triage, phase, pain trend and alerts, most urgent first.

Alerts come from the tracking core and from decisions already on record, never from rules of their
own: a new red flag is a recorded re-triage; no improvement is `meaningful_change` (2 points or 30%)
after the weeks of care progression.yaml names; a load spike is `load_spikes`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ..tracking import Baseline, Change, Spike, baseline_from_entries, load_progression, load_spikes
from ..tracking import TrackingEntry as Entry
from ..tracking.progress import meaningful_change, pain_summary, window
from .models import Assessment, Decision, Patient, PlanRecord
from .outcomes import patient_entries

__all__ = ["RECENT_DAYS", "clinic_rows", "urgency"]

RECENT_DAYS = 28
"""Red flags and load spikes older than this are history, not alerts."""
TREND_POINTS = 14
"""Check-ins drawn in a dashboard sparkline (the latest ones)."""

_LEVEL_RANK = {"emergency": 0, "urgent": 1, "medical_review": 3, "conservative": 5}


def urgency(row: dict[str, Any]) -> tuple[int, int, str]:
    """Sort key, most urgent first: emergency, then urgent or a new red flag, then medical review,
    then any other alert, then the rest; more alerts before fewer; then by name."""
    kinds = {a["kind"] for a in row["alerts"]}
    rank = _LEVEL_RANK.get(row["triage_level"] or "", 6)
    if "red_flag" in kinds:
        rank = min(rank, 1)
    elif kinds:
        rank = min(rank, 4)
    return rank, -len(row["alerts"]), row["display_name"].lower()


def clinic_rows(s: DbSession, clinic_id: str, today: date) -> list[dict[str, Any]]:
    """One row per patient of the clinic, sorted by `urgency`."""
    rows = []
    for patient in s.scalars(select(Patient).where(Patient.clinic_id == clinic_id)):
        latest = s.scalar(
            select(Assessment).where(Assessment.patient_id == patient.id).order_by(Assessment.created_at.desc())
        )
        plan = s.scalar(
            select(PlanRecord).where(PlanRecord.patient_id == patient.id, PlanRecord.active.is_(True))
        )
        _, entries, _ = patient_entries(s, patient.id)
        rows.append(_row(s, patient, latest, plan, entries, today))
    return sorted(rows, key=urgency)


def _row(
    s: DbSession,
    patient: Patient,
    latest: Assessment | None,
    plan: PlanRecord | None,
    entries: list[Entry],
    today: date,
) -> dict[str, Any]:
    alerts = _red_flag_alerts(s, patient.id, today)
    if plan is not None and plan.plan.get("kind") == "rehabilitation":
        source = s.get(Assessment, plan.assessment_id)
        intake = source.intake if source else {}
        baseline = Baseline(plan.started_on, intake.get("pain_now"), intake.get("pain_worst_week"))
        alerts += _no_improvement(entries, baseline)
        alerts += _spike_alerts(entries, plan.started_on, today)
    return {
        "id": patient.id,
        "display_name": patient.display_name,
        "external_ref": patient.external_ref,
        "triage_level": latest.level if latest else None,
        "red_flags": list(latest.result.get("red_flags", [])) if latest else [],
        "plan_kind": plan.plan.get("kind") if plan else None,
        "phase": plan.phase if plan else None,
        "pain": [(e.entry_date.isoformat(), e.pain_now) for e in entries if e.pain_now is not None][-TREND_POINTS:],
        "last_entry": entries[-1].entry_date.isoformat() if entries else None,
        "alerts": alerts,
    }


def _red_flag_alerts(s: DbSession, patient_id: str, today: date) -> list[dict[str, Any]]:
    since = today - timedelta(days=RECENT_DAYS)
    decisions = s.scalars(
        select(Decision)
        .where(Decision.patient_id == patient_id, Decision.kind == "retriage", Decision.decided_on >= since)
        .order_by(Decision.decided_on.desc())
    ).all()
    return [
        {
            "kind": "red_flag",
            "title": f"New red flag reported {d.decided_on.isoformat()}",
            "detail": " ".join(r.get("clinician", "") for r in d.reasons),
            "citations": list(d.citations),
        }
        for d in decisions
    ]


def _pain_change(base: Baseline, recent: list[Entry]) -> tuple[Change, str] | None:
    """Like with like, as the progression decision compares: worst pain when both sides have it."""
    now, worst, _ = pain_summary(recent)
    if base.pain_worst is not None and worst is not None:
        return meaningful_change(base.pain_worst, worst), "Worst pain (NRS)"
    if base.pain_now is not None and now is not None:
        return meaningful_change(base.pain_now, now), "Pain now (NRS, weekly median)"
    return None


def _no_improvement(entries: list[Entry], given: Baseline) -> list[dict[str, Any]]:
    """No meaningful fall in pain over the latest diary week once the review point is reached."""
    if not entries:
        return []
    rules = load_progression()
    end = entries[-1].entry_date
    days = (end - given.started).days
    if days < rules.review.after_days:
        return []
    base = baseline_from_entries(entries, given.started, given)
    found = _pain_change(base, window(entries, end, rules.window_days))
    if found is None or found[0].improved:
        return []
    change, measure = found
    return [
        {
            "kind": "no_improvement",
            "title": f"No meaningful improvement after {days // 7} weeks",
            "detail": (
                f"{measure} {change.baseline:g} at baseline, {change.current:g} in the week to {end.isoformat()} "
                f"({change.difference:+g} points); a meaningful change is a fall of 2 points or 30%."
            ),
            "citations": list(change.citations) + list(rules.review.cite),
        }
    ]


def _spike_alerts(entries: list[Entry], start: date, today: date) -> list[dict[str, Any]]:
    since = today - timedelta(days=RECENT_DAYS)
    spikes = [sp for sp in load_spikes(entries, start) if sp.week_start + timedelta(days=6) >= since]
    return [_spike_alert(sp) for sp in spikes]


def _spike_alert(spike: Spike) -> dict[str, Any]:
    ratio = f"acute:chronic {spike.ratio:.2f}" if spike.ratio is not None else None
    jump = f"{spike.week_on_week_percent:+.0f}% on the week before" if spike.week_on_week_percent else None
    flare = (
        "followed by a flare on " + ", ".join(d.isoformat() for d in spike.flare_dates)
        if spike.followed_by_flare
        else "no flare followed"
    )
    parts = [p for p in (ratio, jump, flare) if p]
    return {
        "kind": "load_spike",
        "title": f"Training load spike in week {spike.week}",
        "detail": f"Volume {spike.volume:g} ({'; '.join(parts)}).",
        "citations": list(load_progression().load.cite),
    }
