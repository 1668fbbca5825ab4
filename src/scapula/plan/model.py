"""What a care plan holds. Plain dataclasses (serialised by pydantic's TypeAdapter), like the
assessment, so every face (CLI, PDF, FHIR, API) reads the same structure."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter

from ..assessment import Audience
from ..vocabulary import DriverId, Level

__all__ = [
    "Dose",
    "Excluded",
    "Milestone",
    "Option",
    "Phase",
    "Plan",
    "PlannedExercise",
    "Referral",
]

Irritability = Literal["high", "moderate", "low"]


@dataclass(slots=True)
class Dose:
    sets: int | None
    reps: int | None
    hold_seconds: int | None
    minutes: float | None
    per_day: int
    days_per_week: int
    effort: str | None
    text: str
    """The dose in words, for the audience."""


@dataclass(slots=True)
class PlannedExercise:
    id: str
    name: str
    drivers: list[DriverId]
    equipment: list[str]
    dose: Dose
    cues: list[str]
    progression: str
    regression: str
    cautions: list[str]
    why: str
    """Which of this person's drivers it serves."""
    citations: list[str]


@dataclass(slots=True)
class Milestone:
    id: str
    measure: str
    unit: str
    target: float
    better: Literal["higher", "lower"]
    text: str
    citations: list[str]


@dataclass(slots=True)
class Phase:
    number: int
    name: str
    weeks: tuple[int, int]
    goals: list[str]
    milestones: list[Milestone]
    exercises: list[PlannedExercise]
    visits: str
    advance_when: str
    stay_when: str
    step_back_when: str
    citations: list[str]


@dataclass(slots=True)
class Option:
    """A self-care measure, ergonomic change, treatment, medicine, thing to avoid or question."""

    id: str
    name: str
    text: str
    suitable: bool
    """False when a contraindication holds: the option is shown as not suitable, with reasons."""
    reasons: list[str]
    """Why it is not suitable (contraindications that hold)."""
    cautions: list[str]
    because: list[str]
    """The intake facts that made it apply (empty for options offered to everyone)."""
    step: int | None
    level: Level | None
    citations: list[str]


@dataclass(slots=True)
class Excluded:
    exercise: str
    name: str
    reason: str


@dataclass(slots=True)
class Referral:
    level: Level
    title: str
    what_to_do_now: str
    reasons: list[str]
    imaging: list[str]
    citations: list[str]


@dataclass(slots=True)
class Plan:
    kind: Literal["referral", "rehabilitation"]
    """A referral plan (emergency, urgent) holds no exercise: nothing may delay care."""
    audience: Audience
    triage_level: Level
    summary: str
    referral: Referral | None
    irritability: Irritability | None
    drivers: list[DriverId]
    """The drivers the plan targets, most important first."""
    equipment: list[str]
    equipment_assumed: bool
    phases: list[Phase]
    self_care: list[Option]
    ergonomics: list[Option]
    treatments: list[Option]
    medicines: list[Option]
    avoid: list[Option]
    specialist: list[Option]
    safety_net: list[Option]
    escalate: list[str]
    excluded_exercises: list[Excluded]
    disclaimer: str
    engine_version: str
    knowledge_version: str
    citations: list[str] = field(default_factory=list)
    """Every source cited anywhere in the plan, in order of first use."""

    def to_json(self, indent: int | None = None) -> str:
        return _adapter().dump_json(self, indent=indent).decode()

    def to_dict(self) -> dict[str, Any]:
        return _adapter().dump_python(self, mode="json")

    @staticmethod
    def json_schema() -> dict[str, Any]:
        return _adapter().json_schema()


@cache
def _adapter() -> TypeAdapter[Plan]:
    return TypeAdapter(Plan)
