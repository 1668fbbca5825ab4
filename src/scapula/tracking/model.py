"""What tracking reads and returns: diary entries in, plain frozen dataclasses out.

Dataclasses (not pydantic models) because a clinic report walks hundreds of thousands of entries;
pydantic's TypeAdapter serialises them for the API, as it does the assessment and the plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from ..intake.vocabulary import Associated

__all__ = [
    "Baseline",
    "Change",
    "Decision",
    "DecisionKind",
    "DecisionReason",
    "Direction",
    "MilestoneCheck",
    "Spike",
    "TrackingEntry",
    "Week",
]

Direction = Literal["improved", "worse", "unchanged"]
Scale = Literal["pain", "psfs"]
DecisionKind = Literal["advance", "hold", "step_back", "retriage", "review"]

_SYMPTOMS = frozenset(a.value for a in Associated)


@dataclass(frozen=True, slots=True)
class TrackingEntry:
    """One diary entry. The date is the day the person chose (they may fill in yesterday).

    Corrections are the store's business (the latest version of a day's entry wins); the functions
    here take the current entries. Several entries on one date are allowed (pain ratings then
    count separately, days count once).
    """

    entry_date: date
    pain_now: int | None = None
    """Pain now, 0-10 numeric rating."""
    pain_worst: int | None = None
    """Worst pain since the last entry, 0-10."""
    psfs: tuple[tuple[str, float], ...] = ()
    """Patient-Specific Functional Scale: (activity, 0 = cannot do, 10 = as before). Pairs or
    {"activity": ..., "score": ...} mappings are accepted and stored as pairs."""
    sitting_minutes: float | None = None
    """Longest block of sitting or desk work without the pain rising by 2 points."""
    training_volume: float | None = None
    """Training done that day, in the person's own unit (sets, minutes, km); 0 = rest day."""
    flare: bool = False
    """A flare-up that day: pain 2 or more points above usual for several hours."""
    exercises_done: bool | None = None
    new_symptoms: tuple[str, ...] = ()
    """Intake `associated` values that appeared since the last entry (checked for red flags)."""
    notes: str = ""

    def __post_init__(self) -> None:
        # Fast paths first: a clinic report may build hundreds of thousands of entries.
        day = self.entry_date
        if type(day) is not date and (not isinstance(day, date) or isinstance(day, datetime)):
            raise ValueError(f"entry_date must be a date without a time (got {day!r})")
        for name in ("pain_now", "pain_worst"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or not 0 <= value <= 10):
                raise ValueError(f"{name} must be a whole number from 0 to 10 (got {value!r})")
        for name, top in (("sitting_minutes", 1440.0), ("training_volume", math.inf)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not 0 <= value <= top):
                limit = ">= 0" if top == math.inf else f"from 0 to {top:g}"
                raise ValueError(f"{name} must be a number {limit} (got {value!r})")
        if self.psfs:
            psfs = tuple((str(item["activity"]), item["score"]) if isinstance(item, dict) else (str(item[0]), item[1])
                         for item in self.psfs)
            for activity, score in psfs:
                if not activity.strip():
                    raise ValueError("psfs: each activity needs a name")
                if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 10:
                    raise ValueError(f"psfs score for {activity!r} must be from 0 to 10 (got {score!r})")
            object.__setattr__(self, "psfs", psfs)
        elif type(self.psfs) is not tuple:
            object.__setattr__(self, "psfs", ())
        if self.new_symptoms:
            symptoms = tuple(str(getattr(s, "value", s)) for s in self.new_symptoms)
            unknown = [s for s in symptoms if s not in _SYMPTOMS]
            if unknown:
                raise ValueError(f"new_symptoms: not an intake `associated` value: {', '.join(unknown)}")
            object.__setattr__(self, "new_symptoms", symptoms)
        elif type(self.new_symptoms) is not tuple:
            object.__setattr__(self, "new_symptoms", ())

    @property
    def psfs_average(self) -> float | None:
        """Mean of the PSFS scores of this entry, or None when none was given."""
        return sum(s for _, s in self.psfs) / len(self.psfs) if self.psfs else None


