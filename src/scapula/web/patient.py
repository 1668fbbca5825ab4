"""Pages a patient uses: the guided intake with its body map, the result, check-ins and progress.

Two ways in: an anonymous self-check at /start that stores nothing, and an invitation link from a
clinic (/invite/TOKEN) that opens a session limited to that patient's own record, under /me. The
/me pages take no patient id: the session names the patient, so no address can reach another
person's record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..assessment import Audience
from ..handout import render_handout_pdf
from ..intake import parse_intake
from ..store import Actor
from . import progress
from .common import (
    bearer_or_cookie,
    check_csrf,
    clear_session,
    redirect,
    render,
    require_patient,
    set_session,
    store_of,
)
from .intake_form import FormResult, answers_of, read_intake, review_rows
from .intake_page import intake_context
from .results import result_context, work_out

router = APIRouter(include_in_schema=False)
router.include_router(progress.router)


def _audience(value: str | None) -> Audience:
    return Audience.clinician if value == "clinician" else Audience.patient


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


# --------------------------------------------------------------------------- the intake, both ways in


def _form_page(request: Request, form: FormResult, action: str, status: int = 200) -> HTMLResponse:
    kb = store_of(request).kb
    return render(request, "patient/intake.html", status_code=status, action=action,
                  **intake_context(form, kb))


def _review_page(request: Request, form: FormResult, action: str) -> HTMLResponse:
    kb = store_of(request).kb
    return render(request, "patient/review.html", action=action, rows=review_rows(form.answers, kb),
                  answers=form.answers)


async def _intake_step(request: Request) -> tuple[str, FormResult, Any]:
    """Read a posted intake form: (step, result, raw form). Steps: edit, review, submit."""
    await check_csrf(request)
    posted = await request.form()
    step = str(posted.get("step", "review"))
    answers = answers_of(posted)
    form = FormResult(answers) if step == "edit" else read_intake(answers, store_of(request).kb)
    return step, form, posted


@router.get("/start", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    return _form_page(request, FormResult({}), "/start")


@router.post("/start", response_class=HTMLResponse, response_model=None)
async def start_post(request: Request) -> Response:
    """The anonymous self-check: every step re-reads the whole form; nothing is stored."""
    step, form, posted = await _intake_step(request)
    if step == "edit" or form.intake is None:
        return _form_page(request, form, "/start", 200 if step == "edit" else 422)
    if step == "review":
        return _review_page(request, form, "/start")
    kb = store_of(request).kb
    result = work_out(form.intake, kb, _audience(str(posted.get("audience", ""))))
    if step == "handout":
        return _pdf(render_handout_pdf(result.plan, kb))
    return render(request, "patient/result.html", answers=form.answers, action="/start", stored=False,
                  **result_context(result, kb))


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation(request: Request, token: str) -> HTMLResponse:
    return render(request, "patient/invite.html", token=token)


@router.post("/invite/{token}", response_model=None)
async def accept_invitation(request: Request, token: str) -> Response:
    await check_csrf(request)
    store = store_of(request)
    session, _, _ = store.accept_invitation(token)
    days = timedelta(days=store.settings.patient_session_days)
    return set_session(redirect("/me"), session, int(days.total_seconds()))


# --------------------------------------------------------------------------- an invited patient's record


def latest(request: Request, actor: Actor) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The newest assessment and the active plan of the patient, or Nones before the first intake."""
    store = store_of(request)
    assert actor.patient_id is not None
    assessments = store.list_assessments(actor, actor.patient_id)
    if not assessments:
        return None, None
    return assessments[-1], store.get_plan(actor, actor.patient_id)


@router.get("/me", response_model=None)
def me(request: Request) -> Response:
    actor = require_patient(request)
    assessment, _ = latest(request, actor)
    return redirect("/me/result" if assessment else "/me/intake")


@router.get("/me/intake", response_class=HTMLResponse)
def my_intake(request: Request) -> HTMLResponse:
    require_patient(request)
    return _form_page(request, FormResult({}), "/me/intake")


@router.post("/me/intake", response_model=None)
async def my_intake_post(request: Request) -> Response:
    actor = require_patient(request)
    step, form, _ = await _intake_step(request)
    if step == "edit" or form.intake is None:
        return _form_page(request, form, "/me/intake", 200 if step == "edit" else 422)
    if step == "review":
        return _review_page(request, form, "/me/intake")
    assert actor.patient_id is not None
    store_of(request).add_assessment(actor, actor.patient_id, form.intake, audience=Audience.patient)
    return redirect("/me/result")


def _my_result(request: Request, audience: str | None) -> tuple[Any, dict[str, Any]] | None:
    actor = require_patient(request)
    assessment, plan = latest(request, actor)
    if assessment is None or plan is None:
        return None
    kb = store_of(request).kb
    result = work_out(parse_intake(assessment["intake"]), kb, _audience(audience), plan["plan"])
    return result, plan


@router.get("/me/result", response_class=HTMLResponse, response_model=None)
def my_result(request: Request, audience: str | None = None) -> Response:
    found = _my_result(request, audience)
    if found is None:
        return redirect("/me/intake")
    result, plan = found
    kb = store_of(request).kb
    return render(request, "patient/result.html", stored=True, action="/me/result",
                  **result_context(result, kb, current_phase=plan["phase"]))


@router.get("/me/handout.pdf", response_model=None)
def my_handout(request: Request, audience: str | None = None) -> Response:
    found = _my_result(request, audience)
    if found is None:
        return redirect("/me/intake")
    return _pdf(render_handout_pdf(found[0].plan, store_of(request).kb))


@router.post("/me/logout", response_model=None)
async def logout(request: Request) -> Response:
    require_patient(request)
    await check_csrf(request)
    store_of(request).logout(bearer_or_cookie(request) or "")
    return clear_session(redirect("/"))


def _pdf(data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="scapula-plan.pdf"'},
    )
