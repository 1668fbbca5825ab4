"""The guided intake as data: sections of questions, in the order people answer them, with the
conditions that hide a question when earlier answers make it irrelevant.

Form inputs carry the intake's own field names (docs/intake.md), so an error from the intake model
points straight at the question that asked it. The same `show_if` conditions run in the browser
(static/intake.js reads them from `data-show-if`) and on the server (`visible`), so a hidden
answer is never sent to the engine, with or without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["SECTIONS", "Condition", "Question", "Section", "questions"]

Kind = Literal["checks", "radio", "yesno", "number", "slider", "bodymap", "side"]


@dataclass(frozen=True, slots=True)
class Condition:
    """Show a question only when another answer is in `values` / contains `has` / is at least `gte`."""

    field: str
    values: tuple[str, ...] = ()
    has: str | None = None
    gte: float | None = None

    def holds(self, answers: dict[str, list[str]]) -> bool:
        given = [v for v in answers.get(self.field, []) if v != ""]
        if self.values:
            return bool(given) and given[0] in self.values
        if self.has is not None:
            return self.has in given
        try:
            return bool(given) and self.gte is not None and float(given[0]) >= self.gte
        except ValueError:
            return False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.values:
            out["in"] = list(self.values)
        if self.has is not None:
            out["has"] = self.has
        if self.gte is not None:
            out["gte"] = self.gte
        return out


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    """Unique within the form (one intake field may be asked in two places, like `associated`)."""
    field: str
    """The intake field it fills (or a form-only helper such as `trains`)."""
    kind: Kind
    text: str
    hint: str = ""
    options: tuple[str, ...] = ()
    words: dict[str, str] = field(default_factory=dict)
    """Our own wording for options, where the knowledge labels read oddly as an answer."""
    show_if: Condition | None = None
    required: bool = False
    low: float = 0
    high: float = 100
    step: float = 1
    unit: str = ""

    def visible(self, answers: dict[str, list[str]]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    safety: bool = False


ONSET_WORDS = {
    "gradual": "Slowly, over hours or days",
    "sudden": "Suddenly",
    "maximal_at_onset": "Suddenly, and it was at its very worst within a minute",
    "after_injury": "After a fall, knock or other injury",
    "after_training_increase": "After I started training more or harder",
}
TRAUMA_WORDS = {
    "none": "No injury",
    "minor": "A small one: a fall from standing, a cough, lifting something",
    "significant": "A serious one: a road accident, a fall from a height",
}
SEX_WORDS = {"female": "Female", "male": "Male", "other": "Other, or I would rather describe it myself"}
SIDE_WORDS = {
    "": "Work it out from the body map",
    "left": "Left",
    "right": "Right",
    "both": "Both sides",
    "central": "In the middle",
}

RED_FLAG_SYMPTOMS = (
    "chest_pain",
    "shortness_of_breath",
    "sweating",
    "syncope",
    "hemoptysis",
    "leg_weakness",
    "leg_numbness",
    "gait_disturbance",
    "hand_clumsiness",
    "progressive_arm_weakness",
    "urinary_retention",
    "fecal_incontinence",
    "saddle_anesthesia",
    "fever",
    "rigors",
    "night_sweats",
    "unexplained_weight_loss",
    "leg_swelling_calf_pain",
    "dermatomal_rash",
)
RED_FLAG_HISTORY = (
    "cancer",
    "active_cancer",
    "osteoporosis",
    "chronic_steroids",
    "immunocompromised",
    "iv_drug_use",
    "thoracic_fusion",
    "recent_spinal_procedure",
)
OTHER_SYMPTOMS = (
    "headache",
    "arm_numbness",
    "arm_weakness",
    "scapular_winging",
    "snapping_grinding",
    "dysesthesia",
    "cough",
    "nausea",
    "vomiting",
    "palpitations",
    "abdominal_pain",
    "jaundice",
    "dark_urine_pale_stool",
    "blood_in_urine",
    "dysuria",
    "urinary_incontinence",
    "dysphagia",
    "hoarseness",
    "ptosis_miosis",
    "hand_muscle_wasting",
    "pulse_deficit",
    "visual_disturbance",
    "jaw_claudication",
    "scalp_tenderness",
    "shoulder_girdle_stiffness",
    "fatigue",
    "anxiety_low_mood",
)
OTHER_HISTORY = (
    "recent_infection",
    "significant_trauma",
    "hypertension",
    "diabetes",
    "smoker",
    "hyperlipidemia",
    "known_coronary_disease",
    "family_history_premature_cad",
    "cocaine_use",
    "connective_tissue_disorder",
    "aortic_aneurysm_or_valve_disease",
    "prior_dvt_pe",
    "oestrogen_therapy",
    "recent_surgery_or_immobilisation",
    "long_travel",
    "copd",
    "prior_pneumothorax",
    "tuberculosis",
    "anticoagulants",
    "pacemaker",
    "kidney_disease",
    "peptic_ulcer",
    "gallstones",
    "alcohol_excess",
    "inflammatory_bowel_disease",
    "psoriasis",
    "uveitis",
    "family_history_spondyloarthritis",
    "rheumatoid_arthritis",
    "hla_b27_positive",
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "safety",
        "First, a few safety questions",
        "Some symptoms mean you should see a doctor soon, whatever else is going on. We ask about "
        "them first.",
        (
            Question("age", "age", "number", "How old are you?", "In years.", required=True, low=12, high=110),
            Question(
                "red_symptoms",
                "associated",
                "checks",
                "Have you had any of these with this pain?",
                "Tick all that apply, or 'None of these'.",
                options=RED_FLAG_SYMPTOMS,
            ),
            Question(
                "onset",
                "onset",
                "radio",
                "How did this pain start?",
                options=tuple(ONSET_WORDS),
                words=ONSET_WORDS,
            ),
            Question(
                "trauma",
                "trauma",
                "radio",
                "Was there an injury when it started?",
                options=tuple(TRAUMA_WORDS),
                words=TRAUMA_WORDS,
                show_if=Condition("onset", values=("sudden", "maximal_at_onset", "after_injury")),
            ),
            Question(
                "red_history",
                "history",
                "checks",
                "Do any of these apply to you?",
                "Tick all that apply, or leave them all empty if none do.",
                options=RED_FLAG_HISTORY,
            ),
        ),
        safety=True,
    ),
    Section(
        "about",
        "About you",
        "",
        (
            Question("sex", "sex", "radio", "Sex", options=tuple(SEX_WORDS), words=SEX_WORDS),
            Question(
                "pregnant",
                "history",
                "checks",
                "Are you pregnant?",
                options=("pregnant",),
                words={"pregnant": "Yes, I am pregnant"},
                show_if=Condition("sex", values=("female",)),
            ),
            Question(
                "pregnancy_weeks",
                "pregnancy_weeks",
                "number",
                "How many weeks pregnant are you?",
                show_if=Condition("history", has="pregnant"),
                high=45,
                unit="weeks",
            ),
        ),
    ),
    Section(
        "where",
        "Where does it hurt?",
        "Tap or click every area that hurts, on the back and on the front. Tap again to undo. You "
        "can also tick the areas in the list.",
        (
            Question("body_map", "locations", "bodymap", "Where does it hurt?"),
            Question(
                "side",
                "side",
                "side",
                "Which side is it on?",
                options=tuple(SIDE_WORDS),
                words=SIDE_WORDS,
            ),
        ),
    ),
    Section(
        "pain",
        "Your pain",
        "",
        (
            Question(
                "pain_now",
                "pain_now",
                "slider",
                "How bad is the pain right now?",
                "0 means no pain, 10 the worst pain you can imagine.",
                high=10,
            ),
            Question(
                "pain_worst_week",
                "pain_worst_week",
                "slider",
                "How bad was it at its worst in the last 7 days?",
                "0 means no pain, 10 the worst pain you can imagine.",
                high=10,
            ),
            Question(
                "duration_weeks",
                "duration_weeks",
                "number",
                "How many weeks ago did this pain start?",
                "Less than a week: enter a part of a week, like 0.5.",
                high=5200,
                step=0.5,
                unit="weeks",
            ),
            Question("qualities", "qualities", "checks", "What does it feel like?", "Tick all that fit."),
            Question("patterns", "patterns", "checks", "How does it behave over the day and night?"),
            Question(
                "morning_stiffness_minutes",
                "morning_stiffness_minutes",
                "number",
                "How long does the morning stiffness usually last?",
                show_if=Condition("patterns", has="morning_stiffness_over_30min"),
                high=1440,
                unit="minutes",
            ),
            Question(
                "improving",
                "improving",
                "yesno",
                "Is it getting better since it started?",
                words={"yes": "Yes, it is getting better", "no": "No", "": "I am not sure"},
            ),
            Question(
                "conservative_care_weeks",
                "conservative_care_weeks",
                "number",
                "For how many weeks have you tried treatment or self-care for it?",
                "For example exercises, physiotherapy, massage. 0 if none yet.",
                show_if=Condition("duration_weeks", gte=2),
                high=5200,
                unit="weeks",
            ),
            Question(
                "age_at_onset",
                "age_at_onset",
                "number",
                "How old were you when this kind of back pain first began?",
                show_if=Condition("duration_weeks", gte=12),
                low=0,
                high=110,
                unit="years",
            ),
        ),
    ),
    Section(
        "triggers",
        "What makes it worse or better",
        "",
        (
            Question("aggravators", "aggravators", "checks", "What makes it worse?", "Tick all that apply."),
            Question("relievers", "relievers", "checks", "What makes it better?", "Tick all that apply."),
        ),
    ),
    Section(
        "life",
        "Work and training",
        "",
        (
            Question(
                "desk_hours_per_day",
                "desk_hours_per_day",
                "number",
                "About how many hours a day do you sit at a desk or screen?",
                high=24,
                step=0.5,
                unit="hours",
            ),
            Question(
                "laptop_without_external_screen",
                "laptop_without_external_screen",
                "yesno",
                "Do you mostly work looking down at a laptop, without a separate screen?",
                words={"yes": "Yes", "no": "No", "": "Not sure"},
                show_if=Condition("desk_hours_per_day", gte=0.5),
            ),
            Question(
                "trains",
                "trains",
                "yesno",
                "Do you train or play sport regularly?",
                words={"yes": "Yes", "no": "No", "": "Rather not say"},
            ),
            Question(
                "training_volume_change_pct",
                "training_volume_change_pct",
                "number",
                "By how much has your weekly training changed in the last 2 to 4 weeks?",
                "In percent: 30 means 30% more, -20 means 20% less, 0 means no change.",
                show_if=Condition("trains", values=("yes",)),
                low=-100,
                high=1000,
                unit="%",
            ),
            Question(
                "equipment",
                "equipment",
                "checks",
                "Which of these do you have for exercises?",
                "We choose exercises you can do with what you have.",
            ),
        ),
    ),
    Section(
        "health",
        "Other symptoms and health",
        "Last step. These help tell apart things that feel alike.",
        (
            Question("other_symptoms", "associated", "checks", "Any of these?", options=OTHER_SYMPTOMS),
            Question(
                "other_history",
                "history",
                "checks",
                "Do any of these apply to you?",
                options=OTHER_HISTORY,
            ),
        ),
    ),
)


def questions() -> list[Question]:
    return [q for s in SECTIONS for q in s.questions]
