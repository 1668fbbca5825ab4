"""Pages a clinician uses: login, the clinic dashboard, a patient's record, plans and outcomes.

Each page reads through the `Store` (access checks and audit there) and renders; clinical
judgements (alerts, urgency, which exercises may be added) come from the store and the tracking
core, never from here. A page without a clinician session sends a browser to the login page and
answers anything else with the API's 401; a patient's session gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from ..errors import AuthError, Conflict, Forbidden, NotFound, RateLimited
from ..store import Actor, Store
from ..store.plan_edit import addable
from .common import (
    SESSION_COOKIE,
    check_csrf,
    clear_session,
    redirect,
    render,
    set_session,
    store_of,
    wants_html,
)

LOGIN = "/clinic/login"
INVITE_PATH = "/invite/{token}"  # the patient pages' route that opens an invitation
LEVELS = {
    "emergency": "Emergency",
    "urgent": "Urgent (24-48 h)",
    "medical_review": "Medical review",
    "conservative": "Conservative care",
}
NAME_MAX, REF_MAX, REASON_MAX, NOTE_MAX = 200, 100, 1000, 2000

Errors = dict[str, str]


class ClinicRoute(APIRoute):
    """Sends a browser without a valid session to the login page, then back where it was going."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthError:
                if not wants_html(request) or request.url.path == LOGIN:
                    raise
                back = request.url.path if request.method == "GET" else "/clinic"
                return redirect(f"{LOGIN}?next={quote(back)}")

        return guarded


router = APIRouter(prefix="/clinic", include_in_schema=False, route_class=ClinicRoute)


# --------------------------------------------------------------------------- who is asking


def _token(request: Request) -> str | None:
    # The same credentials the JSON API takes: the session cookie, or a bearer token from a script.
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        return auth[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def clinician(request: Request) -> Actor:
    token = _token(request)
    if not token:
        raise AuthError("Log in first")
    actor = store_of(request).actor(token)  # AuthError when expired or revoked
    if actor.kind != "user":
        raise Forbidden("These pages are for clinicians; patients use the link their clinic sent them")
    return actor


Clinician = Annotated[Actor, Depends(clinician)]
StoreDep = Annotated[Store, Depends(store_of)]


def _next(value: str | None) -> str:
    """Only a path inside the clinic pages: never an open redirect to another site."""
    if value and value.startswith("/clinic") and "//" not in value and "\\" not in value:
        return value
    return "/clinic"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _bad_chars(value: str) -> bool:
    return any(ord(c) < 32 and c not in "\t\n\r" for c in value)


def _field(errors: Errors, form: FormData, name: str, label: str, limit: int, required: bool) -> str:
    value = _text(form, name)
    if required and not value:
        errors[name] = f"{label} is required"
    elif len(value) > limit:
        errors[name] = f"{label} must be at most {limit} characters (got {len(value)})"
    elif _bad_chars(value):
        errors[name] = f"{label} contains control characters"
    return value


# --------------------------------------------------------------------------- login and logout


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/clinic") -> Response:
    token = _token(request)
    if token:
        try:
            if store_of(request).actor(token).kind == "user":
                return redirect(_next(next))
        except AuthError:
            pass  # an expired session: log in again
    return render(request, "clinic/login.html", next=_next(next), email="", errors={}, message=None)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, store: StoreDep) -> Response:
    await check_csrf(request)
    form = await request.form()
    errors: Errors = {}
    email = _field(errors, form, "email", "E-mail address", 320, True)
    password = str(form.get("password") or "")
    if not password:
        errors["password"] = "Password is required"
    page = {"next": _next(_text(form, "next")), "email": email, "errors": errors}
    if errors:
        return render(request, "clinic/login.html", 422, message=None, **page)
    try:
        token, expires = store.login(email, password)
    except RateLimited as exc:
        return render(request, "clinic/login.html", 429, message=exc.message, **page)
    except AuthError as exc:
        return render(request, "clinic/login.html", 401, message=exc.message, **page)
    max_age = int((expires - store.clock()).total_seconds())
    return set_session(redirect(page["next"]), token, max_age)


