"""Adding exercises to a stored plan: only those the plan builder itself would allow for this person.

A clinician may add any exercise that suits the phase, the person's irritability and equipment, and
that no contraindication in their intake excludes (`eligible_exercises`, the builder's own filter);
a referral plan takes none, as nothing may delay urgent care. Pure: values in, values out.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..errors import Conflict, Problem
from ..intake import parse_intake
from ..knowledge import Knowledge, facts_of
from ..plan.build import _dose, eligible_exercises
from ..plan.model import PlannedExercise

__all__ = ["addable", "with_exercises"]


def addable(kb: Knowledge, plan: dict[str, Any], intake: dict[str, Any], phase: int) -> list[tuple[str, str]]:
    """(id, clinical name) of the exercises that may be added to `phase`, by name."""
    if plan.get("kind") != "rehabilitation":
        return []
    current = next((p for p in plan.get("phases", []) if p["number"] == phase), None)
    if current is None:
        return []
    taken = {e["id"] for e in current["exercises"]}
    pool, _ = eligible_exercises(
        kb, phase, plan.get("irritability") or "moderate", set(plan.get("equipment", [])),
        facts_of(parse_intake(intake)), clinician=True,
    )
    return sorted(((e.id, e.name) for e in pool if e.id not in taken), key=lambda x: x[1])


def with_exercises(
    kb: Knowledge, plan: dict[str, Any], intake: dict[str, Any], phase: int, ids: list[str]
) -> dict[str, Any]:
    """The plan with `ids` added to `phase`; refuses any the person may not be given."""
    allowed = dict(addable(kb, plan, intake, phase))
    refused = [i for i in ids if i not in allowed]
    if not ids or refused:
        raise Conflict(
            "These exercises cannot be added to this phase",
            [Problem("exercise", "not suitable for this phase, this person or this plan",
                     received=", ".join(refused) or "(none)", expected=", ".join(allowed) or "none")],
        )
    irritability = plan.get("irritability") or "moderate"
    clinician = plan.get("audience") == "clinician"
    added = [_planned(kb, i, irritability, clinician) for i in ids]
    phases = [
        {**p, "exercises": [*p["exercises"], *added]} if p["number"] == phase else p
        for p in plan.get("phases", [])
    ]
    return {**plan, "phases": phases}


def _planned(kb: Knowledge, exercise_id: str, irritability: Any, clinician: bool) -> dict[str, Any]:
    # Worded in the plan's own audience, as the builder words the exercises it chose.
    exercise = kb.exercises[exercise_id]
    planned = PlannedExercise(
        id=exercise.id,
        name=exercise.name if clinician else exercise.patient_name,
        drivers=list(exercise.drivers),  # type: ignore[arg-type]
        equipment=list(exercise.equipment),
        dose=_dose(exercise, irritability, clinician),
        cues=list(exercise.cues),
        progression=exercise.progression,
        regression=exercise.regression,
        cautions=list(exercise.cautions),
        why="Added by the clinician" if clinician else "Added by your clinician",
        citations=list(exercise.cite),
    )
    return asdict(planned)
