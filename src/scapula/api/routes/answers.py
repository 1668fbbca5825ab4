"""Questions answered from the reviewed knowledge base, optionally about a stored assessment.

Like every route of the clinic service it needs a session; reading the assessment goes through the
Store, so the access check (own clinic, own record for a patient) and the audit entry are the usual
ones. The web pages call `scapula.answers.answer` directly."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ...answers import MAX_QUESTION, QuestionError, answer
from ...assessment import Audience
from ..deps import CurrentActor, StoreDep
from ..errors import problem_response

router = APIRouter(prefix="/api", tags=["answers"])


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="The question, in words.")
    assessment_id: str | None = Field(None, description="A stored assessment to answer in the light of.")
    audience: Audience = Audience.patient


@router.post("/answers", summary="Answer a question from the knowledge base, with citations (not a diagnosis)")
def ask(body: QuestionIn, actor: CurrentActor, store: StoreDep) -> Any:
    context = None
    if body.assessment_id is not None:
        context = store.get_assessment(actor, body.assessment_id)["result"]
    try:
        return answer(body.question, assessment=context, audience=body.audience, kb=store.kb).to_dict()
    except QuestionError as exc:
        return problem_response(422, "invalid_question", exc.message, exc.problems)
