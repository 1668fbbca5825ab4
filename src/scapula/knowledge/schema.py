"""What each entry of each knowledge file may say. Every field carries its own description, which
the docs and a reviewing clinician read as well as the loader."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..vocabulary import ConditionId, DriverId, Level

__all__ = [
    "AnswerEntry",
    "AnswerTopic",
    "AnswersFile",
    "ConditionInfo",
    "ContextPart",
    "Discriminator",
    "DriverInfo",
    "DriverRuleSpec",
    "DriversFile",
    "ImagingAdvice",
    "LevelText",
    "SafetyTopic",
    "Source",
    "SourceKind",
    "Texts",
    "TriageRuleSpec",
]

Id = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Unique id, lowercase with hyphens.")
Citations = Field(min_length=1, description="Source ids from sources.yaml backing this entry.")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceKind(StrEnum):
    guideline = "guideline"
    review = "review"
    trial = "trial"
    cohort = "cohort"
    textbook = "textbook"
    seed = "seed"
    consensus = "consensus"


class Source(_Entry):
    id: str = Id
    kind: SourceKind
    title: str
    authors: str | None = None
    organisation: str | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    published_in: str | None = None
    doi: str | None = None
    url: str | None = None
    pmid: str | int | None = None
    note: str = Field(description="What Scapula takes from this source, in one sentence.")

    @model_validator(mode="after")
    def _attributed(self) -> Source:
        if not (self.authors or self.organisation):
            raise ValueError("give authors or organisation")
        return self

    @property
    def citation(self) -> str:
        who = self.authors or self.organisation or ""
        parts = [who, f"({self.year})" if self.year else "", self.title]
        if self.published_in:
            parts.append(self.published_in)
        return " ".join(p for p in parts if p).strip()

    @property
    def link(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else self.url

    @property
    def link_text(self) -> str | None:
        """The link as printed: "doi:10.x/y" reads as well on paper as the resolver URL."""
        return f"doi:{self.doi}" if self.doi else self.url


class TriageRuleSpec(_Entry):
    id: str = Id
    kind: Literal["red_flag", "caution"]
    title: str
    when: Any = Field(description="Condition over intake facts (docs/knowledge.md).")
    level: Level = Field(description="The triage level this rule demands when it fires.")
    suspects: tuple[ConditionId, ...] = Field((), description="Conditions to consider.")
    imaging: str | None = Field(None, description="Id of the imaging advice in imaging.yaml.")
    review_weeks: float | None = Field(None, gt=0, le=52, description="Review again after.")
    patient: str
    clinician: str
    cite: tuple[str, ...] = Citations

    @model_validator(mode="after")
    def _caution_is_not_a_referral(self) -> TriageRuleSpec:
        if self.kind == "caution" and self.level in (Level.urgent, Level.emergency):
            raise ValueError("a caution may demand at most medical_review; make it a red_flag")
        return self


class DriverRuleSpec(_Entry):
    id: str = Id
    kind: Literal["driver"]
    title: str
    when: Any = Field(description="Condition over intake facts (docs/knowledge.md).")
    drivers: dict[DriverId, float] = Field(
        min_length=1, description="Evidence points per driver; negative argues against."
    )
    patient: str
    clinician: str
    cite: tuple[str, ...] = Citations


class Discriminator(_Entry):
    test: str | None = Field(None, description="An exam finding that would settle it.")
    question: str | None = Field(None, description="Or a question to ask the person.")
    text: str

    @model_validator(mode="after")
    def _test_or_question(self) -> Discriminator:
        if not (self.test or self.question):
            raise ValueError("give a test or a question")
        return self


class DriverInfo(_Entry):
    id: DriverId
    name: str
    patient_name: str
    patient: str
    clinician: str
    tells_apart: tuple[Discriminator, ...] = Field(min_length=1)
    cite: tuple[str, ...] = Citations


class DriversFile(_Entry):
    exam_multiplier: float = Field(gt=0, le=5, description="Weight of examination evidence.")
    drivers: tuple[DriverInfo, ...]


class ImagingAdvice(_Entry):
    id: str = Id
    priority: int = Field(description="Higher means more urgent; the most urgent advice leads.")
    conservative_only: bool = Field(
        False,
        description=(
            "Advice for a course of conservative care ('no scan now', 'MRI after 4-6 weeks'); left"
            " out when a red flag asks for urgent or emergency care, where it would contradict it."
        ),
    )
    title: str
    patient: str
    clinician: str
    cite: tuple[str, ...] = Citations


class ConditionInfo(_Entry):
    id: ConditionId
    name: str
    patient_name: str
    cite: tuple[str, ...] = Citations


class LevelText(_Entry):
    title: str
    patient: str
    clinician: str


class Label(_Entry):
    patient: str
    clinician: str


class Labels(_Entry):
    """Display names of intake fields and values, for people rather than machines."""

    fields: dict[str, Label]
    values: dict[str, dict[str, Label]]

    def fact(self, text: str, clinician: bool) -> str:
        """A rule fact (`aggravators.sitting`, `age >= 50`) in words."""
        pick = (lambda lab: lab.clinician) if clinician else (lambda lab: lab.patient)
        for op in (" >= ", " <= ", " > ", " < "):
            if op in text:
                field, number = text.split(op)
                symbol = {" >= ": "≥", " <= ": "≤", " > ": ">", " < ": "<"}[op]
                return f"{pick(self.fields[field])} {symbol} {float(number):g}"
        if text.endswith(" answered"):
            return pick(self.fields[text.removesuffix(" answered")])
        if " = " in text:
            field, value = text.split(" = ")
        else:
            field, value = text.split(".", 1)
        return pick(self.values[field][value])


class Texts(_Entry):
    disclaimer_patient: str
    disclaimer_clinician: str
    levels: dict[Level, LevelText]
    default_imaging: str = Field(description="Imaging advice id when no rule gives one.")
    cite: tuple[str, ...] = Citations


# --------------------------------------------------------------------------- care plan (plan.yaml)


class Words(_Entry):
    """One text in both audiences."""

    patient: str
    clinician: str


class Guard(_Entry):
    """A condition over intake facts with what it means when it holds."""

    when: Any = Field(description="Condition over intake facts (docs/knowledge.md).")
    patient: str
    clinician: str


class TreatmentEntry(_Entry):
    """A self-care measure, ergonomic change, passive treatment, medicine, thing to avoid,
    specialist question or safety-net sign. Offered when `when` holds (always when absent);
    removed, with the reason shown, when any contraindication holds; flagged by cautions."""

    id: str = Id
    name: str
    patient_name: str | None = None
    patient: str
    clinician: str
    when: Any = Field(None, description="Offered only when this condition holds (None: always).")
    contraindications: tuple[Guard, ...] = ()
    cautions: tuple[Guard, ...] = ()
    step: int | None = Field(None, description="Medicines: place on the ladder (1 first).")
    level: Level | None = Field(None, description="Safety net: the level of care the sign calls for.")
    cite: tuple[str, ...] = Citations


class Treatments(_Entry):
    self_care: tuple[TreatmentEntry, ...]
    ergonomics: tuple[TreatmentEntry, ...]
    passive: tuple[TreatmentEntry, ...]
    medicines: tuple[TreatmentEntry, ...]
    avoid: tuple[TreatmentEntry, ...]
    specialist: tuple[TreatmentEntry, ...]
    safety_net: tuple[TreatmentEntry, ...]


class Milestone(_Entry):
    id: str = Id
    measure: str = Field(description="What is measured (tracking uses the same name).")
    unit: str
    when: Any = Field(None, description="Applies only when this condition holds (None: always).")
    targets: dict[int, float] = Field(description="Target value by phase number.")
    better: Literal["higher", "lower"] = Field(description="Which direction is improvement.")
    patient: str = Field(description="Plain text; {target} is replaced by the phase's target.")
    clinician: str
    cite: tuple[str, ...] = Citations


class Visits(_Entry):
    high: str
    moderate: str
    low: str


class PhaseSpec(_Entry):
    number: int = Field(ge=1, le=3)
    name: str
    patient_name: str
    weeks: tuple[int, int]
    goals: tuple[Words, ...] = Field(min_length=1)
    exercise_count: int = Field(ge=2, le=8)
    visits: Visits = Field(description="Suggested visit frequency by irritability.")
    advance_when: Words
    stay_when: Words
    step_back_when: Words
    cite: tuple[str, ...] = Citations


class PlanFile(_Entry):
    irritability_high_from: int = Field(description="Pain now (0-10) from which irritability is high.")
    irritability_moderate_from: int
    phases: tuple[PhaseSpec, ...] = Field(min_length=3, max_length=3)
    milestones: tuple[Milestone, ...]
    referral: dict[Level, Words] = Field(description="What to do now when the triage is not conservative.")
    escalate: tuple[Words, ...] = Field(description="When to escalate during the plan.")
    cite: tuple[str, ...] = Citations


# --------------------------------------------------------------------------- answers (answers.yaml)


class AnswerTopic(StrEnum):
    causes = "causes"
    red_flags = "red_flags"
    imaging = "imaging"
    treatments = "treatments"
    medicines = "medicines"
    exercise = "exercise"
    posture = "posture"
    training = "training"
    sleep = "sleep"
    prognosis = "prognosis"


class ContextPart(StrEnum):
    """Parts of a person's own assessment an answer should mention."""

    triage = "triage"
    imaging = "imaging"
    drivers = "drivers"


