"""progression.yaml: the thresholds and texts of progress tracking, validated at load.

A missing text, an unknown `{placeholder}`, a citation that is not in sources.yaml or a threshold
out of range is rejected with the file, the entry and the problem, like every knowledge file.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import KnowledgeError, Problem
from ..knowledge.loader import DATA_DIR

__all__ = ["PLACEHOLDERS", "ProgressionRules", "Words", "load_progression"]

FILE = "progression.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Cite = Field(min_length=1, description="Source ids from sources.yaml.")


class Words(_Strict):
    patient: str = Field(description="Plain words for the person.")
    clinician: str = Field(description="Clinical words.")
    cite: tuple[str, ...] = Cite

    def text(self, clinician: bool, **values: object) -> str:
        return (self.clinician if clinician else self.patient).format(**values)


class PainChange(_Strict):
    improve_points: float = Field(gt=0, le=10)
    improve_percent: float = Field(gt=0, le=100)
    min_points: float = Field(ge=0, le=10, description="No change smaller than this is meaningful.")
    worse_points: float = Field(gt=0, le=10)
    cite: tuple[str, ...] = Cite


class PsfsChange(_Strict):
    points: float = Field(gt=0, le=10)
    cite: tuple[str, ...] = Cite


class ChangeRules(_Strict):
    pain: PainChange
    psfs: PsfsChange


PhaseMap = dict[int, float]


def _phases(value: dict[int, Any], name: str) -> dict[int, Any]:
    if set(value) != {1, 2, 3}:
        raise ValueError(f"{name} needs phases 1, 2 and 3")
    return value


class AdvanceRules(_Strict):
    min_days_in_phase: dict[int, int]
    milestones_met_share: float = Field(gt=0, le=1)
    low_pain: PhaseMap
    cite: tuple[str, ...] = Cite

    @model_validator(mode="after")
    def _all_phases(self) -> AdvanceRules:
        _phases(self.min_days_in_phase, "min_days_in_phase")
        _phases(self.low_pain, "low_pain")
        return self


class FlareRules(_Strict):
    may_exceed_48h_days: int = Field(ge=1, le=7)
    exceeds_48h_days: int = Field(ge=1, le=7)
    cite: tuple[str, ...] = Cite

    @model_validator(mode="after")
    def _ordered(self) -> FlareRules:
        if self.exceeds_48h_days < self.may_exceed_48h_days:
            raise ValueError("exceeds_48h_days must be >= may_exceed_48h_days")
        return self


class LoadRules(_Strict):
    acwr_spike: float = Field(gt=1, le=3)
    week_on_week_percent: float = Field(gt=0, le=200)
    chronic_weeks: int = Field(ge=2, le=8)
    min_chronic_weeks: int = Field(ge=1, le=8)
    flare_after_days: tuple[int, ...] = Field(min_length=1)
    cite: tuple[str, ...] = Cite

    @model_validator(mode="after")
    def _consistent(self) -> LoadRules:
        if self.min_chronic_weeks > self.chronic_weeks:
            raise ValueError("min_chronic_weeks must be <= chronic_weeks")
        if any(d < 0 or d > 7 for d in self.flare_after_days):
            raise ValueError("flare_after_days must be between 0 and 7")
        return self


class ReviewRules(_Strict):
    after_days: int = Field(ge=7, le=120)
    function_counts: bool
    cite: tuple[str, ...] = Cite


class RetriageRules(_Strict):
    window_days: int = Field(ge=1, le=90)
    cite: tuple[str, ...] = Cite


class Headlines(_Strict):
    advance: Words
    discharge: Words
    hold: Words
    step_back: Words
    review: Words
    retriage: Words


class Reasons(_Strict):
    retriage_red_flag: Words
    retriage_unchecked: Words
    review_no_improvement: Words
    step_back_pain_worse: Words
    step_back_long_flare: Words
    step_back_spike_flare: Words
    advance_ready: Words
    hold_too_early: Words
    hold_few_entries: Words
    hold_no_pain: Words
    hold_milestones: Words
    hold_no_milestones: Words
    hold_pain: Words
    hold_flare: Words
    hold_steady: Words


class Fragments(_Strict):
    """Pieces of sentences that fill a reason's placeholders."""

    pain_improved: Words
    pain_low: Words
    measure_worst: Words
    measure_now: Words
    ref_phase_week: Words
    ref_before_phase: Words
    ref_baseline: Words
    spike_ratio: Words
    spike_jump: Words


