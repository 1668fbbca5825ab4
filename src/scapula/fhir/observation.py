"""A patient's Scapula record as FHIR R4: pain Observations, RiskAssessments, the CarePlan, a Bundle.

Every resource is validated with fhir.resources R4B before it leaves this module. Ids are the
Scapula record ids, except Observations, whose ids are derived (uuid5) from the tracking entry so
the same check-in always has the same Observation id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from ..errors import IntakeError
from ..intake import parse_intake
from ..knowledge import Knowledge
from .questionnaire import (
    BASE,
    CODESYSTEM_BASE,
    LOINC,
    PAIN_LOINC,
    PAIN_LOINC_DISPLAY,
    response_from_intake,
)

__all__ = [
    "care_plan",
    "pain_observations",
    "patient_bundle",
    "patient_resource",
    "risk_assessment",
    "searchset",
    "validate",
]

_OBSERVATION_NS = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/Observation/pain")
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DISCLAIMER = "Scapula supports decisions; it does not diagnose."


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate a resource with its fhir.resources R4B model; return it unchanged."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def _instant(value: str | None) -> str | None:
    """An ISO timestamp with a time zone (stored ones may come back naive: they are UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _ref(kind: str, ident: str) -> dict[str, str]:
    return {"reference": f"{kind}/{ident}"}


# --------------------------------------------------------------------------- Patient


def patient_resource(patient: Mapping[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient["id"],
        "name": [{"text": patient["display_name"]}],
    }
    if patient.get("external_ref"):
        resource["identifier"] = [
            {
                "use": "usual",
                "type": {"text": "Identifier in the clinic's EHR"},
                "value": patient["external_ref"],
            }
        ]
    return validate(resource)


# --------------------------------------------------------------------------- Observations


def pain_observations(patient_id: str, entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One Observation (LOINC 72514-3, 0-10 rating) per tracking entry that records pain now.

    A check-in that corrects an earlier one is `amended`; the one it replaced is not in `entries`
    (the store lists current versions).
    """
    out = []
    for entry in entries:
        if entry.get("pain_now") is None:
            continue
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": str(uuid.uuid5(_OBSERVATION_NS, entry["id"])),
            "status": "amended" if entry.get("supersedes") else "final",
            "category": [{"coding": [{"system": _CATEGORY, "code": "survey", "display": "Survey"}]}],
            "code": {
                "coding": [{"system": LOINC, "code": PAIN_LOINC, "display": PAIN_LOINC_DISPLAY}],
                "text": "Pain now (0-10)",
            },
            "subject": _ref("Patient", patient_id),
            "effectiveDateTime": entry["entry_date"],
            "valueInteger": int(entry["pain_now"]),
        }
        issued = _instant(entry.get("recorded_at"))
        if issued:
            resource["issued"] = issued
        out.append(validate(resource))
    return out


# --------------------------------------------------------------------------- RiskAssessment


def risk_assessment(assessment: Mapping[str, Any], kb: Knowledge, basis: bool = True) -> dict[str, Any]:
    """The triage of one stored assessment: level first, then the conditions it considered."""
    result = assessment.get("result") or {}
    triage = result.get("triage") or {}
    level = assessment["triage_level"]
    title = kb.texts.levels[level].title
    predictions: list[dict[str, Any]] = [
        {
            "outcome": {
                "coding": [{"system": CODESYSTEM_BASE + "triage-level", "code": level, "display": title}],
                "text": title,
            },
            "rationale": "Triage level: the care this presentation needs, and how soon.",
        }
    ]
    for condition in result.get("suspected_conditions", []):
        info = kb.conditions.get(condition)
        name = info.name if info else condition
        predictions.append(
            {
                "outcome": {
                    "coding": [{"system": CODESYSTEM_BASE + "condition", "code": condition, "display": name}],
                    "text": name,
                },
                "rationale": "Considered by the red-flag rules; to be confirmed or excluded by a clinician.",
            }
        )
    notes = [
        {"text": f"{r.get('title', r['rule'])}: {r.get('text', '')} (rule {r['rule']})"}
        for r in triage.get("reasons", [])
    ]
    notes += [{"text": f"Imaging: {i['title']}: {i['text']}"} for i in triage.get("imaging", [])]
    notes.append({"text": result.get("disclaimer") or DISCLAIMER})
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": assessment["id"],
        "status": "final",
        "subject": _ref("Patient", assessment["patient_id"]),
        "occurrenceDateTime": _instant(assessment["created_at"]),
        "code": {
            "coding": [
                {"system": CODESYSTEM_BASE + "assessment", "code": "triage", "display": "Scapula triage"}
            ],
            "text": "Triage of upper back and shoulder-blade pain (decision support, not a diagnosis)",
        },
        "method": {
            "coding": [
                {
                    "system": CODESYSTEM_BASE + "method",
                    "code": "scapula-rules",
                    "display": "Scapula rules",
                }
            ],
            "text": (
                f"Scapula engine {assessment.get('engine_version')}, "
                f"knowledge {assessment.get('knowledge_version')}"
            ),
        },
        "prediction": predictions,
        "note": notes,
    }
    if basis:
        resource["basis"] = [_ref("QuestionnaireResponse", assessment["id"])]
    if triage.get("summary"):
        resource["mitigation"] = triage["summary"]
    return validate(resource)


def assessment_response(assessment: Mapping[str, Any], kb: Knowledge) -> dict[str, Any] | None:
    """The stored intake as a QuestionnaireResponse (None if it no longer fits the contract)."""
    try:
        intake = parse_intake(assessment["intake"])
    except IntakeError:
        return None
    resource = response_from_intake(intake, kb, assessment["patient_id"])
    resource["id"] = assessment["id"]
    authored = _instant(assessment.get("created_at"))
    if authored:
        resource["authored"] = authored
    return validate(resource)


# --------------------------------------------------------------------------- CarePlan


def care_plan(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The stored plan (`Store.get_plan`) as a CarePlan: referral, current-phase exercises, self-care."""
    body = plan.get("plan") or {}
    current = int(plan.get("phase") or 1)
    patient = _ref("Patient", plan["patient_id"])
    activities: list[dict[str, Any]] = []
    referral = body.get("referral")
    if referral:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [
                            {
                                "system": CODESYSTEM_BASE + "triage-level",
                                "code": referral["level"],
                                "display": referral["title"],
                            }
                        ],
                        "text": referral["title"],
                    },
                    "status": "not-started",
                    "description": referral["what_to_do_now"],
                }
            }
        )
    phase_name = None
    for phase in body.get("phases", []):
        number = phase["number"]
        if number == current:
            phase_name = phase["name"]
        status = "in-progress" if number == current else "completed" if number < current else "not-started"
        first, last = phase["weeks"]
        for exercise in phase.get("exercises", []):
            activities.append(
                {
                    "detail": {
                        "code": {
                            "coding": [
                                {
                                    "system": CODESYSTEM_BASE + "exercise",
                                    "code": exercise["id"],
                                    "display": exercise["name"],
                                }
                            ],
                            "text": exercise["name"],
                        },
                        "status": status,
                        "scheduledString": f"Phase {number} ({phase['name']}), weeks {first}-{last}",
                        "description": exercise["dose"]["text"],
                    }
                }
            )
    for option in body.get("self_care", []):
        if option.get("suitable", True):
            activities.append(
                {
                    "detail": {
                        "code": {"text": option["name"]},
                        "status": "in-progress",
                        "description": option["text"],
                    }
                }
            )
    notes = []
    if phase_name:
        notes.append({"text": f"Current phase: {current} ({phase_name}), since {plan.get('phase_started')}."})
    notes += [{"text": text} for text in body.get("escalate", [])]
    notes.append({"text": body.get("disclaimer") or DISCLAIMER})
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": plan["id"],
        "status": "active" if plan.get("active", True) else "revoked",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {"system": CODESYSTEM_BASE + "plan-kind", "code": body.get("kind", "rehabilitation")}
                ],
                "text": "Referral plan" if body.get("kind") == "referral" else "Rehabilitation plan",
            }
        ],
        "title": "Scapula care plan",
        "description": body.get("summary") or "Scapula care plan",
        "subject": patient,
        "period": {"start": plan["started_on"]} if plan.get("started_on") else None,
        "supportingInfo": [_ref("RiskAssessment", plan["assessment_id"])]
        if plan.get("assessment_id")
        else None,
        "activity": activities or None,
        "note": notes,
    }
    return validate({k: v for k, v in resource.items() if v is not None})


