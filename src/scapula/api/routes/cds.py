"""CDS Hooks 1.0: when a clinician opens a patient's chart in the EHR, show Scapula's latest triage.

The EHR calls with a Scapula bearer token. The patient is found by Scapula id, or by the EHR's own
id recorded as the patient's `external_ref`; a patient the caller may not see, or that Scapula
does not know, gets no cards (never an error that would reveal whether the patient exists).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ...errors import NotFound
from ...store import Actor, Store
from ..deps import CurrentActor, StoreDep

__all__ = ["SERVICE_ID", "CdsContext", "CdsRequest", "router"]

SERVICE_ID = "scapula-patient-view"
SOURCE_LABEL = "Scapula decision support"
NOT_A_DIAGNOSIS = "Decision support, not a diagnosis."
SUMMARY_LIMIT = 140
INDICATOR = {
    "emergency": "critical",
    "urgent": "warning",
    "medical_review": "warning",
    "conservative": "info",
}
_CARD_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://scapula.example/cds-services/" + SERVICE_ID)

router = APIRouter(tags=["cds-hooks"])

SERVICE = {
    "hook": "patient-view",
    "id": SERVICE_ID,
    "title": "Scapula triage for upper back and shoulder-blade pain",
    "description": (
        "Shows the patient's latest Scapula triage level (emergency, urgent, medical review or "
        "conservative care) with its reasons and the care plan phase. Decision support, not a diagnosis."
    ),
    "prefetch": {"patient": "Patient/{{context.patientId}}"},
}


class CdsContext(BaseModel):
    """patient-view context. Other context keys an EHR adds are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    patientId: Annotated[str, Field(min_length=1, max_length=200, description="The EHR's patient id.")]
    userId: Annotated[str | None, Field(None, max_length=200)]
    encounterId: Annotated[str | None, Field(None, max_length=200)]


class CdsRequest(BaseModel):
    """A CDS Hooks 1.0 service request."""

    model_config = ConfigDict(extra="forbid")

    hook: Literal["patient-view"]
    hookInstance: Annotated[str, Field(min_length=1, max_length=200, description="UUID of this call.")]
    fhirServer: Annotated[str | None, Field(None, max_length=2000)]
    fhirAuthorization: dict[str, Any] | None = None
    context: CdsContext
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None


@router.get("/cds-services", summary="CDS Hooks discovery")
def discovery() -> dict[str, Any]:
    return {"services": [SERVICE]}


@router.post(f"/cds-services/{SERVICE_ID}", summary="patient-view: the latest Scapula triage as cards")
def patient_view(body: CdsRequest, request: Request, actor: CurrentActor, store: StoreDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    source = {"label": SOURCE_LABEL, "url": f"{base}/docs"}
    matches = _find_patients(store, actor, body.context.patientId)
    if not matches:
        return {"cards": []}
    if len(matches) > 1:
        # Never guess between two records: the wrong patient's triage is worse than none.
        return {"cards": [_ambiguous_card(body, len(matches), source)]}
    patient = matches[0]
    assessments = store.list_assessments(actor, patient["id"])
    if not assessments:
        return {"cards": []}
    latest = assessments[-1]
    try:
        plan: dict[str, Any] | None = store.get_plan(actor, patient["id"])
    except NotFound:
        plan = None
    cards = [_triage_card(body, latest, plan, store, source)]
    if plan is not None:
        cards.append(_plan_card(body, patient["id"], plan, base, source))
    return {"cards": cards}


def _find_patients(store: Store, actor: Actor, ehr_id: str) -> list[dict[str, Any]]:
    try:
        return [store.get_patient(actor, ehr_id)]
    except NotFound:
        pass
    if actor.kind != "user":
        return []
    return [p for p in store.list_patients(actor) if p.get("external_ref") == ehr_id]


def _card_id(body: CdsRequest, kind: str) -> str:
    return str(uuid.uuid5(_CARD_NS, f"{body.hookInstance}/{kind}"))


def _clip(text: str, limit: int = SUMMARY_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plan_phase(plan: dict[str, Any] | None) -> str:
    if plan is None:
        return "No care plan yet."
    body = plan.get("plan") or {}
    referral = body.get("referral")
    if body.get("kind") == "referral" and referral:
        return f"Referral plan: {referral.get('what_to_do_now', referral.get('title', ''))}"
    phases = body.get("phases") or []
    current = next((p for p in phases if p.get("number") == plan.get("phase")), None)
    if current is None:
        return "Care plan without exercise phases."
    return (
        f"Phase {current['number']} of {len(phases)}: {current['name']} (since {plan.get('phase_started')})."
    )


def _triage_card(
    body: CdsRequest,
    latest: dict[str, Any],
    plan: dict[str, Any] | None,
    store: Store,
    source: dict[str, str],
) -> dict[str, Any]:
    level = latest["triage_level"]
    title = store.kb.texts.levels[level].title
    result = latest.get("result") or {}
    triage = result.get("triage") or {}
    day = str(latest.get("created_at") or "")[:10]
    lines = [f"**Scapula triage: {title}** (assessed {day})", ""]
    if triage.get("summary"):
        lines += [triage["summary"], ""]
    reasons = triage.get("reasons") or []
    if reasons:
        lines.append("**Reasons**")
        lines += [
            f"- **{r.get('title', r['rule'])}**: {r.get('text', '')} _(rule {r['rule']})_" for r in reasons
        ]
        lines.append("")
    conditions = result.get("suspected_conditions") or []
    if conditions:
        names = [getattr(store.kb.conditions.get(c), "name", c) for c in conditions]
        lines += ["**Conditions to consider**: " + ", ".join(names), ""]
    imaging = triage.get("imaging") or []
    if imaging:
        lines += ["**Imaging**: " + "; ".join(i["title"] for i in imaging), ""]
    lines += [f"**Plan**: {_plan_phase(plan)}", ""]
    lines.append(f"_{result.get('disclaimer') or 'Scapula supports decisions; it does not diagnose.'}_")
    return {
        "uuid": _card_id(body, "triage"),
        "summary": _clip(f"Scapula triage: {title}. {NOT_A_DIAGNOSIS}"),
        "detail": "\n".join(lines),
        "indicator": INDICATOR.get(level, "info"),
        "source": source,
    }


def _plan_card(
    body: CdsRequest, patient_id: str, plan: dict[str, Any], base: str, source: dict[str, str]
) -> dict[str, Any]:
    return {
        "uuid": _card_id(body, "plan"),
        "summary": _clip(f"Scapula care plan. {_plan_phase(plan)}"),
        "indicator": "info",
        "source": source,
        "links": [
            {
                "label": "Open the care plan",
                "url": f"{base}/api/patients/{patient_id}/plan",
                "type": "absolute",
            },
            {
                "label": "Care plan (FHIR)",
                "url": f"{base}/fhir/CarePlan?patient={patient_id}",
                "type": "absolute",
            },
        ],
    }


def _ambiguous_card(body: CdsRequest, count: int, source: dict[str, str]) -> dict[str, Any]:
    return {
        "uuid": _card_id(body, "ambiguous"),
        "summary": _clip(f"{count} Scapula patients carry this EHR id; no triage shown until it is fixed."),
        "detail": (
            "More than one patient record in Scapula has this EHR patient id as its external reference, "
            "so Scapula cannot tell which one this is. Correct the records in Scapula. " + NOT_A_DIAGNOSIS
        ),
        "indicator": "warning",
        "source": source,
    }
