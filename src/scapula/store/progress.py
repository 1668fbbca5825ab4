"""After each check-in: decide the next step of the plan, record it with reasons and sources, move
the plan's phase, and re-triage at once when a new red-flag symptom is reported."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ..engine import ENGINE_VERSION, assess
from ..intake import Intake, parse_intake
from ..intake.vocabulary import Associated
from ..knowledge import Knowledge
from ..plan import Milestone, build_plan
from ..tracking import Baseline, Decision, decide, red_flag_check_from
from ..tracking import TrackingEntry as Entry
from .models import Assessment, PlanRecord, TrackingEntry
from .models import Decision as DecisionRow

__all__ = ["review_progress"]

_MILESTONES = TypeAdapter(list[Milestone])


def _entries(s: DbSession, patient_id: str) -> list[Entry]:
    rows = s.scalars(select(TrackingEntry).where(TrackingEntry.patient_id == patient_id)).all()
    replaced = {r.supersedes for r in rows if r.supersedes}
    return [
        Entry(
            entry_date=r.entry_date,
            pain_now=r.pain_now,
            pain_worst=r.pain_worst,
            psfs=tuple((p["activity"], p["score"]) for p in r.psfs or ()),
            sitting_minutes=r.sitting_minutes,
            training_volume=r.training_volume,
            flare=r.flare,
            exercises_done=r.exercises_done,
            new_symptoms=tuple(r.new_symptoms or ()),
            notes=r.notes or "",
        )
        for r in rows
        if r.id not in replaced
    ]


def review_progress(
    s: DbSession, kb: Knowledge, plan: PlanRecord, today: date, now: datetime
) -> dict[str, Any]:
    """Decide, record and apply the next step for the patient of `plan`; returns the decision."""
    assessment = s.get(Assessment, plan.assessment_id)
    assert assessment is not None
    intake = parse_intake(assessment.intake)
    phase = next((p for p in plan.plan.get("phases", []) if p["number"] == plan.phase), None)
    milestones = _MILESTONES.validate_python(phase["milestones"]) if phase else []
    decision = decide(
        plan.phase,
        plan.phase_started,
        today,
        _entries(s, plan.patient_id),
        Baseline.from_intake(intake, plan.started_on),
        milestones,
        red_flag_check_from(intake, kb),
        kb=kb,
    )
    out = _decision_json(decision)
    if decision.kind == "hold":
        return out
    from_phase = plan.phase
    if decision.kind in ("advance", "step_back") and decision.next_phase is not None:
        plan.phase, plan.phase_started = decision.next_phase, today
    if decision.kind == "retriage":
        out["triage_level"] = _retriage(s, kb, plan, intake, decision, today, now)
    s.add(
        DecisionRow(
            patient_id=plan.patient_id,
            plan_id=plan.id,
            decided_on=today,
            kind=decision.kind,
            from_phase=from_phase,
            to_phase=plan.phase,
            reasons=out["reasons"],
            citations=list(decision.citations),
            created_at=now,
        )
    )
    return out


def _retriage(
    s: DbSession,
    kb: Knowledge,
    plan: PlanRecord,
    intake: Intake,
    decision: Decision,
    today: date,
    now: datetime,
) -> str:
    """Triage the intake again with the new symptoms; the result and its plan replace the old ones."""
    symptoms = {sym for e in _entries(s, plan.patient_id) for sym in e.new_symptoms}
    merged = list(dict.fromkeys([*(a.value for a in intake.associated or ()), *sorted(symptoms)]))
    updated = intake.model_copy(update={"associated": [Associated(x) for x in merged]})
    result = assess(updated, kb)
    new_plan = build_plan(updated, result, kb)
    record = Assessment(
        patient_id=plan.patient_id,
        intake=updated.model_dump(mode="json", exclude_none=True),
        result=result.to_dict(),
        level=result.triage.level.value,
        engine_version=ENGINE_VERSION,
        knowledge_version=kb.version,
        created_at=now,
        created_by_user=None,
        created_by_patient=False,
    )
    s.add(record)
    s.flush()
    plan.active = False
    s.add(
        PlanRecord(
            patient_id=plan.patient_id,
            assessment_id=record.id,
            plan=new_plan.to_dict(),
            phase=1,
            phase_started=today,
            started_on=today,
            active=True,
            created_at=now,
        )
    )
    return result.triage.level.value


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "kind": decision.kind,
        "phase": decision.phase,
        "next_phase": decision.next_phase,
        "headline": {"patient": decision.headline_patient, "clinician": decision.headline_clinician},
        "reasons": [
            {"patient": r.patient, "clinician": r.clinician, "citations": list(r.citations)}
            for r in decision.reasons
        ],
        "citations": list(decision.citations),
        "red_flags": list(decision.red_flags),
    }
