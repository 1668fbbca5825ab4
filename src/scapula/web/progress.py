"""An invited patient's daily check-in and progress page.

The check-in is validated by the same model as the API's (`TrackingIn`), stored through the Store
(which reviews progress and may move the plan), and followed by the progress page, which says in
plain words what changed and when to seek care."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ..api.schemas import TrackingIn
from ..store import Actor
from .chart import Point, trend_svg
from .common import check_csrf, redirect, render, require_patient, store_of
from .questions import RED_FLAG_SYMPTOMS

router = APIRouter(include_in_schema=False)

CHECKIN_FIELDS = ("entry_date", "pain_now", "pain_worst", "sitting_minutes", "training_volume", "notes")
CHECKIN_LABELS = {
    "entry_date": "Day",
    "pain_now": "Pain now",
    "pain_worst": "Worst pain today",
    "sitting_minutes": "Sitting without a rise in pain",
    "training_volume": "Training this week",
    "flare": "Flare-up",
    "exercises_done": "Exercises done",
    "new_symptoms": "New symptoms",
    "notes": "Notes",
}
# What a recorded decision means for the person, in our words.
DECISION_WORDS = {
    "advance": ("good", "Good progress: your plan moves on to phase {to}."),
    "step_back": ("warn", "Your plan steps back to phase {to} to let things settle."),
    "retriage": ("danger", "Your new symptoms need a doctor's look: read your updated result now."),
    "review": ("warn", "Time for a review with your clinician: things are not improving as expected."),
}


def _values(posted: dict[str, list[str]]) -> dict[str, Any]:
    first = {k: next((v for v in vs if v.strip()), None) for k, vs in posted.items()}
    data: dict[str, Any] = {k: first.get(k) for k in CHECKIN_FIELDS if first.get(k) is not None}
    data["flare"] = first.get("flare") == "yes"
    if first.get("exercises_done") in ("yes", "no"):
        data["exercises_done"] = first["exercises_done"] == "yes"
    data["new_symptoms"] = [v for v in posted.get("new_symptoms", []) if v in RED_FLAG_SYMPTOMS]
    return data


def _errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err.get("loc") else "entry_date"
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        shown = err.get("input")
        suffix = f" (you entered {shown!r})" if isinstance(shown, str) and shown else ""
        out.setdefault(name, f"{CHECKIN_LABELS.get(name, name)}: {message.lower()}{suffix}")
    return out


def _checkin_page(request: Request, answers: dict[str, list[str]], errors: dict[str, str],
                  status: int = 200) -> HTMLResponse:
    kb = store_of(request).kb
    symptoms = [
        {"value": v, "words": kb.labels.values["associated"][v].patient.capitalize(),
         "checked": v in answers.get("new_symptoms", [])}
        for v in RED_FLAG_SYMPTOMS
    ]
    first = {k: (vs[0] if vs else "") for k, vs in answers.items()}
    first.setdefault("entry_date", date.today().isoformat())
    return render(request, "patient/checkin.html", status_code=status, values=first, errors=errors,
                  labels=CHECKIN_LABELS, symptoms=symptoms)


@router.get("/me/checkin", response_class=HTMLResponse)
def checkin(request: Request) -> HTMLResponse:
    require_patient(request)
    return _checkin_page(request, {}, {})


@router.post("/me/checkin", response_model=None)
async def checkin_post(request: Request) -> Response:
    actor = require_patient(request)
    await check_csrf(request)
    form = await request.form()
    answers = {k: [str(v) for v in form.getlist(k)] for k in form if k != "csrf_token"}
    try:
        body = TrackingIn.model_validate(_values(answers))
    except ValidationError as exc:
        return _checkin_page(request, answers, _errors(exc), 422)
    values = body.model_dump(mode="python")
    values["new_symptoms"] = [s.value for s in body.new_symptoms]
    assert actor.patient_id is not None
    saved = store_of(request).add_entry(actor, actor.patient_id, values)
    kind = (saved.get("decision") or {}).get("kind", "hold")
    return redirect(f"/me/progress?saved={kind}")


def _phases(plan: dict[str, Any], decisions: list[dict[str, Any]]) -> list[tuple[int, date]]:
    phases = [(1, date.fromisoformat(plan["started_on"]))]
    for d in decisions:
        if d["kind"] in ("advance", "step_back") and d["to_phase"] and d["plan_id"] == plan["id"]:
            phases.append((d["to_phase"], date.fromisoformat(d["decided_on"])))
    return phases


def _points(entries: list[dict[str, Any]]) -> list[Point]:
    return sorted(
        (Point(date.fromisoformat(e["entry_date"]), e["pain_now"], e["pain_worst"], bool(e["flare"]))
         for e in entries),
        key=lambda p: p.day,
    )


def _messages(decisions: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for d in reversed(decisions[-5:]):
        style, words = DECISION_WORDS.get(d["kind"], ("warn", "Your plan was reviewed."))
        reasons = [r.get("patient", "") for r in d.get("reasons", []) if isinstance(r, dict)]
        out.append({"style": style, "text": words.format(to=d.get("to_phase")), "on": d["decided_on"],
                    "reasons": reasons[:3]})
    return out


def progress_context(request: Request, actor: Actor) -> dict[str, Any] | None:
    from .patient import latest

    assessment, plan = latest(request, actor)
    if assessment is None or plan is None:
        return None
    store = store_of(request)
    assert actor.patient_id is not None
    entries = store.list_entries(actor, actor.patient_id)
    decisions = store.list_decisions(actor, actor.patient_id)
    points = _points(entries)
    level = assessment["triage_level"]
    return {
        "chart": trend_svg(points, _phases(plan, decisions)),
        "points": points,
        "phase": plan["phase"],
        "phase_name": next((p["name"] for p in plan["plan"].get("phases", []) if p["number"] == plan["phase"]), ""),
        "messages": _messages(decisions),
        "level": level,
        "level_title": store.kb.texts.levels[level].title,
        "level_text": store.kb.texts.levels[level].patient,
        "safety_net": [o["name"] for o in plan["plan"].get("safety_net", [])][:8],
    }


@router.get("/me/progress", response_class=HTMLResponse, response_model=None)
def progress_page(request: Request, saved: str | None = None) -> Response:
    actor = require_patient(request)
    context = progress_context(request, actor)
    if context is None:
        return redirect("/me/intake")
    return render(request, "patient/progress.html", saved=saved, **context)
