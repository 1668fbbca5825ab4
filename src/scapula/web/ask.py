"""The question box: follow-up questions answered from the reviewed knowledge base, with sources.

`/ask` answers general questions for anyone; `/me/ask` answers in the light of the invited
patient's latest assessment (read through the Store, so it is access-checked and audited). Both
are GET forms: asking changes nothing, so there is nothing for a forged form to do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..answers import MAX_QUESTION, QuestionError, answer
from ..assessment import Audience
from .common import render, require_patient, store_of

router = APIRouter(include_in_schema=False)


@router.get("/ask", response_class=HTMLResponse)
def ask_general(request: Request, q: str | None = None, audience: str | None = None) -> HTMLResponse:
    return _page(request, q, audience, context=None, action="/ask")


@router.get("/me/ask", response_class=HTMLResponse)
def ask_mine(request: Request, q: str | None = None, audience: str | None = None) -> HTMLResponse:
    actor = require_patient(request)
    context = None
    if q is not None and actor.patient_id is not None:
        assessments = store_of(request).list_assessments(actor, actor.patient_id)
        context = assessments[-1]["result"] if assessments else None
    return _page(request, q, audience, context=context, action="/me/ask")


def _page(request: Request, q: str | None, audience: str | None, *, context: Any, action: str) -> HTMLResponse:
    chosen = Audience.clinician if audience == "clinician" else Audience.patient
    found, problems = None, []
    if q is not None:
        try:
            found = answer(q, assessment=context, audience=chosen, kb=store_of(request).kb)
        except QuestionError as exc:
            problems = exc.problems
    numbers = {source: n for n, source in enumerate(found.sources, start=1)} if found else {}
    return render(
        request, "patient/ask.html", status_code=422 if problems else 200,
        question=q or "", found=found, problems=problems, numbers=numbers, action=action,
        audience=chosen.value, max_question=MAX_QUESTION,
    )