@router.post("/logout")
async def logout(request: Request, store: StoreDep) -> Response:
    token = _token(request)
    if not token:
        raise AuthError("Log in first")
    await check_csrf(request)
    store.logout(token)
    return clear_session(redirect(LOGIN))


# --------------------------------------------------------------------------- the dashboard


def _dashboard(request: Request, actor: Actor, store: Store, status: int = 200, **extra: Any) -> Response:
    rows = store.clinic_dashboard(actor)
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    return render(request, "clinic/dashboard.html", status, rows=rows, levels=LEVELS, spark=sparkline, **extra)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, actor: Clinician, store: StoreDep) -> Response:
    return _dashboard(request, actor, store)


@router.post("/patients", response_class=HTMLResponse)
async def add_patient(request: Request, actor: Clinician, store: StoreDep) -> Response:
    await check_csrf(request)
    form = await request.form()
    errors: Errors = {}
    name = _field(errors, form, "display_name", "Name", NAME_MAX, True)
    ref = _field(errors, form, "external_ref", "External reference", REF_MAX, False)
    if errors:
        values = {"display_name": name, "external_ref": ref}
        return _dashboard(request, actor, store, 422, errors=errors, values=values)
    patient = store.create_patient(actor, name, ref or None)
    return redirect(f"/clinic/patients/{patient['id']}")


@router.post("/patients/{patient_id}/invitations", response_class=HTMLResponse)
async def invite(request: Request, patient_id: str, actor: Clinician, store: StoreDep) -> Response:
    patient = store.get_patient(actor, patient_id)  # not found before any form check: nothing leaks
    await check_csrf(request)
    token, expires = store.invite(actor, patient_id)
    link = str(request.base_url).rstrip("/") + INVITE_PATH.format(token=token)
    return render(request, "clinic/invitation.html", 201, patient=patient, link=link, expires=expires)


