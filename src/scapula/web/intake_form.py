"""From the posted intake form to an `Intake`, with every problem placed next to its question.

A question hidden by an earlier answer sends nothing, whatever the browser posted. A list question
that was shown but left empty means "asked, none" (docs/intake.md); one never shown means "not
asked". Errors come from two places, both worded for people: numbers we cannot read, and the
intake model's own checks (ranges, allowed values)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from ..errors import IntakeError, Problem
from ..intake import Intake, parse_intake
from ..intake.fields import field_registry
from ..knowledge import Knowledge
from .bodymap import locations_and_side
from .questions import RED_FLAG_SYMPTOMS, SECTIONS, Question, questions

__all__ = ["FORM_ONLY", "FormResult", "answers_of", "option_words", "read_intake", "review_rows"]

FORM_ONLY = {"csrf_token", "step", "audience"}
"""Inputs that steer the form rather than answer a question."""
_FRIENDLY = (
    (re.compile(r"input should be greater than or equal to (\S+)"), r"must be \1 or more"),
    (re.compile(r"input should be less than or equal to (\S+)"), r"must be \1 or less"),
    (re.compile(r"input should be a valid integer.*"), "must be a whole number"),
)


@dataclass
class FormResult:
    answers: dict[str, list[str]]
    errors: dict[str, str] = field(default_factory=dict)
    """Question id -> what is wrong, naming the field."""
    intake: Intake | None = None


def answers_of(form: FormData) -> dict[str, list[str]]:
    """The posted answers, every value kept as posted (so a form with errors comes back filled in)."""
    return {key: [str(v) for v in form.getlist(key)] for key in form if key not in FORM_ONLY}


def options_of(q: Question) -> tuple[str, ...]:
    if q.options:
        return q.options
    spec = field_registry().get(q.field)
    return spec.values if spec else ()


def option_words(q: Question, value: str, kb: Knowledge) -> str:
    if value in q.words:
        return q.words[value]
    label = kb.labels.values.get(q.field, {}).get(value)
    text = label.patient if label else value.replace("_", " ")
    return text[:1].upper() + text[1:]


def field_label(name: str, kb: Knowledge) -> str:
    label = kb.labels.fields.get(name)
    return label.patient if label else name.replace("_", " ").capitalize()


def _first(answers: dict[str, list[str]], name: str) -> str:
    return next((v.strip() for v in answers.get(name, []) if v.strip()), "")


def _number(text: str) -> float | int:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _asked(q: Question, answers: dict[str, list[str]]) -> bool:
    return q.id in answers.get("asked", [])


def _collect(q: Question, answers: dict[str, list[str]], data: dict[str, Any], errors: dict[str, str],
             kb: Knowledge) -> None:
    """Put one visible question's answer into `data` (intake fields), or its problem in `errors`."""
    if q.kind == "checks":
        if _asked(q, answers):
            chosen = [v for v in answers.get(q.field, []) if v in options_of(q)]
            data[q.field] = list(dict.fromkeys([*data.get(q.field, []), *chosen]))
    elif q.kind == "bodymap":
        locations, side, _ = locations_and_side(answers.get("body_map", []))
        if _asked(q, answers):
            data["locations"] = locations
        if side:
            data.setdefault("side", side)
    elif q.kind in ("radio", "side"):
        if value := _first(answers, q.field):
            data[q.field] = value
    elif q.kind == "yesno":
        value = _first(answers, q.field)
        if value in ("yes", "no"):
            data[q.field] = value == "yes"
    elif text := _first(answers, q.field):
        try:
            data[q.field] = _number(text)
        except ValueError:
            errors[q.id] = f"{field_label(q.field, kb)}: enter a number, like 3 or 2.5 (you entered {text[:20]!r})"


def _sense_checks(answers: dict[str, list[str]], data: dict[str, Any], errors: dict[str, str]) -> None:
    """Answers the model accepts but that cannot both be true, and safety questions left blank."""
    now, worst = data.get("pain_now"), data.get("pain_worst_week")
    if isinstance(now, int | float) and isinstance(worst, int | float) and worst < now:
        errors["pain_worst_week"] = (
            "Worst pain in the last week: cannot be lower than your pain now; move one of the sliders"
        )
    safety = next(q for q in SECTIONS[0].questions if q.id == "red_symptoms")
    ticked = set(answers.get("associated", [])) & set(RED_FLAG_SYMPTOMS)
    if _asked(safety, answers) and not ticked and "none" not in answers.get("safety_none", []):
        errors["red_symptoms"] = "Safety questions: tick the symptoms you have had, or 'None of these'"


def _question_for(where: str, visible: list[Question]) -> str:
    root = re.split(r"[.\[]", where, maxsplit=1)[0]
    if root == "side" or root == "locations":
        return "body_map"
    hit = next((q.id for q in visible if q.field == root), None)
    if hit:
        return hit
    # A check across fields names them in its message ("age_at_onset is later than age").
    return next((q.id for q in visible if q.field in where), "age")


def _friendly(problem: Problem, kb: Knowledge) -> str:
    root = re.split(r"[.\[]", problem.where, maxsplit=1)[0]
    text = problem.problem
    for pattern, replacement in _FRIENDLY:
        text = pattern.sub(replacement, text)
    label = field_label(root, kb) if root in kb.labels.fields else "Your answers"
    shown = f" (you entered {problem.received})" if problem.received else ""
    return f"{label}: {text}{shown}"


def read_intake(answers: dict[str, list[str]], kb: Knowledge) -> FormResult:
    """Validate the answers into an Intake; on any problem, the errors by question and no intake."""
    result = FormResult(answers)
    visible = [q for q in questions() if q.visible(answers)]
    data: dict[str, Any] = {}
    for q in visible:
        if q.field != "trains":
            _collect(q, answers, data, result.errors, kb)
    _sense_checks(answers, data, result.errors)
    try:
        intake = parse_intake(data)
    except IntakeError as exc:
        for problem in exc.problems:
            result.errors.setdefault(_question_for(problem.where, visible), _friendly(problem, kb))
        return result
    if not result.errors:
        result.intake = intake
    return result


def review_rows(answers: dict[str, list[str]], kb: Knowledge) -> list[dict[str, Any]]:
    """What the person said, question by question, in their words (for the review page)."""
    from .bodymap import choices

    region_words = {c["key"]: c["label"] for c in choices(kb)}
    rows = []
    for section in SECTIONS:
        for q in section.questions:
            if not q.visible(answers) or (q.kind == "side" and not _first(answers, "side")):
                continue
            if q.kind == "bodymap":
                said = [region_words.get(k, k) for k in answers.get("body_map", [])]
            elif q.kind == "checks":
                said = [option_words(q, v, kb) for v in answers.get(q.field, []) if v in options_of(q)]
                if not said and _asked(q, answers):
                    said = ["None of these"]
            elif q.kind in ("radio", "side", "yesno"):
                value = _first(answers, q.field)
                said = [option_words(q, value, kb)] if value or q.kind == "yesno" else []
            else:
                value = _first(answers, q.field)
                said = [f"{value} {q.unit}".strip()] if value else []
            if said:
                rows.append({"section": section.id, "question": q.text, "answer": said})
    return rows
