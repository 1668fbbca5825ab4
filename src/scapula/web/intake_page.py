"""What the intake template reads: sections, questions with their options and current answers,
errors by question, and the body map. Every question is rendered; the page's script hides those
that earlier answers make irrelevant (without JavaScript the whole form shows, and the server
ignores answers to hidden questions)."""

from __future__ import annotations

import json
from typing import Any

from ..knowledge import Knowledge
from . import bodymap
from .intake_form import FormResult, option_words, options_of
from .questions import SECTIONS, Question

__all__ = ["intake_context"]


def _question(q: Question, form: FormResult, kb: Knowledge) -> dict[str, Any]:
    given = form.answers.get(q.field, [])
    first = next((v for v in given if v != ""), "")
    options = []
    if q.kind in ("checks", "radio", "side", "yesno"):
        values = options_of(q) if q.kind != "yesno" else ("yes", "no", "")
        options = [
            {
                "value": v,
                "words": option_words(q, v, kb),
                "checked": v in given if q.kind == "checks" else v == first,
            }
            for v in values
        ]
    return {
        "q": q,
        "options": options,
        "value": first,
        "error": form.errors.get(q.id),
        "show_if": json.dumps(q.show_if.to_json()) if q.show_if else "",
    }


def intake_context(form: FormResult, kb: Knowledge) -> dict[str, Any]:
    chosen = set(form.answers.get("body_map", []))
    by_id = {q.id: q for s in SECTIONS for q in s.questions}
    return {
        "sections": [
            {"s": s, "questions": [_question(q, form, kb) for q in s.questions]} for s in SECTIONS
        ],
        "errors": [
            {"id": qid, "message": message, "section": _section_of(qid)}
            for qid, message in form.errors.items()
            if qid in by_id
        ],
        "views": bodymap.views(kb),
        "regions": [{**c, "checked": c["key"] in chosen} for c in bodymap.choices(kb)],
        "safety_none": "none" in form.answers.get("safety_none", []),
        "answers": form.answers,
    }


def _section_of(question_id: str) -> str:
    return next(s.id for s in SECTIONS for q in s.questions if q.id == question_id)