def sparkline(points: list[tuple[str, int]], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for pain 0-10 (0 at the bottom), oldest on the left."""
    if not points:
        return ""
    step = width / max(1, len(points) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - pain / 10 * (height - 4):.1f}" for i, (_, pain) in enumerate(points))


# --------------------------------------------------------------------------- one patient


def _or_none(read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return read()
    except NotFound:
        return None


def _record(actor: Actor, store: Store, patient_id: str) -> dict[str, Any]:
    """Everything the patient page shows, each read through the store (and so audited)."""
    patient = store.get_patient(actor, patient_id)
    assessments = store.list_assessments(actor, patient_id)
    plan = _or_none(lambda: store.get_plan(actor, patient_id))
    source = next((a for a in assessments if plan and a["id"] == plan["assessment_id"]), None)
    options = {
        p["number"]: addable(store.kb, plan["plan"], source["intake"], p["number"])
        for p in (plan["plan"].get("phases", []) if plan and source else [])
    }
    return {
        "patient": patient,
        "assessments": list(reversed(assessments)),
        "plan": plan,
        "addable": options,
        "entries": store.list_entries(actor, patient_id, history=True),
        "decisions": list(reversed(store.list_decisions(actor, patient_id))),
    }


def _patient_page(
    request: Request, actor: Actor, store: Store, patient_id: str, status: int = 200, **extra: Any
) -> Response:
    kb = store.kb
    extra.setdefault("errors", {})
    extra.setdefault("form", "")
    return render(
        request,
        "clinic/patient.html",
        status,
        levels=LEVELS,
        source=kb.sources.get,
        fact=lambda text: _fact(store, text),
        **_record(actor, store, patient_id),
        **extra,
    )


def _fact(store: Store, text: str) -> str:
    try:
        return store.kb.labels.fact(text, True)
    except (KeyError, ValueError):
        return text  # a fact the labels do not cover is shown as recorded


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: str, actor: Clinician, store: StoreDep) -> Response:
    return _patient_page(request, actor, store, patient_id)


@router.get("/patients/{patient_id}/plot.svg")
def patient_plot(patient_id: str, actor: Clinician, store: StoreDep) -> Response:
    return Response(store.patient_plot(actor, patient_id, "svg"), media_type="image/svg+xml")


async def _active_plan(request: Request, actor: Actor, store: Store, patient_id: str) -> dict[str, Any]:
    """The plan the form was filled in for, which must still be the active one. The record is looked
    up before the form is checked, so another clinic's patient is simply not found."""
    plan = store.get_plan(actor, patient_id)
    await check_csrf(request)
    if _text(await request.form(), "plan_id") != plan["id"]:
        raise Conflict("The plan changed since this page was opened (a new assessment or re-triage)")
    return plan


def _plan_change(form: FormData, plan: dict[str, Any], errors: Errors) -> dict[str, Any]:
    change: dict[str, Any] = {}
    phase = _text(form, "phase")
    numbers = [str(p["number"]) for p in plan["plan"].get("phases", [])]
    if phase and phase not in numbers:
        errors["phase"] = f"Phase must be one of {', '.join(numbers) or 'none'} (got {phase})"
    elif phase and int(phase) != plan["phase"]:
        change["phase"] = int(phase)
    present = {e["id"] for p in plan["plan"].get("phases", []) for e in p["exercises"]}
    removed = [str(v) for v in form.getlist("remove") if str(v) in present]
    if removed:
        change["remove_exercises"] = removed
    note = _field(errors, form, "note", "Note", NOTE_MAX, False)
    if note:
        change["note"] = note
    if not change and not errors:
        errors["phase"] = "Change the phase, remove an exercise or write a note"
    return change


@router.post("/patients/{patient_id}/plan", response_class=HTMLResponse)
async def adjust_plan(request: Request, patient_id: str, actor: Clinician, store: StoreDep) -> Response:
    plan = await _active_plan(request, actor, store, patient_id)
    form = await request.form()
    errors: Errors = {}
    change = _plan_change(form, plan, errors)
    reason = _field(errors, form, "reason", "Reason", REASON_MAX, True)
    if errors:
        return _patient_page(request, actor, store, patient_id, 422, errors=errors, form="adjust")
    store.adjust_plan(actor, plan["id"], change, reason)
    return redirect(f"/clinic/patients/{patient_id}#plan")


@router.post("/patients/{patient_id}/plan/exercises", response_class=HTMLResponse)
async def add_exercise(request: Request, patient_id: str, actor: Clinician, store: StoreDep) -> Response:
    plan = await _active_plan(request, actor, store, patient_id)
    form = await request.form()
    errors: Errors = {}
    # Options are "phase:exercise id", so an exercise always arrives with the phase it was offered for.
    phase, _, exercise = _text(form, "exercise").partition(":")
    if not phase.isdigit() or not exercise:
        errors["exercise"] = "Choose an exercise"
    reason = _field(errors, form, "reason", "Reason", REASON_MAX, True)
    if not errors:
        try:
            store.add_plan_exercises(actor, plan["id"], int(phase), [exercise], reason)
            return redirect(f"/clinic/patients/{patient_id}#plan")
        except Conflict as exc:
            errors["exercise"] = str(exc.problems[0]) if exc.problems else exc.message
    return _patient_page(request, actor, store, patient_id, 422, errors=errors, form="add")


# --------------------------------------------------------------------------- clinic outcomes


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes(request: Request, actor: Clinician, store: StoreDep) -> Response:
    report = store.clinic_outcomes(actor)
    names = {p["id"]: p["display_name"] for p in store.list_patients(actor)}
    return render(request, "clinic/outcomes.html", report=report, names=names)


@router.get("/outcomes/plot.svg")
def outcomes_plot(actor: Clinician, store: StoreDep) -> Response:
    return Response(store.clinic_plot(actor, "svg"), media_type="image/svg+xml")
