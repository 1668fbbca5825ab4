"""A freshly built care plan as a FHIR R4 Bundle (collection): CarePlan, Conditions, RiskAssessment.

Every resource is built as JSON, checked with the R4B models of fhir.resources (R4B shares the R4
resource definitions used here; the package's default modules are R5) and returned as plain JSON.
Nothing depends on the clock or on chance: resource ids and ``urn:uuid`` full URLs are uuid5 values
derived from the content (intake, assessment, plan, patient reference), so the same input always
gives the same Bundle, byte for byte.

- ``RiskAssessment``: the triage level (``prediction.outcome`` and ``qualitativeRisk``), the fired
  rules as ``basis`` (display-only references carrying the rule titles), what to do as
  ``mitigation``, and the disclaimer as a ``note``.
- ``Condition``: one per suspected condition (verification ``differential``: to be confirmed or
  excluded by a clinician), and one for the musculoskeletal problem, thoracic/scapular pain
  (``provisional``), with the leading driver and the other ranked drivers in its notes.
- ``CarePlan``: ``draft`` for a referral plan (emergency, urgent: nothing starts before the
  referral), ``active`` otherwise; ``addresses`` the Conditions, ``supportingInfo`` the
  RiskAssessment; one activity for the referral, one per exercise per phase, one per self-care and
  ergonomic measure, and ``doNotPerform`` activities for what to avoid and for treatments and
  medicines that are not suitable (with the reasons).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.riskassessment import RiskAssessment

from ..assessment import Assessment, Audience
from ..intake import Intake
from ..knowledge import Knowledge
from ..plan.model import Dose, Option, Phase, Plan, PlannedExercise
from ..vocabulary import Level
from .questionnaire import CODESYSTEM_BASE

__all__ = ["NAMESPACE", "plan_bundle", "plan_bundle_json"]

NAMESPACE = uuid.UUID("5d3c1f0e-8a7b-5c2d-9e4f-3a1b2c0d9e8f")
"""uuid5 namespace of the ids Scapula gives to the resources of a plan bundle."""

_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_RISK = "http://terminology.hl7.org/CodeSystem/risk-probability"
_ICD10 = "http://hl7.org/fhir/sid/icd-10"
_UCUM = "http://unitsofmeasure.org"

_QUALITATIVE: dict[Level, tuple[str, str]] = {
    Level.emergency: ("high", "High likelihood"),
    Level.urgent: ("high", "High likelihood"),
    Level.medical_review: ("moderate", "Moderate likelihood"),
    Level.conservative: ("low", "Low likelihood"),
}
"""How likely a serious cause is, by triage level (HL7 risk-probability codes)."""


def plan_bundle(intake: Intake, assessment: Assessment, plan: Plan, kb: Knowledge, *,
                patient_ref: str = "Patient/example") -> dict[str, Any]:
    """The plan, its triage and the conditions it addresses as a validated FHIR R4 Bundle (JSON)."""
    ids = _Ids(intake, assessment, plan, patient_ref)
    subject = {"reference": patient_ref}
    clinician = Audience(assessment.audience) is Audience.clinician

    conditions = [_suspected(c, assessment, kb, subject, ids) for c in assessment.suspected_conditions]
    conditions.append(_musculoskeletal(intake, assessment, kb, subject, ids, clinician))
    risk = _risk_assessment(assessment, plan, kb, subject, ids, conditions[-1]["id"])
    care_plan = _care_plan(plan, kb, subject, ids, conditions, risk["id"])

    resources = [care_plan, risk, *conditions]
    bundle = Bundle.model_validate({
        "resourceType": "Bundle",
        "id": ids.new("Bundle", "bundle"),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    })
    return bundle.model_dump(mode="json")


def plan_bundle_json(intake: Intake, assessment: Assessment, plan: Plan, kb: Knowledge, *,
                     patient_ref: str = "Patient/example", indent: int | None = 2) -> str:
    """:func:`plan_bundle` as JSON text (keys in FHIR order, UTF-8 kept as is)."""
    return json.dumps(plan_bundle(intake, assessment, plan, kb, patient_ref=patient_ref),
                      indent=indent, ensure_ascii=False)


# ------------------------------------------------------------------------------------------
# Ids
# ------------------------------------------------------------------------------------------


class _Ids:
    """uuid5 ids from a digest of everything the bundle is made from, plus a local key."""

    def __init__(self, intake: Intake, assessment: Assessment, plan: Plan, patient_ref: str) -> None:
        digest = hashlib.sha256()
        for part in (intake.model_dump_json(), assessment.to_json(), plan.to_json(), patient_ref):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        self.seed = digest.hexdigest()
        self.used: set[str] = set()

    def new(self, resource_type: str, key: str) -> str:
        value = str(uuid.uuid5(NAMESPACE, f"{self.seed}/{resource_type}/{key}"))
        if value in self.used:  # pragma: no cover - keys are unique by construction
            raise ValueError(f"duplicate resource key {resource_type}/{key}")
        self.used.add(value)
        return value


def _ref(resource: dict[str, Any], display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"urn:uuid:{resource['id']}"}
    if display:
        out["display"] = display
    return out


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


# ------------------------------------------------------------------------------------------
# Conditions
# ------------------------------------------------------------------------------------------


def _suspected(condition: str, assessment: Assessment, kb: Knowledge, subject: dict[str, Any],
               ids: _Ids) -> dict[str, Any]:
    info = kb.conditions[condition]
    specs = {rule.id: rule.spec for rule in kb.triage_rules}
    raised_by = [r for r in assessment.triage.reasons
                 if condition in getattr(specs.get(r.rule), "suspects", ())]
    notes = [{"text": f"Raised by {r.title} (rule {r.rule}): {r.text}"} for r in raised_by]
    notes.append({"text": "Suspected by decision support: to be confirmed or excluded by a clinician."})
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ids.new("Condition", f"suspected/{condition}"),
        "clinicalStatus": {"coding": [_coding(_CLINICAL, "active", "Active")]},
        "verificationStatus": {"coding": [_coding(_VER_STATUS, "differential", "Differential")],
                               "text": "Suspected (differential diagnosis)"},
        "category": [{"coding": [_coding(_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")]}],
        "code": {"coding": [_coding(CODESYSTEM_BASE + "condition", str(condition), info.name)],
                 "text": info.name},
        "subject": subject,
        "note": notes,
    }
    facts = list(dict.fromkeys(f for r in raised_by for f in r.facts))
    if facts:
        resource["evidence"] = [{"code": [{"text": _fact(f, kb)} for f in facts]}]
    return Condition.model_validate(resource).model_dump(mode="json")


def _musculoskeletal(intake: Intake, assessment: Assessment, kb: Knowledge, subject: dict[str, Any],
                     ids: _Ids, clinician: bool) -> dict[str, Any]:
    if assessment.drivers:
        lead = assessment.drivers[0]
        notes = [{"text": f"Leading driver: {lead.name} (evidence score {lead.score:g}). "
                          f"For: {'; '.join(_fact(f, kb) for f in lead.evidence) or 'none recorded'}."
                          + (f" Against: {'; '.join(_fact(f, kb) for f in lead.against)}." if lead.against else "")}]
        others = [f"{d.name} ({d.score:g})" for d in assessment.drivers[1:4] if d.score > 0]
        if others:
            notes.append({"text": "Other drivers considered: " + ", ".join(others) + "."})
    else:
        notes = [{"text": "Drivers not ranked: the triage calls for emergency care first."}]
    notes.append({"text": "Working problem for the care plan, not a diagnosis."})
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": ids.new("Condition", "musculoskeletal"),
        "clinicalStatus": {"coding": [_coding(_CLINICAL, "active", "Active")]},
        "verificationStatus": {"coding": [_coding(_VER_STATUS, "provisional", "Provisional")]},
        "category": [{"coding": [_coding(_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")]}],
        "code": {"coding": [_coding(_ICD10, "M54.6", "Pain in thoracic spine")],
                 "text": "Thoracic/scapular pain"},
        "subject": subject,
        "note": notes,
    }
    if intake.locations:
        labels = kb.labels.values.get("locations", {})
        resource["bodySite"] = [
            {"text": labels[v.value].clinician if v.value in labels else v.value.replace("_", " ")}
            for v in intake.locations
        ]
    if intake.duration_weeks is not None:
        resource["onsetString"] = f"{intake.duration_weeks:g} weeks before the assessment"
    return Condition.model_validate(resource).model_dump(mode="json")


def _fact(fact: str, kb: Knowledge) -> str:
    """A rule fact in clinical words, or as it is when the labels do not know it."""
    try:
        return kb.labels.fact(fact, True)
    except (KeyError, ValueError):
        return fact


# ------------------------------------------------------------------------------------------
# RiskAssessment
# ------------------------------------------------------------------------------------------


def _risk_assessment(assessment: Assessment, plan: Plan, kb: Knowledge, subject: dict[str, Any],
                     ids: _Ids, condition_id: str) -> dict[str, Any]:
    level = Level(assessment.triage.level)
    title = kb.texts.levels[level].title
    risk_code, risk_display = _QUALITATIVE[level]
    reasons = assessment.triage.reasons
    basis = [{"display": f"{r.title} (rule {r.rule}, {r.kind.replace('_', ' ')})"} for r in reasons]
    notes = [{"text": f"{r.title}: {r.text} (rule {r.rule})"} for r in reasons]
    notes += [{"text": f"Imaging: {i.title}: {i.text}"} for i in assessment.triage.imaging]
    notes.append({"text": assessment.disclaimer})
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": ids.new("RiskAssessment", "triage"),
        "status": "final",
        "subject": subject,
        "code": {
            "coding": [_coding(CODESYSTEM_BASE + "assessment", "triage", "Scapula triage")],
            "text": "Triage of upper back and shoulder-blade pain (decision support, not a diagnosis)",
        },
        "condition": {"reference": f"urn:uuid:{condition_id}", "display": "Thoracic/scapular pain"},
        "method": {
            "coding": [_coding(CODESYSTEM_BASE + "method", "scapula-rules", "Scapula rules")],
            "text": f"Scapula engine {assessment.engine_version}, knowledge {assessment.knowledge_version}",
        },
        "basis": basis or [{"display": "No red-flag or caution rule fired"}],
        "prediction": [{
            "outcome": {"coding": [_coding(CODESYSTEM_BASE + "triage-level", str(level), title)], "text": title},
            "qualitativeRisk": {"coding": [_coding(_RISK, risk_code, risk_display)],
                                "text": f"Triage level: {level}"},
            "rationale": assessment.triage.summary,
        }],
        "mitigation": plan.referral.what_to_do_now if plan.referral else assessment.triage.summary,
        "note": notes,
    }
    return RiskAssessment.model_validate(resource).model_dump(mode="json")


# ------------------------------------------------------------------------------------------
# CarePlan
# ------------------------------------------------------------------------------------------


def _care_plan(plan: Plan, kb: Knowledge, subject: dict[str, Any], ids: _Ids,
               conditions: list[dict[str, Any]], risk_id: str) -> dict[str, Any]:
    clinician = Audience(plan.audience) is Audience.clinician
    stage = "Phase" if clinician else "Stage"
    activities: list[dict[str, Any]] = []
    suspected = [c for c in conditions if c["verificationStatus"]["coding"][0]["code"] == "differential"]
    if plan.referral:
        referral = plan.referral
        detail: dict[str, Any] = {
            "kind": "ServiceRequest",
            "code": {"coding": [_coding(CODESYSTEM_BASE + "triage-level", str(referral.level), referral.title)],
                     "text": referral.title},
            "status": "not-started",
            "description": " ".join([referral.what_to_do_now, *referral.reasons]),
        }
        if suspected:
            detail["reasonReference"] = [_ref(c, c["code"]["text"]) for c in suspected]
        activities.append({"detail": detail})
    for phase in plan.phases:
        activities += [{"detail": _exercise(e, phase, stage)} for e in phase.exercises]
    for system, options in (("self-care", plan.self_care), ("ergonomics", plan.ergonomics)):
        activities += [{"detail": _option(o, system)} for o in options if o.suitable]
    for system, options in (("avoid", plan.avoid), ("treatment", plan.treatments), ("medicine", plan.medicines)):
        for option in options:
            if system == "avoid" or not option.suitable:
                activities.append({"detail": _option(option, system, do_not_perform=True)})

    notes = [{"text": f"When to seek care now: {o.name}: {o.text}"} for o in plan.safety_net]
    notes += [{"text": f"Escalate: {line}"} for line in plan.escalate]
    notes.append({"text": plan.disclaimer})
    referral_plan = plan.kind == "referral"
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": ids.new("CarePlan", "plan"),
        "status": "draft" if referral_plan else "active",
        "intent": "plan",
        "category": [{
            "coding": [_coding(CODESYSTEM_BASE + "plan-kind", plan.kind)],
            "text": "Referral plan" if referral_plan else "Rehabilitation plan",
        }],
        "title": "Care plan: thoracic and scapular pain",
        "description": plan.summary,
        "subject": subject,
        "addresses": [_ref(c, c["code"]["text"]) for c in conditions],
        "supportingInfo": [{"reference": f"urn:uuid:{risk_id}", "display": "Triage"}],
        "activity": activities or None,
        "note": notes,
    }
    resource = {k: v for k, v in resource.items() if v is not None}
    return CarePlan.model_validate(resource).model_dump(mode="json")


def _exercise(exercise: PlannedExercise, phase: Phase, stage: str) -> dict[str, Any]:
    first, last = phase.weeks
    when = f"{stage} {phase.number} ({phase.name}), weeks {first}-{last}"
    description = exercise.dose.text.rstrip(".") + ". " + " ".join(exercise.cues)
    return {
        "code": {"coding": [_coding(CODESYSTEM_BASE + "exercise", exercise.id, exercise.name)],
                 "text": exercise.name},
        "reasonCode": [{"text": exercise.why}],
        "status": "not-started",
        "scheduledTiming": _timing(exercise.dose, when, last - first + 1),
        "description": description,
    }


def _timing(dose: Dose, when: str, weeks: int) -> dict[str, Any]:
    repeat: dict[str, Any] = {"boundsDuration": {"value": weeks, "unit": "wk", "system": _UCUM, "code": "wk"}}
    if dose.days_per_week >= 7:
        repeat.update(frequency=dose.per_day, period=1, periodUnit="d")
    else:
        repeat.update(frequency=dose.per_day * dose.days_per_week, period=1, periodUnit="wk")
    if dose.minutes:
        repeat.update(duration=dose.minutes, durationUnit="min")
    return {"repeat": repeat, "code": {"text": f"{when}: {dose.text}"}}


def _option(option: Option, system: str, *, do_not_perform: bool = False) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": {"coding": [_coding(CODESYSTEM_BASE + system, option.id, option.name)], "text": option.name},
        "status": "not-started",
        "description": option.text,
    }
    if do_not_perform:
        detail["doNotPerform"] = True
        if option.reasons:
            detail["statusReason"] = {"text": "Not suitable: " + "; ".join(option.reasons)}
    return detail
