"""The intake: what a person or clinician tells Scapula, exactly as in docs/intake.md.

A missing list means "not asked"; an empty list means "asked, none". Unknown keys and values are
rejected, never dropped.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .vocabulary import (
    Aggravator,
    Associated,
    Equipment,
    ExamFinding,
    History,
    Location,
    Onset,
    Pattern,
    Quality,
    Reliever,
    Sex,
    Side,
    Trauma,
)

__all__ = ["Intake", "Vitals"]

Score = Annotated[int, Field(ge=0, le=10, strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Vitals(_Strict):
    """Optional measurements taken at the time of the intake."""

    heart_rate: float | None = Field(None, ge=20, le=250, description="Heart rate, beats per minute.")
    resp_rate: float | None = Field(None, ge=4, le=80, description="Breaths per minute.")
    spo2: float | None = Field(None, ge=50, le=100, description="Oxygen saturation, %.")
    temperature_c: float | None = Field(None, ge=30, le=45, description="Body temperature, °C.")
    systolic_bp: float | None = Field(None, ge=50, le=300, description="Systolic blood pressure, mmHg.")
    diastolic_bp: float | None = Field(None, ge=20, le=200, description="Diastolic pressure, mmHg.")
    systolic_bp_arm_difference: float | None = Field(
        None, ge=0, le=150, description="Difference in systolic pressure between the arms, mmHg."
    )


class Intake(_Strict):
    """One assessment's intake. Every field but `age` is optional."""

    age: int = Field(..., ge=12, le=110, description="Age in years, 12 to 110.")
    sex: Sex | None = Field(None, description="female, male or other.")
    pain_now: Score | None = Field(None, description="Numeric pain rating now, 0-10.")
    pain_worst_week: Score | None = Field(None, description="Worst pain in the last 7 days, 0-10.")
    duration_weeks: float | None = Field(None, ge=0, le=5200, description="Weeks since this episode began.")
    onset: Onset | None = Field(None, description="How this episode began.")
    side: Side | None = Field(None, description="Side of the pain.")
    locations: list[Location] | None = Field(None, description="Body-map regions that hurt.")
    qualities: list[Quality] | None = Field(None, description="What the pain feels like.")
    aggravators: list[Aggravator] | None = Field(None, description="What makes it worse.")
    relievers: list[Reliever] | None = Field(None, description="What eases it.")
    patterns: list[Pattern] | None = Field(None, description="How it behaves over time.")
    associated: list[Associated] | None = Field(None, description="Other symptoms.")
    history: list[History] | None = Field(None, description="Medical history.")
    exam: list[ExamFinding] | None = Field(
        None, description="Clinician examination findings present (absent for self-report)."
    )
    exam_negative: list[ExamFinding] | None = Field(
        None, description="Examination findings tested and found absent."
    )
    desk_hours_per_day: float | None = Field(
        None, ge=0, le=24, description="Hours a day of sitting or screen work."
    )
    laptop_without_external_screen: bool | None = Field(
        None, description="Works looking down at a laptop with no external screen."
    )
    training_volume_change_pct: float | None = Field(
        None, ge=-100, le=1000, description="Change of weekly training volume over 2-4 weeks, %."
    )
    conservative_care_weeks: float | None = Field(
        None, ge=0, le=520, description="Weeks of conservative care tried in this episode."
    )
    improving: bool | None = Field(None, description="Better than at the start of this episode.")
    age_at_onset: int | None = Field(
        None, ge=0, le=110, description="Age when this kind of back pain first began."
    )
    morning_stiffness_minutes: float | None = Field(
        None, ge=0, le=1440, description="Usual duration of morning stiffness, minutes."
    )
    trauma: Trauma | None = Field(None, description="Trauma in this episode.")
    pregnancy_weeks: float | None = Field(
        None, ge=0, le=45, description="Weeks of pregnancy, when `pregnant` is in history."
    )
    vitals: Vitals | None = Field(None, description="Optional measurements.")
    # Scapula extensions to the contract (docs/intake-extensions.md): added, never renamed.
    equipment: list[Equipment] | None = Field(
        None, description="Exercise equipment at hand (extension; household items are assumed when not asked)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Intake:
        # A finding cannot be both present and tested-absent: one of them is a data-entry slip,
        # and guessing which would hide a finding from triage.
        if self.exam and self.exam_negative:
            both = sorted(set(self.exam) & set(self.exam_negative))
            if both:
                raise ValueError("exam and exam_negative both list " + ", ".join(v.value for v in both))
        if self.age_at_onset is not None and self.age_at_onset > self.age:
            raise ValueError("age_at_onset is later than age")
        return self