_PAIN = {"measure", "baseline", "current", "low"}
PLACEHOLDERS: dict[str, set[str]] = {
    "headlines": {"phase", "next_phase", "weeks"},
    "retriage_red_flag": {"symptoms", "rules"},
    "retriage_unchecked": {"symptoms"},
    "review_no_improvement": {"weeks", *_PAIN},
    "step_back_pain_worse": {"points", "reference", "reference_when", "current", "measure"},
    "step_back_long_flare": {"days", "first", "last"},
    "step_back_spike_flare": {"week", "detail", "flare_dates"},
    "advance_ready": {"met", "total", "pain", "phase", "days", "min_days", *_PAIN},
    "hold_too_early": {"phase", "days", "min_days", "remaining"},
    "hold_few_entries": {"days", "min_days"},
    "hold_no_pain": set(),
    "hold_milestones": {"met", "total", "needed", "unmet"},
    "hold_no_milestones": set(),
    "hold_pain": _PAIN,
    "hold_flare": {"days"},
    "hold_steady": set(),
    "fragments": {*_PAIN, "volume", "chronic", "ratio", "percent"},
}
"""The `{placeholders}` each text may use (headlines and fragments share one set)."""


class ProgressionRules(_Strict):
    """Everything progression.yaml says."""

    change: ChangeRules
    window_days: int = Field(ge=3, le=14, description="Days that make 'this week' for decisions.")
    min_days_reported: int = Field(ge=1, le=7)
    advance: AdvanceRules
    flare: FlareRules
    load: LoadRules
    review: ReviewRules
    retriage: RetriageRules
    headlines: Headlines
    reasons: Reasons
    fragments: Fragments

    def citations(self) -> list[tuple[str, tuple[str, ...]]]:
        """(where, cited ids) for every cited entry, for checking against sources.yaml."""
        out: list[tuple[str, tuple[str, ...]]] = [
            (f"change.{name}", getattr(self.change, name).cite) for name in ChangeRules.model_fields
        ]
        for name in ("advance", "flare", "load", "review", "retriage"):
            out.append((name, getattr(self, name).cite))
        for group in ("headlines", "reasons", "fragments"):
            section = getattr(self, group)
            out += [(f"{group}.{k}", getattr(section, k).cite) for k in type(section).model_fields]
        return out


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_texts(rules: ProgressionRules) -> list[Problem]:
    problems = []
    for group in ("headlines", "reasons", "fragments"):
        section = getattr(rules, group)
        for key in type(section).model_fields:
            allowed = PLACEHOLDERS[group if group != "reasons" else key]
            words: Words = getattr(section, key)
            for audience in ("patient", "clinician"):
                try:
                    unknown = _fields(getattr(words, audience)) - allowed
                except ValueError as exc:
                    problems.append(Problem(f"{FILE}: {group}.{key}.{audience}", f"bad text: {exc}"))
                    continue
                if unknown:
                    problems.append(Problem(
                        f"{FILE}: {group}.{key}.{audience}",
                        f"unknown placeholder(s) {', '.join(sorted(unknown))}",
                        expected=", ".join(sorted(allowed)) or "none",
                    ))
    return problems


def _source_ids(directory: Path) -> set[str]:
    data: Any = yaml.safe_load((directory / "sources.yaml").read_text(encoding="utf-8"))
    return {str(s["id"]) for s in data or [] if isinstance(s, dict) and "id" in s}


def load_progression(directory: Path | str | None = None) -> ProgressionRules:
    """Read and check progression.yaml (the packaged one by default, read once)."""
    if directory is None:
        return _default()
    return _load(Path(directory))


@cache
def _default() -> ProgressionRules:
    return _load(DATA_DIR)


def _load(directory: Path) -> ProgressionRules:
    path = directory / FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{path} is missing", [Problem(FILE, "file is missing")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path} is not valid YAML", [Problem(FILE, str(exc))]) from None
    try:
        rules = ProgressionRules.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(f"{FILE}: {'.'.join(str(p) for p in err['loc'])}", err["msg"])
            for err in exc.errors(include_url=False)
        ]
        raise KnowledgeError(f"The knowledge file {path} has problems", problems) from None
    problems = _check_texts(rules)
    known = _source_ids(directory)
    for where, cites in rules.citations():
        problems += [Problem(f"{FILE}: {where}", f"cites unknown source '{c}'") for c in cites if c not in known]
    if problems:
        raise KnowledgeError(f"The knowledge file {path} has problems", problems)
    return rules
