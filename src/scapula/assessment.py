"""What an assessment returns: the JSON of docs/intake.md, plus the reasons behind every line.

The result types are frozen dataclasses (cheap to build on the hot path); pydantic's TypeAdapter
serialises them and publishes their JSON Schema, descriptions included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .vocabulary import ConditionId, DriverId, Level

__all__ = [
    "Assessment",
    "Audience",
    "Differentiator",
    "DriverEvidence",
    "DriverResult",
    "ImagingResult",
    "Reason",
    "Triage",
]


class Audience(StrEnum):
    patient = "patient"
    clinician = "clinician"


def _d(text: str) -> Any:
    return Field(description=text)


@dataclass(slots=True)
class Reason:
    """A triage rule that fired."""

    rule: Annotated[str, _d("Rule id in the knowledge base (`scapula rules ID`).")]
    kind: Annotated[str, _d("red_flag or caution.")]
    level: Annotated[Level, _d("The level this rule demands.")]
    title: str
    text: Annotated[str, _d("What it means, in the chosen audience's language.")]
    facts: Annotated[list[str], _d("The intake facts that made it fire.")]
    citations: Annotated[list[str], _d("Source ids (`scapula sources`).")]


@dataclass(slots=True)
class ImagingResult:
    id: str
    title: str
    text: str
    citations: list[str]


@dataclass(slots=True)
class Triage:
    level: Level
    summary: Annotated[str, _d("What this level means and what to do, for the audience.")]
    reasons: list[Reason]
    imaging: Annotated[list[ImagingResult], _d("Imaging advice, most urgent first.")]
    review_in_weeks: Annotated[float | None, _d("When to review if nothing changes.")]


@dataclass(slots=True)
class DriverEvidence:
    rule: str
    points: Annotated[float, _d("Evidence points; negative argues against.")]
    facts: list[str]
    text: str
    citations: list[str]


@dataclass(slots=True)
class Differentiator:
    test: Annotated[str | None, _d("Examination finding that would settle it, if any.")]
    question: Annotated[str | None, _d("Or a question for the person.")]
    text: str


@dataclass(slots=True)
class DriverResult:
    id: DriverId
    name: str
    score: Annotated[float, _d("Sum of evidence points (examination evidence weighted up).")]
    evidence: Annotated[list[str], _d("Facts that support it.")]
    against: Annotated[list[str], _d("Facts that argue against it.")]
    reasons: list[DriverEvidence]
    tells_apart: Annotated[
        list[Differentiator],
        _d("For the leading candidates: untested findings or questions that would separate them."),
    ]


@dataclass(slots=True)
class Assessment:
    triage: Triage
    red_flags: Annotated[list[str], _d("Ids of the red-flag rules that fired.")]
    suspected_conditions: list[ConditionId]
    drivers: Annotated[list[DriverResult], _d("Ranked, best first; empty for emergency.")]
    plan: Annotated[Any, _d("The care plan (see `scapula plan`); null from `assess`.")]
    audience: Audience
    disclaimer: str
    engine_version: str
    knowledge_version: str

    def to_json(self, indent: int | None = None) -> str:
        return _adapter().dump_json(self, indent=indent).decode()

    def to_dict(self) -> dict[str, Any]:
        return _adapter().dump_python(self, mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Assessment:
        return _adapter().validate_python(data)

    @staticmethod
    def json_schema() -> dict[str, Any]:
        return _adapter().json_schema()


@cache
def _adapter() -> TypeAdapter[Assessment]:
    return TypeAdapter(Assessment)
