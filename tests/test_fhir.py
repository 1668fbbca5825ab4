"""The plan as a FHIR R4 Bundle: valid R4 (R4B models), complete, linked and reproducible."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from scapula.engine import assess
from scapula.fhir import plan_bundle, plan_bundle_json
from scapula.intake import parse_intake
from scapula.knowledge import load_knowledge
from scapula.plan import Plan, build_plan

from .test_handout import INTAKES

UUID_URL = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@cache
def made(name: str, audience: str = "clinician") -> tuple[Any, Any, Plan]:
    kb = load_knowledge()
    intake = parse_intake(INTAKES[name])
    assessment = assess(intake, kb, audience=audience)
    return intake, assessment, build_plan(intake, assessment, kb)


@cache
def bundle_of(name: str, audience: str = "clinician") -> dict[str, Any]:
    return plan_bundle(*made(name, audience), load_knowledge())


def of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = of_type(bundle, kind)
    assert len(found) == 1, f"expected exactly one {kind}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("name", list(INTAKES))
def test_the_bundle_is_a_valid_r4_collection(name: str) -> None:
    bundle = bundle_of(name)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    again = Bundle.model_validate(json.loads(json.dumps(bundle))).model_dump(mode="json")
    assert again == bundle
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert all(UUID_URL.match(u) for u in urls) and len(set(urls)) == len(urls)
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])


def test_the_bundle_is_r4_not_r5() -> None:
    from fhir.resources.careplan import CarePlan as CarePlanR5  # the package's default modules are R5

    care_plan = one(bundle_of("desk-worker"), "CarePlan")
    assert "detail" in care_plan["activity"][0]  # CarePlan.activity.detail exists in R4 only
    with pytest.raises(ValidationError):
        CarePlanR5.model_validate(care_plan)


@pytest.mark.parametrize("name", list(INTAKES))
def test_the_care_plan_names_every_chosen_exercise_and_links_its_resources(name: str) -> None:
    _, _, plan = made(name)
    bundle = bundle_of(name)
    care_plan = one(bundle, "CarePlan")
    risk = one(bundle, "RiskAssessment")
    urls = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    assert care_plan["intent"] == "plan"
    assert care_plan["status"] == ("draft" if plan.kind == "referral" else "active")
    assert care_plan["description"] == plan.summary
    assert care_plan["supportingInfo"] == [{"reference": urls["RiskAssessment"], "display": "Triage"}]
    assert risk["id"] in care_plan["supportingInfo"][0]["reference"]
    conditions = {f"urn:uuid:{c['id']}" for c in of_type(bundle, "Condition")}
    assert {a["reference"] for a in care_plan["addresses"]} == conditions

    details = [a["detail"] for a in care_plan.get("activity", [])]
    exercises = [d for d in details if d["code"].get("coding", [{}])[0].get("system", "").endswith("/exercise")]
    planned = [(e.id, e.name) for phase in plan.phases for e in phase.exercises]
    assert [(d["code"]["coding"][0]["code"], d["code"]["text"]) for d in exercises] == planned
    for detail, (phase, exercise) in zip(
        exercises, [(p, e) for p in plan.phases for e in p.exercises], strict=True
    ):
        assert detail["status"] == "not-started"
        assert detail["description"].startswith(exercise.dose.text.rstrip("."))
        assert all(cue in detail["description"] for cue in exercise.cues)
        assert detail["scheduledTiming"]["repeat"]["boundsDuration"]["value"] == phase.weeks[1] - phase.weeks[0] + 1
        assert f"weeks {phase.weeks[0]}-{phase.weeks[1]}" in detail["scheduledTiming"]["code"]["text"]
    referral = [d for d in details if d.get("kind") == "ServiceRequest"]
    assert len(referral) == (1 if plan.referral else 0)
    if plan.referral:
        assert referral[0]["description"].startswith(plan.referral.what_to_do_now)
    if plan.kind == "referral":
        assert exercises == [], "a referral plan starts nothing before the referral"


def test_self_care_and_things_to_avoid_are_activities() -> None:
    _, _, plan = made("desk-worker")
    details = [a["detail"] for a in one(bundle_of("desk-worker"), "CarePlan")["activity"]]
    names = {d["code"]["text"]: d for d in details}
    assert all(o.name in names for o in plan.self_care if o.suitable)
    for option in plan.avoid:
        assert names[option.name]["doNotPerform"] is True
    for option in plan.treatments + plan.medicines:
        if not option.suitable:
            assert names[option.name]["doNotPerform"] is True
            assert all(r in names[option.name]["statusReason"]["text"] for r in option.reasons)


@pytest.mark.parametrize("name", list(INTAKES))
def test_the_risk_assessment_carries_the_triage(name: str) -> None:
    kb = load_knowledge()
    _, assessment, _ = made(name)
    risk = one(bundle_of(name), "RiskAssessment")
    level = str(assessment.triage.level)
    prediction = risk["prediction"][0]
    assert prediction["outcome"]["coding"][0]["code"] == level
    assert prediction["outcome"]["text"] == kb.texts.levels[assessment.triage.level].title
    expected_risk = {"emergency": "high", "urgent": "high", "medical_review": "moderate", "conservative": "low"}
    assert prediction["qualitativeRisk"]["coding"][0]["code"] == expected_risk[level]
    basis = " ".join(b["display"] for b in risk["basis"])
    assert all(r.title in basis for r in assessment.triage.reasons)
    assert assessment.disclaimer in [n["text"] for n in risk["note"]]
    assert risk["subject"] == {"reference": "Patient/example"}


@pytest.mark.parametrize("name", list(INTAKES))
def test_a_condition_for_every_suspected_condition_and_the_pain_itself(name: str) -> None:
    kb = load_knowledge()
    _, assessment, _ = made(name)
    conditions = of_type(bundle_of(name), "Condition")
    suspected = [c for c in conditions if c["verificationStatus"]["coding"][0]["code"] == "differential"]
    assert sorted(c["code"]["coding"][0]["code"] for c in suspected) == sorted(map(str, assessment.suspected_conditions))
    assert all(c["code"]["text"] == kb.conditions[c["code"]["coding"][0]["code"]].name for c in suspected)
    problem = [c for c in conditions if c["verificationStatus"]["coding"][0]["code"] == "provisional"]
    assert len(problem) == 1 and len(conditions) == len(suspected) + 1
    assert problem[0]["code"]["text"] == "Thoracic/scapular pain"
    notes = " ".join(n["text"] for n in problem[0]["note"])
    if assessment.drivers:
        assert f"Leading driver: {assessment.drivers[0].name}" in notes
    else:
        assert "not ranked" in notes


def test_the_emergency_bundle_raises_the_suspected_conditions() -> None:
    _, assessment, _ = made("chest-pain")
    assert "acute_coronary_syndrome" in assessment.suspected_conditions
    codes = {c["code"]["coding"][0]["code"] for c in of_type(bundle_of("chest-pain"), "Condition")}
    assert "acute_coronary_syndrome" in codes


def test_the_same_input_gives_the_same_bundle() -> None:
    kb = load_knowledge()
    intake, assessment, plan = made("lifter")
    first = plan_bundle_json(intake, assessment, plan, kb)
    fresh = parse_intake(INTAKES["lifter"])
    again_assessment = assess(fresh, kb, audience="clinician")
    assert plan_bundle_json(fresh, again_assessment, build_plan(fresh, again_assessment, kb), kb) == first
    assert json.loads(first) == bundle_of("lifter")


def test_ids_follow_the_content() -> None:
    kb = load_knowledge()
    base = bundle_of("lifter")
    other_patient = plan_bundle(*made("lifter"), kb, patient_ref="Patient/42")
    other_plan = bundle_of("desk-worker")
    ids = {e["fullUrl"] for e in base["entry"]}
    assert ids.isdisjoint(e["fullUrl"] for e in other_patient["entry"])
    assert ids.isdisjoint(e["fullUrl"] for e in other_plan["entry"])
    assert all(r["subject"] == {"reference": "Patient/42"}
               for r in (e["resource"] for e in other_patient["entry"]))


def test_the_patient_audience_bundle_is_valid_too() -> None:
    bundle = bundle_of("desk-worker", "patient")
    Bundle.model_validate(bundle)
    _, _, plan = made("desk-worker", "patient")
    texts = [a["detail"]["code"]["text"] for a in one(bundle, "CarePlan")["activity"]]
    assert all(e.name in texts for p in plan.phases for e in p.exercises)
