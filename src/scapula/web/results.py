"""What the result page shows: the assessment and plan in the chosen language, with pictures.

The engine and the planner are called here, once per page, from the stored intake: the result is
the same one the store recorded, and switching between patient and clinician language only
changes the words. A clinician's changes to a stored plan (exercises removed, phase moved) are kept."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ..assessment import Assessment, Audience
from ..engine import assess
from ..exercises.figures import render_figure
from ..intake import Intake
from ..knowledge import Knowledge
from ..plan import Plan, build_plan
from ..vocabulary import Level

__all__ = ["Result", "figure_uri", "result_context", "work_out"]

# How each triage level looks, and what a person should do first, in a few words.
LEVEL_STYLE = {
    Level.emergency: ("emergency", "Call your emergency number now"),
    Level.urgent: ("urgent", "See a doctor within 24 to 48 hours"),
    Level.medical_review: ("review", "Book a medical review"),
    Level.conservative: ("ok", ""),
}


@dataclass(frozen=True)
class Result:
    assessment: Assessment
    plan: Plan


def work_out(intake: Intake, kb: Knowledge, audience: Audience, stored_plan: dict[str, Any] | None = None) -> Result:
    """Assess and plan in `audience`; with a stored plan, keep only the exercises it still holds."""
    assessment = assess(intake, kb, audience=audience)
    plan = build_plan(intake, assessment, kb)
    if stored_plan is not None:
        kept = {e["id"] for p in stored_plan.get("phases", []) for e in p.get("exercises", [])}
        for phase in plan.phases:
            phase.exercises = [e for e in phase.exercises if e.id in kept]
    return Result(assessment, plan)


_FIGURES: dict[tuple[str, str], str] = {}


def figure_uri(exercise_id: str, kb: Knowledge) -> str:
    """The exercise's start and end picture as a data URI (its SVG ids stay out of the page's).
    Drawing one takes ~8 ms, so each is drawn once per knowledge version."""
    key = (kb.version, exercise_id)
    if key not in _FIGURES:
        svg = render_figure(kb.exercises[exercise_id]).encode("utf-8")
        _FIGURES[key] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return _FIGURES[key]


def _drivers(result: Result, kb: Knowledge, clinician: bool) -> list[dict[str, Any]]:
    out = []
    for d in result.assessment.drivers[:3]:
        spec = kb.drivers[d.id]
        out.append(
            {
                "id": d.id.value,
                "name": spec.name if clinician else spec.patient_name,
                "about": spec.clinician if clinician else spec.patient,
                "score": d.score,
                "why": [r.text for r in d.reasons if r.points > 0][:4],
                "against": [r.text for r in d.reasons if r.points < 0][:2],
                "rules": [r.rule for r in d.reasons],
            }
        )
    return out


def _phases(plan: Plan, kb: Knowledge, current: int | None) -> list[dict[str, Any]]:
    return [
        {
            "p": phase,
            "current": phase.number == current,
            "exercises": [
                {"e": e, "figure": figure_uri(e.id, kb) if e.id in kb.exercises else None}
                for e in phase.exercises
            ],
        }
        for phase in plan.phases
    ]


def result_context(result: Result, kb: Knowledge, *, current_phase: int | None = None) -> dict[str, Any]:
    """Everything the result template reads, most urgent first."""
    a, plan = result.assessment, result.plan
    clinician = a.audience is Audience.clinician
    style, act_now = LEVEL_STYLE[a.triage.level]
    return {
        "audience": a.audience.value,
        "clinician": clinician,
        "level": a.triage.level.value,
        "level_style": style,
        "level_title": kb.texts.levels[a.triage.level].title,
        "act_now": act_now,
        "urgent": a.triage.level is not Level.conservative,
        "summary": a.triage.summary,
        "reasons": a.triage.reasons,
        "imaging": a.triage.imaging,
        "referral": plan.referral,
        "drivers": _drivers(result, kb, clinician),
        "plan": plan,
        "phases": _phases(plan, kb, current_phase),
        "current_phase": current_phase,
        "safety_net": plan.safety_net,
        "self_care": [o for o in plan.self_care if o.suitable][:6],
        "ergonomics": [o for o in plan.ergonomics if o.suitable][:6],
        "avoid": plan.avoid[:6],
        "disclaimer": a.disclaimer,
    }