PASSAGE_KINDS = ("rule", "treatment", "exercise", "imaging", "driver")


class SafetyAdvice(_Entry):
    """Where the safety text comes from: a safety-net entry of treatments.yaml or a triage rule."""

    safety_net: str | None = Field(None, description="Id in the safety_net section of treatments.yaml.")
    rule: str | None = Field(None, description="Id of a rule in rules_triage.yaml.")

    @model_validator(mode="after")
    def _exactly_one(self) -> SafetyAdvice:
        if (self.safety_net is None) == (self.rule is None):
            raise ValueError("give exactly one of safety_net or rule")
        return self


def _check_together(rule: str, groups_needed: int) -> None:
    """A `together` rule: at least `groups_needed` groups joined by ' + ', no empty alternative."""
    groups = [g.strip() for g in rule.split("+")]
    if len(groups) < groups_needed:
        raise ValueError(f"together {rule!r}: needs two or more groups of words joined by ' + '")
    if any(not a.strip(" *") for g in groups for a in g.split("|")):
        raise ValueError(f"together {rule!r}: an empty alternative")


class AgedRule(_Entry):
    """Words that name a warning sign only for someone of a stated age or over ("I'm 63 and it came on
    for no reason"; "mum is 84 and slipped")."""

    at_least: int = Field(ge=18, le=110, description="The age stated in the question, in years, at or above.")
    together: tuple[str, ...] = Field(
        min_length=1,
        description="As a topic's `together`, but one group is enough: 'fell|slipped|tumble'.",
    )

    @model_validator(mode="after")
    def _groups_have_words(self) -> AgedRule:
        for rule in self.together:
            _check_together(rule, groups_needed=1)
        return self


