"""Request bodies of the API. Strict: unknown fields are rejected with their name."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..intake.vocabulary import Associated

__all__ = ["LoginIn", "PatientIn", "PlanChangeIn", "PsfsItem", "TrackingIn"]


def _has_bad_text(value: object) -> bool:
    if isinstance(value, str):
        # NUL and lone surrogates cannot be stored in PostgreSQL text or JSONB; other C0 controls
        # (bar tab and line breaks) are never meant in a name, a note or an activity.
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list | tuple):
        return any(_has_bad_text(v) for v in value)
    if isinstance(value, dict):
        return any(_has_bad_text(k) or _has_bad_text(v) for k, v in value.items())
    return False


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _printable_text(cls, value: object) -> object:
        if _has_bad_text(value):
            raise ValueError("contains a control character or invalid Unicode")
        return value


class LoginIn(_In):
    email: Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class PatientIn(_In):
    display_name: Annotated[
        str, Field(min_length=1, max_length=200, description="How the clinic refers to the patient.")
    ]
    external_ref: Annotated[
        str | None, Field(None, max_length=100, description="Identifier in the clinic's EHR.")
    ]


class PsfsItem(_In):
    activity: Annotated[str, Field(min_length=1, max_length=120)]
    score: Annotated[int, Field(ge=0, le=10, description="0 = unable, 10 = as before the problem.")]


class TrackingIn(_In):
    """A check-in. `entry_date` is the day it describes, chosen by the person."""

    entry_date: date
    pain_now: Annotated[int | None, Field(None, ge=0, le=10)]
    pain_worst: Annotated[int | None, Field(None, ge=0, le=10, description="Worst pain that day.")]
    psfs: Annotated[list[PsfsItem], Field(default_factory=list, max_length=5)]
    sitting_minutes: Annotated[float | None, Field(None, ge=0, le=1440)]
    training_volume: Annotated[
        float | None, Field(None, ge=0, le=100000, description="In the person's own weekly unit.")
    ]
    flare: bool = False
    exercises_done: bool | None = None
    new_symptoms: Annotated[
        list[Associated], Field(default_factory=list, description="New symptoms since last time.")
    ]
    notes: Annotated[str, Field("", max_length=2000)]

    @field_validator("entry_date")
    @classmethod
    def _not_far_future(cls, value: date) -> date:
        if value.year < 2000 or value.year > 2100:
            raise ValueError("entry_date must be a real date between 2000 and 2100")
        return value


class PlanChangeIn(_In):
    phase: Annotated[int | None, Field(None, ge=1, le=3)]
    remove_exercises: Annotated[list[Annotated[str, Field(max_length=80)]] | None, Field(None, max_length=30)]
    reason: Annotated[str, Field(min_length=1, max_length=1000, description="Why the plan was changed.")]