# --------------------------------------------------------------------------- Bundles


def _entry(resource: Mapping[str, Any], base: str, search: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
    }
    if search:
        entry["search"] = {"mode": "match"}
    return entry


def _bundle(kind: str, entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": datetime.now(UTC).isoformat()},
        "type": kind,
        "timestamp": datetime.now(UTC).isoformat(),
        **extra,
        "entry": entries,
    }
    if not entries:
        del bundle["entry"]
    return validate(bundle)


def patient_bundle(
    patient: Mapping[str, Any],
    assessments: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any] | None,
    entries: Iterable[Mapping[str, Any]],
    kb: Knowledge,
    base: str = BASE,
) -> dict[str, Any]:
    """Everything Scapula holds on a patient as a `collection` Bundle: the Patient, each assessment
    as its QuestionnaireResponse and RiskAssessment, the active CarePlan and the pain Observations.

    `base` is the FHIR base URL the `fullUrl`s are built on.
    """
    resources: list[dict[str, Any]] = [patient_resource(patient)]
    for assessment in assessments:
        response = assessment_response(assessment, kb)
        if response is not None:
            resources.append(response)
        resources.append(risk_assessment(assessment, kb, basis=response is not None))
    if plan is not None:
        resources.append(care_plan(plan))
    resources += pain_observations(patient["id"], entries)
    return _bundle("collection", [_entry(r, base.rstrip("/")) for r in resources])


def searchset(resources: Sequence[Mapping[str, Any]], self_url: str, base: str = BASE) -> dict[str, Any]:
    """A `searchset` Bundle of matches, with its total and self link."""
    return _bundle(
        "searchset",
        [_entry(r, base.rstrip("/"), search=True) for r in resources],
        total=len(resources),
        link=[{"relation": "self", "url": self_url}],
    )