class SafetyTopic(_Entry):
    """A warning sign a question may mention; the answer then leads with its advice."""

    id: str = Id
    terms: tuple[str, ...] = Field((), description="Words and phrases that mention it.")
    facts: tuple[str, ...] = Field((), description="Red-flag intake facts; their labels count as terms.")
    together: tuple[str, ...] = Field(
        (),
        description=(
            "Words that mention the sign only together, anywhere in the question: groups joined by"
            " ' + ', alternatives by '|', a trailing '*' for any ending ('chest + pain|pressure|tight*')."
        ),
    )
    aged: tuple[AgedRule, ...] = Field((), description="Words that name the sign from a stated age on.")
    unless: tuple[str, ...] = Field((), description="Phrases that look like the sign but are not.")
    advice: SafetyAdvice
    entry: str | None = Field(
        None, description="The answer entry that explains this sign (default: the entry with the same id)."
    )

    @model_validator(mode="after")
    def _together_has_groups(self) -> SafetyTopic:
        for rule in self.together:
            _check_together(rule, groups_needed=2)
        if not (self.terms or self.facts or self.together or self.aged):
            raise ValueError("give terms, facts, together or aged: something that names the sign")
        return self


class AnswerEntry(_Entry):
    """One reviewed answer to a question people ask, in both audiences' words, with sources."""

    id: str = Id
    topic: AnswerTopic
    title: str
    questions: tuple[str, ...] = Field(min_length=1, description="How people ask it (searched).")
    patient: str = Field(min_length=20)
    clinician: str = Field(min_length=20)
    see: tuple[str, ...] = Field((), description="Related passages: rule:ID, treatment:ID, exercise:ID, ...")
    context: tuple[ContextPart, ...] = Field((), description="Parts of an assessment that matter here.")
    cite: tuple[str, ...] = Citations


class AnswersFile(_Entry):
    safety: tuple[SafetyTopic, ...]
    entries: tuple[AnswerEntry, ...]
