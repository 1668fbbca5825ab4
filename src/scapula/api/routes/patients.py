"""Patients, their assessments, plans, check-ins and decisions."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from ...assessment import Audience
from ...intake import Intake
from ..deps import CurrentActor, StoreDep, json_response
from ..schemas import PatientIn, PlanChangeIn, TrackingIn

router = APIRouter(prefix="/api", tags=["patients"])


class PlotFormat(StrEnum):
    png = "png"
    svg = "svg"


MEDIA = {PlotFormat.png: "image/png", PlotFormat.svg: "image/svg+xml"}


@router.get("/patients", summary="The clinic's patients")
def list_patients(actor: CurrentActor, store: StoreDep) -> list[dict[str, Any]]:
    return store.list_patients(actor)


@router.post("/patients", status_code=status.HTTP_201_CREATED, summary="Register a patient")
def create_patient(body: PatientIn, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.create_patient(actor, body.display_name, body.external_ref)


@router.get("/patients/{patient_id}", summary="One patient")
def get_patient(patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.get_patient(actor, patient_id)


@router.post(
    "/patients/{patient_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite the patient to their own record",
)
def invite(patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    token, expires = store.invite(actor, patient_id)
    return {"token": token, "path": f"/api/auth/invitations/{token}", "expires_at": expires.isoformat()}


@router.post(
    "/patients/{patient_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=dict[str, Any],
    summary="Assess an intake (docs/intake.md); stores the result and a new plan",
)
async def create_assessment(
    patient_id: str,
    intake: Intake,
    actor: CurrentActor,
    store: StoreDep,
    audience: Annotated[Audience, Query()] = Audience.clinician,
) -> Response:
    # On the event loop, not in a worker thread: the assessment is CPU work of a few milliseconds and
    # one process serves each CPU, so a thread would only add a hand-over and contention for the GIL.
    created = store.add_assessment(actor, patient_id, intake, audience)
    return json_response(created, status.HTTP_201_CREATED)


@router.get("/patients/{patient_id}/assessments", summary="The patient's assessments, oldest first")
def list_assessments(patient_id: str, actor: CurrentActor, store: StoreDep) -> list[dict[str, Any]]:
    return store.list_assessments(actor, patient_id)


@router.get("/assessments/{assessment_id}", summary="One assessment with its intake and result")
def get_assessment(assessment_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.get_assessment(actor, assessment_id)


@router.get("/patients/{patient_id}/plan", summary="The active plan with its recorded changes")
def get_plan(patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.get_plan(actor, patient_id)


@router.patch("/plans/{plan_id}", summary="Adjust a plan (recorded with who, when and why)")
def adjust_plan(plan_id: str, body: PlanChangeIn, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    change = body.model_dump(exclude_none=True, exclude={"reason"})
    return store.adjust_plan(actor, plan_id, change, body.reason)


@router.post("/patients/{patient_id}/tracking", status_code=status.HTTP_201_CREATED, summary="Add a check-in")
def add_entry(patient_id: str, body: TrackingIn, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.add_entry(actor, patient_id, _values(body))


@router.put("/patients/{patient_id}/tracking/{entry_id}", summary="Correct a check-in (the original is kept)")
def correct_entry(
    patient_id: str, entry_id: str, body: TrackingIn, actor: CurrentActor, store: StoreDep
) -> dict[str, Any]:
    return store.add_entry(actor, patient_id, _values(body), supersedes=entry_id)


@router.get("/patients/{patient_id}/tracking", summary="Check-ins, current versions (history=true for all)")
def list_entries(
    patient_id: str, actor: CurrentActor, store: StoreDep, history: bool = False
) -> list[dict[str, Any]]:
    return store.list_entries(actor, patient_id, history)


@router.get("/patients/{patient_id}/decisions", summary="Progression and re-triage decisions with reasons")
def list_decisions(patient_id: str, actor: CurrentActor, store: StoreDep) -> list[dict[str, Any]]:
    return store.list_decisions(actor, patient_id)


@router.get("/patients/{patient_id}/outcomes", summary="Change since baseline and time to meaningful change")
def patient_outcomes(patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.patient_outcome(actor, patient_id)


@router.get(
    "/patients/{patient_id}/outcomes/plot.{fmt}",
    summary="The patient's trend as PNG or SVG",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
def patient_plot(patient_id: str, fmt: PlotFormat, actor: CurrentActor, store: StoreDep) -> Response:
    return Response(store.patient_plot(actor, patient_id, fmt.value), media_type=MEDIA[fmt])


@router.get("/outcomes", summary="The clinic's outcomes at 6 and 12 weeks, drop-out, 12-week pain reduction")
def clinic_outcomes(actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return store.clinic_outcomes(actor)


@router.get(
    "/outcomes/plot.{fmt}",
    summary="The clinic's cohort as PNG or SVG",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
def clinic_plot(fmt: PlotFormat, actor: CurrentActor, store: StoreDep) -> Response:
    return Response(store.clinic_plot(actor, fmt.value), media_type=MEDIA[fmt])


@router.get("/audit", summary="The clinic's audit log (optionally for one patient)")
def audit(actor: CurrentActor, store: StoreDep, patient_id: str | None = None) -> list[dict[str, Any]]:
    return store.audit_log(actor, patient_id)


def _values(body: TrackingIn) -> dict[str, Any]:
    values = body.model_dump(mode="python")
    values["psfs"] = [item.model_dump() for item in body.psfs]
    values["new_symptoms"] = [s.value for s in body.new_symptoms]
    return values
