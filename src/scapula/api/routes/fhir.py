"""The FHIR R4 face: the intake Questionnaire, responses to it, and a patient's record as resources.

Resources are served as `application/fhir+json`. Errors keep the API's one envelope
(`{"error": {...}}`). Only the CapabilityStatement is public; everything else needs a session and
follows the store's rules (another clinic's patient is not found) and is audited.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import JSONResponse

from ... import __version__
from ...assessment import Audience
from ...errors import IntakeError, NotFound, Problem
from ...fhir.observation import (
    assessment_response,
    care_plan,
    pain_observations,
    patient_bundle,
    patient_resource,
    risk_assessment,
    searchset,
    validate,
)
from ...fhir.questionnaire import (
    LOINC,
    PAIN_LOINC,
    QUESTIONNAIRE_ID,
    QUESTIONNAIRE_URL,
    intake_from_response,
    intake_questionnaire,
)
from ...store import Actor, Store
from ..deps import CurrentActor, StoreDep

__all__ = ["FHIR_JSON", "FhirResponse", "router"]

FHIR_JSON = "application/fhir+json"


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


router = APIRouter(prefix="/fhir", tags=["fhir"], default_response_class=FhirResponse)

_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})$")
_PatientParam = Annotated[
    str, Query(min_length=1, max_length=200, description="Patient id, or a reference `Patient/<id>`.")
]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _assessment(store: Store, actor: Actor, assessment_id: str) -> dict[str, Any]:
    try:
        return store.get_assessment(actor, assessment_id)
    except NotFound:
        # The store's message may name the owning patient; say only what the caller asked for.
        raise NotFound(f"No assessment {assessment_id}") from None


def _patient_id(value: str) -> str:
    match = _PATIENT_REF.search(value)
    return match.group(1) if match else value


@router.get("/metadata", summary="CapabilityStatement: what this FHIR server does")
def metadata(request: Request) -> dict[str, Any]:
    def search(name: str, kind: str, doc: str) -> dict[str, str]:
        return {"name": name, "type": kind, "documentation": doc}

    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "publisher": "Scapula",
        "kind": "instance",
        "software": {"name": "Scapula", "version": __version__},
        "implementation": {
            "description": "Scapula decision support for upper back and shoulder-blade pain",
            "url": _base(request),
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Scapula supports decisions; it does not diagnose.",
                "security": {
                    "description": (
                        "Send 'Authorization: Bearer <token>' from POST /api/auth/login (clinicians) "
                        "or an invitation (patients). Only metadata is public."
                    )
                },
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": [{"code": "read"}],
                        "documentation": f"Only {QUESTIONNAIRE_URL}",
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": [{"code": "create"}, {"code": "read"}],
                        "documentation": (
                            "Create assesses the answers (subject Patient/<id> required) and stores "
                            "the assessment and a new care plan."
                        ),
                    },
                    {
                        "type": "Patient",
                        "interaction": [{"code": "read"}],
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                            }
                        ],
                    },
                    {"type": "RiskAssessment", "interaction": [{"code": "read"}]},
                    {
                        "type": "Observation",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [
                            search("patient", "reference", "Required."),
                            search("code", "token", f"Only {LOINC}|{PAIN_LOINC} (pain 0-10) is held."),
                        ],
                    },
                    {
                        "type": "CarePlan",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [search("patient", "reference", "Required; the active plan.")],
                    },
                ],
            }
        ],
    }
    return validate(statement)


@router.get(f"/Questionnaire/{QUESTIONNAIRE_ID}", summary="The intake Questionnaire (docs/intake.md)")
def questionnaire(actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    # Behind a session like every route but the discovery documents, and audited like every read.
    store.record_access(actor, "read", "questionnaire", QUESTIONNAIRE_ID)
    return intake_questionnaire(store.kb)


@router.post(
    "/QuestionnaireResponse",
    status_code=status.HTTP_201_CREATED,
    response_class=JSONResponse,
    summary="Assess a completed intake QuestionnaireResponse; returns the stored assessment",
)
def create_response(
    request: Request,
    resource: Annotated[dict[str, Any], Body(media_type=FHIR_JSON, description="A QuestionnaireResponse.")],
    actor: CurrentActor,
    store: StoreDep,
    audience: Annotated[Audience, Query()] = Audience.clinician,
) -> JSONResponse:
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    match = _PATIENT_REF.search(reference) if isinstance(reference, str) else None
    if match is None:
        raise IntakeError(
            "The QuestionnaireResponse names no patient",
            [
                Problem(
                    "subject.reference",
                    "must reference the patient",
                    received=repr(reference)[:60],
                    expected="Patient/<id>",
                )
            ],
        )
    intake = intake_from_response(resource)
    stored = store.add_assessment(actor, match.group(1), intake, audience)
    location = f"{_base(request)}/QuestionnaireResponse/{stored['id']}"
    return JSONResponse(stored, status_code=status.HTTP_201_CREATED, headers={"Location": location})


@router.get("/QuestionnaireResponse/{assessment_id}", summary="A stored assessment's intake as a response")
def read_response(assessment_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    resource = assessment_response(_assessment(store, actor, assessment_id), store.kb)
    if resource is None:
        raise NotFound(f"Assessment {assessment_id} has no intake in the current contract")
    return resource


@router.get("/RiskAssessment/{assessment_id}", summary="A stored assessment's triage")
def read_risk(assessment_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return risk_assessment(_assessment(store, actor, assessment_id), store.kb)


@router.get("/Patient/{patient_id}", summary="One patient")
def read_patient(patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    return patient_resource(store.get_patient(actor, patient_id))


@router.get("/Patient/{patient_id}/$everything", summary="Everything on a patient, as a Bundle")
def everything(request: Request, patient_id: str, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    patient = store.get_patient(actor, patient_id)
    assessments = store.list_assessments(actor, patient_id)
    try:
        plan = store.get_plan(actor, patient_id)
    except NotFound:
        plan = None
    entries = store.list_entries(actor, patient_id)
    return patient_bundle(patient, assessments, plan, entries, store.kb, base=_base(request))


@router.get("/Observation", summary="Search pain observations (LOINC 72514-3) of a patient")
def search_observations(
    request: Request,
    patient: _PatientParam,
    actor: CurrentActor,
    store: StoreDep,
    code: Annotated[
        str | None, Query(max_length=200, description="Token, e.g. http://loinc.org|72514-3")
    ] = None,
) -> dict[str, Any]:
    patient_id = _patient_id(patient)
    entries = store.list_entries(actor, patient_id)
    found = pain_observations(patient_id, entries)
    if code is not None and code not in (PAIN_LOINC, f"{LOINC}|{PAIN_LOINC}"):
        found = []
    return searchset(found, str(request.url), base=_base(request))


@router.get("/CarePlan", summary="Search the active care plan of a patient")
def search_careplans(
    request: Request, patient: _PatientParam, actor: CurrentActor, store: StoreDep
) -> dict[str, Any]:
    patient_id = _patient_id(patient)
    try:
        found = [care_plan(store.get_plan(actor, patient_id))]
    except NotFound:
        store.get_patient(
            actor, patient_id
        )  # an unknown patient is 404; a known one without a plan, no match
        found = []
    return searchset(found, str(request.url), base=_base(request))