@dataclass(frozen=True, slots=True)
class Change:
    """How a measure moved from baseline, and whether the move matters clinically."""

    scale: Scale
    """`pain` (0-10, lower is better) or `psfs` (0-10, higher is better)."""
    baseline: float
    current: float
    difference: float
    """current - baseline (negative pain difference = less pain)."""
    percent: float | None
    """difference as % of baseline; None when the baseline is 0."""
    direction: Direction
    """`improved` or `worse` only when the change is meaningful; `unchanged` otherwise."""
    meaningful: bool
    citations: tuple[str, ...] = ()

    @property
    def improved(self) -> bool:
        return self.direction == "improved"

    @property
    def worse(self) -> bool:
        return self.direction == "worse"


@dataclass(frozen=True, slots=True)
class Week:
    """One plan week (week 1 = the start day and the 6 days after it)."""

    number: int
    start: date
    end: date
    days_reported: int
    pain_now_median: float | None
    pain_worst_max: int | None
    psfs_mean: float | None
    sitting_minutes_max: float | None
    training_volume: float | None
    """Sum of the volumes reported; None when no entry of the week gave one."""
    flares: int
    """Days with a flare."""
    exercise_days: int
    adherence: float | None
    """Days exercises were done / days the question was answered; None when never answered."""


@dataclass(frozen=True, slots=True)
class Spike:
    """A week whose training volume jumped above what the person is used to."""

    week: int
    week_start: date
    volume: float
    chronic: float | None
    """Mean weekly volume of the previous weeks (None when too few weeks are known)."""
    ratio: float | None
    """Acute:chronic ratio, this week / chronic; None without a chronic load."""
    week_on_week_percent: float | None
    followed_by_flare: bool
    flare_dates: tuple[date, ...]
    """Flares 1-2 days after a session of this week (12-48 h)."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """Where the person started. Missing values are taken from the first week of the diary."""

    started: date
    """The day care began (plan week 1 starts here)."""
    pain_now: float | None = None
    pain_worst: float | None = None
    """Worst pain in the week before care began (the intake's `pain_worst_week`)."""
    psfs: float | None = None
    usual_training_volume: float | None = None
    """Weekly training volume before this episode, in the diary's unit (for % of usual)."""

    @classmethod
    def from_intake(cls, intake: object, started: date, *, psfs: float | None = None,
                    usual_training_volume: float | None = None) -> Baseline:
        """Baseline from an `Intake` (pain now and worst pain of the week)."""
        return cls(started, getattr(intake, "pain_now", None), getattr(intake, "pain_worst_week", None),
                   psfs, usual_training_volume)


@dataclass(frozen=True, slots=True)
class MilestoneCheck:
    id: str
    measure: str
    target: float
    better: Literal["higher", "lower"]
    value: float | None
    """Measured over the last 7 days; None when the diary does not record this measure."""
    met: bool | None
    text: str


@dataclass(frozen=True, slots=True)
class DecisionReason:
    code: str
    patient: str
    clinician: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do next in the plan, with the reasons and the numbers behind them."""

    kind: DecisionKind
    phase: int
    next_phase: int | None
    """Phase to move to (advance: phase + 1, None after phase 3 = discharge; step back: phase - 1)."""
    headline_patient: str
    headline_clinician: str
    reasons: tuple[DecisionReason, ...]
    citations: tuple[str, ...]
    pain_change: Change | None
    psfs_change: Change | None
    milestones: tuple[MilestoneCheck, ...]
    spikes: tuple[Spike, ...]
    red_flags: tuple[str, ...]
    days_in_phase: int
    days_of_care: int
    also: tuple[DecisionKind, ...] = field(default=())
    """Other kinds whose criteria also held (e.g. step_back under a review)."""

    def texts(self, audience: str = "patient") -> list[str]:
        """Headline and reasons for one audience."""
        clinician = audience == "clinician"
        return [self.headline_clinician if clinician else self.headline_patient,
                *((r.clinician if clinician else r.patient) for r in self.reasons)]
