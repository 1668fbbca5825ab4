"""The FHIR and CDS Hooks faces: Questionnaire, responses in, the record out, cards in the EHR."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from scapula import __version__
from scapula.api import create_app
from scapula.fhir.questionnaire import QUESTIONNAIRE_URL, intake_from_response, response_from_intake
from scapula.intake import parse_intake
from scapula.intake.fields import FieldKind, field_registry

from .conftest import CROWDED

PASSWORD = "correct horse battery"
FHIR_JSON = "application/fhir+json"
EMERGENCY = {
    "age": 61,
    "sex": "male",
    "pain_now": 8,
    "locations": ["interscapular"],
    "associated": ["saddle_anesthesia", "leg_weakness"],
}


class Clinic:
    """A running app with one clinic, a logged-in clinician and one patient."""

    def __init__(self, tmp_path: Any) -> None:
        self.app = create_app(database_url=f"sqlite:///{tmp_path}/t.db")
        self.client = TestClient(self.app)
        self.headers = self.login("a@clinic-a.org", "Clinic A")
        patient = self.client.post(
            "/api/patients",
            json={"display_name": "Ann Example", "external_ref": "EHR-42"},
            headers=self.headers,
        )
        assert patient.status_code == 201
        self.patient = patient.json()

    def login(self, email: str, clinic: str) -> dict[str, str]:
        store = self.app.state.store
        store.create_user(store.create_clinic(clinic), email, "Dr " + clinic, PASSWORD)
        response = self.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def post_response(self, resource: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            "/fhir/QuestionnaireResponse",
            json=resource,
            headers={**(headers or self.headers), "Content-Type": FHIR_JSON},
        )

    def assess(self, intake: dict[str, Any]) -> dict[str, Any]:
        resource = response_from_intake(parse_intake(intake), self.app.state.store.kb, self.patient["id"])
        response = self.post_response(resource)
        assert response.status_code == 201, response.text
        return response.json()

    def patient_view(self, patient_id: str, headers: dict[str, str] | None = None) -> Any:
        body = {
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "fhirServer": "https://ehr.example/fhir",
            "context": {"userId": "Practitioner/7", "patientId": patient_id},
        }
        return self.client.post(
            "/cds-services/scapula-patient-view", json=body, headers=headers or self.headers
        )


@pytest.fixture
def clinic(tmp_path: Any) -> Clinic:
    return Clinic(tmp_path)


def _leaf_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        if item["type"] == "group":
            out += _leaf_items(item["item"])
        else:
            out.append(item)
    return out


def _answer(questionnaire: dict[str, Any], data: dict[str, Any], patient_id: str) -> dict[str, Any]:
    """A response filled in the way a form filler would: codings copied from the answerOptions."""

    def fill(items: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            key = item["linkId"].split(".")[-1]
            if key not in values:
                continue
            if item["type"] == "group":
                out.append({"linkId": item["linkId"], "item": fill(item["item"], values[key])})
                continue
            given = values[key] if isinstance(values[key], list) else [values[key]]
            if item["type"] == "choice":
                options = {o["valueCoding"]["code"]: o for o in item["answerOption"]}
                answers = [copy.deepcopy(options[v]) for v in given]
            else:
                kind = {"integer": "valueInteger", "decimal": "valueDecimal", "boolean": "valueBoolean"}
                answers = [{kind[item["type"]]: v} for v in given]
            out.append(
                {"linkId": item["linkId"], "text": item["text"], **({"answer": answers} if answers else {})}
            )
        return out

    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": "2025-03-01T09:30:00+00:00",
        "item": fill(questionnaire["item"], data),
    }


# --------------------------------------------------------------------------- Questionnaire


def test_questionnaire_is_valid_fhir_and_covers_every_intake_field(clinic: Clinic) -> None:
    assert clinic.client.get("/fhir/Questionnaire/scapula-intake").status_code == 401
    response = clinic.client.get("/fhir/Questionnaire/scapula-intake", headers=clinic.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    questionnaire = response.json()
    Questionnaire.model_validate(questionnaire)
    assert questionnaire["id"] == "scapula-intake"
    assert questionnaire["url"] == QUESTIONNAIRE_URL
    assert questionnaire["version"] == __version__
    assert questionnaire["status"] == "active"

    labels = clinic.app.state.store.kb.labels
    items = {item["linkId"]: item for item in _leaf_items(questionnaire["item"])}
    registry = field_registry()
    assert set(items) == set(registry)
    for path, spec in registry.items():
        item = items[path]
        assert item["text"] == labels.fields[path].patient
        if spec.kind in (FieldKind.LIST, FieldKind.ENUM):
            assert item["type"] == "choice"
            assert item["repeats"] is (spec.kind is FieldKind.LIST)
            codings = [option["valueCoding"] for option in item["answerOption"]]
            assert [c["code"] for c in codings] == list(spec.values)
            assert {c["system"] for c in codings} == {f"https://scapula.example/fhir/CodeSystem/{path}"}
            assert [c["display"] for c in codings] == [labels.values[path][v].patient for v in spec.values]
        elif spec.kind is FieldKind.BOOL:
            assert item["type"] == "boolean"
        else:
            assert item["type"] in ("integer", "decimal")
    assert items["age"]["type"] == "integer" and items["age"]["required"] is True
    assert items["pain_now"]["type"] == "integer"
    assert items["vitals.spo2"]["type"] == "decimal"
    vitals = next(item for item in questionnaire["item"] if item["linkId"] == "vitals")
    assert vitals["type"] == "group"
    assert {i["linkId"] for i in vitals["item"]} == {p for p in registry if p.startswith("vitals.")}


def test_capability_statement_is_public_and_valid(clinic: Clinic) -> None:
    response = clinic.client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Questionnaire", "QuestionnaireResponse", "Patient", "Observation", "CarePlan"} <= types


# --------------------------------------------------------------------------- responses in


def test_a_filled_in_questionnaire_round_trips_to_the_stored_intake(clinic: Clinic) -> None:
    data = {
        **copy.deepcopy(CROWDED),
        "history": [],  # asked, none
        "vitals": {"heart_rate": 72, "spo2": 98, "temperature_c": 36.8},
        "trauma": "none",
    }
    data.pop("patterns")  # not asked
    original = parse_intake(data)
    questionnaire = clinic.client.get("/fhir/Questionnaire/scapula-intake", headers=clinic.headers).json()
    resource = _answer(questionnaire, data, clinic.patient["id"])
    QuestionnaireResponse.model_validate(resource)
    history_item = next(i for i in resource["item"] if i["linkId"] == "history")
    assert "answer" not in history_item

    response = clinic.post_response(resource)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert response.headers["location"].endswith(f"/fhir/QuestionnaireResponse/{stored['id']}")
    assert stored["patient_id"] == clinic.patient["id"]
    assert stored["triage_level"] == "conservative"

    again = clinic.client.get(f"/api/assessments/{stored['id']}", headers=clinic.headers).json()
    assert parse_intake(again["intake"]) == original
    assert again["intake"]["history"] == []
    assert "patterns" not in again["intake"]

    # The Location answers with the stored intake as a response, which reads back the same.
    read = clinic.client.get(response.headers["location"], headers=clinic.headers)
    assert read.status_code == 200 and read.headers["content-type"].startswith(FHIR_JSON)
    echoed = read.json()
    QuestionnaireResponse.model_validate(echoed)
    assert intake_from_response(echoed) == original
    assert clinic.post_response(echoed).json()["intake"] == again["intake"]


def _problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    return {p["where"]: f"{p['problem']} | {p.get('expected')}" for p in error["problems"]}


def test_bad_answers_are_422_naming_each_link_id(clinic: Clinic) -> None:
    resource = response_from_intake(parse_intake(CROWDED), clinic.app.state.store.kb, clinic.patient["id"])
    items = {item["linkId"]: item for item in resource["item"]}
    items["aggravators"]["answer"][0]["valueCoding"]["code"] = "sittin"
    items["pain_now"]["answer"] = [{"valueString": "five"}]
    items["sex"]["answer"][0]["valueCoding"]["system"] = "http://hl7.org/fhir/administrative-gender"
    items["improving"]["answer"] = [{"valueBoolean": True}, {"valueBoolean": False}]
    resource["item"].append({"linkId": "painful_spot", "answer": [{"valueString": "here"}]})
    resource["item"].append({"linkId": "vitals.spo2", "answer": [{"valueDecimal": 97}]})

    problems = _problems(clinic.post_response(resource))
    assert set(problems) == {"aggravators", "pain_now", "sex", "improving", "painful_spot", "vitals.spo2"}
    assert "code not allowed" in problems["aggravators"] and "laptop_work" in problems["aggravators"]
    assert "wrong type" in problems["pain_now"] and "valueInteger" in problems["pain_now"]
    assert "CodeSystem/sex" in problems["sex"]
    assert "one answer" in problems["improving"]
    assert "unknown linkId" in problems["painful_spot"]
    assert "vitals" in problems["vitals.spo2"]
    listed = clinic.client.get(f"/api/patients/{clinic.patient['id']}/assessments", headers=clinic.headers)
    assert listed.json() == []


def test_structure_canonical_subject_and_contract_errors(clinic: Clinic) -> None:
    kb = clinic.app.state.store.kb
    good = response_from_intake(parse_intake(CROWDED), kb, clinic.patient["id"])

    lax = copy.deepcopy(good)  # fhir.resources would coerce "5"; a JSON string is not an integer
    next(i for i in lax["item"] if i["linkId"] == "pain_now")["answer"] = [{"valueInteger": "5"}]
    assert "pain_now" in _problems(clinic.post_response(lax))

    broken = copy.deepcopy(good)  # not even FHIR: the structure check still names the item
    next(i for i in broken["item"] if i["linkId"] == "age")["answer"] = [{"valueInteger": "old"}]
    assert "age" in _problems(clinic.post_response(broken))

    other = {**copy.deepcopy(good), "questionnaire": "http://example.org/Questionnaire/phq-9"}
    assert "questionnaire" in _problems(clinic.post_response(other))

    draft = {**copy.deepcopy(good), "status": "in-progress"}
    assert "status" in _problems(clinic.post_response(draft))

    anonymous = copy.deepcopy(good)
    del anonymous["subject"]
    assert "subject.reference" in _problems(clinic.post_response(anonymous))

    out_of_range = copy.deepcopy(good)  # well-formed, but the intake contract says 0-10
    next(i for i in out_of_range["item"] if i["linkId"] == "pain_now")["answer"] = [{"valueInteger": 11}]
    assert "pain_now" in _problems(clinic.post_response(out_of_range))

    wrong_type = {**copy.deepcopy(good), "resourceType": "Observation"}
    assert "resourceType" in _problems(clinic.post_response(wrong_type))

    untyped = {**copy.deepcopy(good), "contained": [{"resourceType": None}]}  # trips fhir_core itself
    assert "(resource)" in _problems(clinic.post_response(untyped))


# --------------------------------------------------------------------------- the record out


def test_everything_is_a_valid_bundle_with_patient_plan_and_pain_observations(clinic: Clinic) -> None:
    pid = clinic.patient["id"]
    stored = clinic.assess(CROWDED)
    track = f"/api/patients/{pid}/tracking"
    first = clinic.client.post(
        track, json={"entry_date": "2025-03-02", "pain_now": 6}, headers=clinic.headers
    )
    clinic.client.post(
        track, json={"entry_date": "2025-03-03", "sitting_minutes": 40}, headers=clinic.headers
    )
    clinic.client.put(
        f"{track}/{first.json()['id']}",
        json={"entry_date": "2025-03-02", "pain_now": 5},
        headers=clinic.headers,
    )
    clinic.client.post(track, json={"entry_date": "2025-03-04", "pain_now": 3}, headers=clinic.headers)

    response = clinic.client.get(f"/fhir/Patient/{pid}/$everything", headers=clinic.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert len({entry["fullUrl"] for entry in bundle["entry"]}) == len(bundle["entry"])

    (patient,) = by_type["Patient"]
    assert patient["id"] == pid and patient["name"][0]["text"] == "Ann Example"
    assert patient["identifier"][0]["value"] == "EHR-42"

    (careplan,) = by_type["CarePlan"]
    assert careplan["status"] == "active" and careplan["subject"]["reference"] == f"Patient/{pid}"
    (risk,) = by_type["RiskAssessment"]
    assert risk["id"] == stored["id"]
    assert risk["prediction"][0]["outcome"]["coding"][0]["code"] == "conservative"
    (answers,) = by_type["QuestionnaireResponse"]
    assert answers["questionnaire"].startswith(QUESTIONNAIRE_URL)

    observations = by_type["Observation"]
    assert sorted((o["effectiveDateTime"], o["valueInteger"]) for o in observations) == [
        ("2025-03-02", 5),  # the correction, not the original
        ("2025-03-04", 3),
    ]
    for observation in observations:
        assert observation["code"]["coding"][0] == {
            "system": "http://loinc.org",
            "code": "72514-3",
            "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        }
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["subject"] == {"reference": f"Patient/{pid}"}
    assert {o["status"] for o in observations} == {"final", "amended"}

    search = clinic.client.get(f"/fhir/Observation?patient=Patient/{pid}", headers=clinic.headers)
    assert search.headers["content-type"].startswith(FHIR_JSON)
    found = search.json()
    Bundle.model_validate(found)
    assert found["type"] == "searchset" and found["total"] == 2
    assert {e["resource"]["id"] for e in found["entry"]} == {o["id"] for o in observations}  # stable ids
    assert all(e["search"]["mode"] == "match" for e in found["entry"])
    other_code = clinic.client.get(
        f"/fhir/Observation?patient={pid}&code=http://loinc.org|8867-4", headers=clinic.headers
    )
    assert other_code.json()["total"] == 0

    plans = clinic.client.get(f"/fhir/CarePlan?patient={pid}", headers=clinic.headers).json()
    Bundle.model_validate(plans)
    assert plans["total"] == 1
    CarePlan.model_validate(plans["entry"][0]["resource"])
    assert plans["entry"][0]["resource"]["id"] == careplan["id"]


def test_a_patient_without_records_has_an_empty_search_and_a_small_bundle(clinic: Clinic) -> None:
    pid = clinic.patient["id"]
    plans = clinic.client.get(f"/fhir/CarePlan?patient={pid}", headers=clinic.headers).json()
    assert plans["total"] == 0 and "entry" not in plans
    bundle = clinic.client.get(f"/fhir/Patient/{pid}/$everything", headers=clinic.headers).json()
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_fhir_needs_a_session_and_hides_other_clinics(clinic: Clinic) -> None:
    pid = clinic.patient["id"]
    assessment = clinic.assess(CROWDED)["id"]
    assert clinic.client.get(f"/fhir/Patient/{pid}/$everything").status_code == 401
    stranger = clinic.login("b@clinic-b.org", "Clinic B")
    for path in (
        f"/fhir/Patient/{pid}/$everything",
        f"/fhir/Patient/{pid}",
        f"/fhir/Observation?patient={pid}",
        f"/fhir/CarePlan?patient={pid}",
        f"/fhir/QuestionnaireResponse/{assessment}",
        f"/fhir/RiskAssessment/{assessment}",
    ):
        response = clinic.client.get(path, headers=stranger)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
        if assessment in path:
            assert pid not in response.text  # not even the owner's id
    resource = response_from_intake(parse_intake(CROWDED), clinic.app.state.store.kb, pid)
    assert clinic.post_response(resource, headers=stranger).status_code == 404
    listed = clinic.client.get(f"/api/patients/{pid}/assessments", headers=clinic.headers).json()
    assert [a["id"] for a in listed] == [assessment]


# --------------------------------------------------------------------------- CDS Hooks


def test_cds_discovery_lists_the_patient_view_service(clinic: Clinic) -> None:
    response = clinic.client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["id"] == "scapula-patient-view"
    assert service["hook"] == "patient-view"
    assert service["title"] and service["description"]
    assert service["prefetch"] == {"patient": "Patient/{{context.patientId}}"}


def test_patient_view_shows_a_critical_card_for_an_emergency(clinic: Clinic) -> None:
    stored = clinic.assess(EMERGENCY)
    assert stored["triage_level"] == "emergency"
    for patient_id in ("EHR-42", clinic.patient["id"]):  # the EHR's id, or Scapula's
        response = clinic.patient_view(patient_id)
        assert response.status_code == 200
        cards = response.json()["cards"]
        triage, plan = cards
        assert triage["indicator"] == "critical"
        assert len(triage["summary"]) <= 140
        assert "Emergency care now" in triage["summary"]
        assert "not a diagnosis" in triage["summary"].lower()
        reason = stored["result"]["triage"]["reasons"][0]
        assert reason["rule"] in triage["detail"] and reason["title"] in triage["detail"]
        assert "Referral plan" in triage["detail"]
        assert triage["source"]["label"] == "Scapula decision support"
        assert plan["links"][0]["url"].endswith(f"/api/patients/{clinic.patient['id']}/plan")
        assert plan["links"][0]["type"] == "absolute"


def test_patient_view_levels_map_to_indicators(clinic: Clinic) -> None:
    clinic.assess(CROWDED)
    triage = clinic.patient_view("EHR-42").json()["cards"][0]
    assert triage["indicator"] == "info"
    assert "Phase 1 of" in triage["detail"]
    clinic.assess(EMERGENCY)  # the latest assessment decides
    assert clinic.patient_view("EHR-42").json()["cards"][0]["indicator"] == "critical"


def test_patient_view_has_no_cards_for_unknown_unassessed_or_other_clinics_patients(clinic: Clinic) -> None:
    assert clinic.patient_view("EHR-unknown").json() == {"cards": []}
    assert clinic.patient_view("EHR-42").json() == {"cards": []}  # known, never assessed
    clinic.assess(EMERGENCY)
    stranger = clinic.login("b@clinic-b.org", "Clinic B")
    for patient_id in ("EHR-42", clinic.patient["id"]):
        response = clinic.patient_view(patient_id, headers=stranger)
        assert response.status_code == 200 and response.json() == {"cards": []}


def test_patient_view_never_guesses_between_two_records_with_the_same_ehr_id(clinic: Clinic) -> None:
    clinic.assess(EMERGENCY)
    clinic.client.post(
        "/api/patients", json={"display_name": "Twin", "external_ref": "EHR-42"}, headers=clinic.headers
    )
    (card,) = clinic.patient_view("EHR-42").json()["cards"]
    assert card["indicator"] == "warning" and "Emergency" not in card["summary"]


def test_patient_view_rejects_a_malformed_request_with_the_error_envelope(clinic: Clinic) -> None:
    url = "/cds-services/scapula-patient-view"
    bad = clinic.client.post(
        url, json={"hook": "order-select", "hookInstance": "x", "context": {}}, headers=clinic.headers
    )
    assert bad.status_code == 422
    wheres = {p["where"] for p in bad.json()["error"]["problems"]}
    assert {"hook", "context.patientId"} <= wheres
    unauthenticated = clinic.client.post(
        url, json={"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "EHR-42"}}
    )
    assert unauthenticated.status_code == 401
