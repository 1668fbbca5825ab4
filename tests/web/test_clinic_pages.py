"""The clinician's pages through a TestClient that asks for HTML as a browser does: login, the
dashboard, a patient's record and plan, outcomes; CSRF, field-level errors, clinic isolation, audit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scapula.store import Store
from scapula.store.models import AuditEntry

from .conftest import EXAMPLE_INTAKE, ClinicSeed, PatientSeed, seed_assessment

CHEST = {"age": 60, "associated": ["chest_pain", "sweating"]}


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, clinic: ClinicSeed) -> None:
    page = client.get("/clinic/login")
    r = client.post(
        "/clinic/login", data={"csrf_token": csrf(page.text), "email": clinic.email, "password": clinic.password}
    )
    assert r.status_code == 200 and r.url.path == "/clinic", r.text[:300]


def post_form(client: TestClient, page_url: str, url: str, data: dict[str, Any]) -> Any:
    """Open the page, then send its form with the page's own CSRF token."""
    token = csrf(client.get(page_url).text)
    return client.post(url, data={"csrf_token": token, **data})


def audit_rows(store: Store) -> list[AuditEntry]:
    with store.db.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
def assessed(web_store: Store, clinic: ClinicSeed) -> PatientSeed:
    """Clinic A's first patient with the desk worker's assessment and plan; the second is an emergency."""
    seed_assessment(web_store, clinic, clinic.patients[0], EXAMPLE_INTAKE)
    seed_assessment(web_store, clinic, clinic.patients[1], CHEST)
    return clinic.patients[0]


# --------------------------------------------------------------------------- sessions


@pytest.mark.parametrize("path", ["/clinic", "/clinic/outcomes", "/clinic/patients/anything"])
def test_a_browser_without_a_session_is_sent_to_the_login_page(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/clinic/login?next={path}"


def test_a_script_without_a_session_gets_the_apis_401(web_app: Any) -> None:
    with TestClient(web_app) as script:
        r = script.get("/clinic")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_a_clinician_logs_in_and_returns_to_the_page_asked_for(client: TestClient, clinic: ClinicSeed) -> None:
    page = client.get("/clinic/login?next=/clinic/outcomes")
    r = client.post(
        "/clinic/login",
        data={"csrf_token": csrf(page.text), "email": clinic.email, "password": clinic.password,
              "next": "/clinic/outcomes"},
    )
    assert r.url.path == "/clinic/outcomes"
    assert "Decision support, not a diagnosis" in r.text


def test_login_never_redirects_off_the_clinic_pages(client: TestClient, clinic: ClinicSeed) -> None:
    page = client.get("/clinic/login")
    r = client.post(
        "/clinic/login",
        data={"csrf_token": csrf(page.text), "email": clinic.email, "password": clinic.password,
              "next": "//evil.example/clinic"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/clinic"


def test_a_wrong_password_is_said_on_the_login_page(client: TestClient, clinic: ClinicSeed) -> None:
    r = post_form(client, "/clinic/login", "/clinic/login", {"email": clinic.email, "password": "wrong-one"})
    assert r.status_code == 401
    assert "Wrong e-mail address or password" in r.text and 'value="' + clinic.email in r.text


def test_empty_login_fields_are_named(client: TestClient) -> None:
    r = post_form(client, "/clinic/login", "/clinic/login", {"email": "", "password": ""})
    assert r.status_code == 422
    assert 'id="email-error">E-mail address is required' in r.text
    assert 'id="password-error">Password is required' in r.text


def test_repeated_failures_show_the_rate_limit_message(client: TestClient, clinic: ClinicSeed) -> None:
    for _ in range(5):
        post_form(client, "/clinic/login", "/clinic/login", {"email": clinic.email, "password": "wrong-one"})
    r = post_form(client, "/clinic/login", "/clinic/login", {"email": clinic.email, "password": clinic.password})
    assert r.status_code == 429 and "Too many failed logins" in r.text


def test_a_login_form_without_its_csrf_token_is_refused(client: TestClient, clinic: ClinicSeed) -> None:
    client.get("/clinic/login")
    r = client.post("/clinic/login", data={"email": clinic.email, "password": clinic.password})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "scapula_session" not in client.cookies


def test_logout_ends_the_session(client: TestClient, clinic: ClinicSeed, web_store: Store) -> None:
    log_in(client, clinic)
    token = client.cookies["scapula_session"]
    r = post_form(client, "/clinic", "/clinic/logout", {})
    assert r.url.path == "/clinic/login"
    client.cookies.set("scapula_session", token)
    assert client.get("/clinic", follow_redirects=False).headers["location"].startswith("/clinic/login")


def test_a_patient_session_is_refused_the_clinic_pages(
    client: TestClient, web_store: Store, clinic: ClinicSeed, assessed: PatientSeed
) -> None:
    token, _, _ = web_store.accept_invitation(assessed.invite_token)
    client.cookies.set("scapula_session", token)
    for path in ("/clinic", f"/clinic/patients/{assessed.id}", "/clinic/outcomes"):
        r = client.get(path)
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html"), path
        assert assessed.display_name not in r.text or path != "/clinic"


# --------------------------------------------------------------------------- dashboard


def test_the_dashboard_lists_the_emergency_first_with_triage_and_phase(
    client: TestClient, clinic: ClinicSeed, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    html = client.get("/clinic").text
    order = re.findall(r'data-patient="([^"]+)"', html)
    assert order == [clinic.patients[1].id, assessed.id]
    assert "Emergency" in html and "Phase 1" in html and "Referral (no exercise plan)" in html


def test_adding_a_patient_names_a_missing_or_overlong_field(client: TestClient, clinic: ClinicSeed) -> None:
    log_in(client, clinic)
    r = post_form(client, "/clinic", "/clinic/patients", {"display_name": " ", "external_ref": "x" * 101})
    assert r.status_code == 422
    assert 'id="display_name-error">Name is required' in r.text
    assert 'id="external_ref-error">External reference must be at most 100 characters' in r.text


def test_a_clinician_adds_a_patient_and_creates_an_invitation_link(
    client: TestClient, clinic: ClinicSeed, web_store: Store
) -> None:
    log_in(client, clinic)
    r = post_form(client, "/clinic", "/clinic/patients", {"display_name": "Ada Newcomer", "external_ref": "MRN-7"})
    assert r.status_code == 200 and "Ada Newcomer" in r.text
    page = r.url.path
    r = post_form(client, page, f"{page}/invitations", {})
    assert r.status_code == 201
    link = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', r.text)
    assert link and "/invite/" in link.group(1)
    _, _, patient_id = web_store.accept_invitation(link.group(1).rsplit("/", 1)[1])
    assert page.endswith(patient_id)


def test_forms_without_the_csrf_token_change_nothing(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    before = len(web_store.list_patients(clinic.actor(web_store)))
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    for url, data in (
        ("/clinic/patients", {"display_name": "Forged"}),
        (f"/clinic/patients/{assessed.id}/invitations", {}),
        (f"/clinic/patients/{assessed.id}/plan", {"plan_id": plan["id"], "phase": "2", "reason": "forged"}),
        ("/clinic/logout", {}),
    ):
        r = client.post(url, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, url
    assert len(web_store.list_patients(clinic.actor(web_store))) == before
    assert web_store.get_plan(clinic.actor(web_store), assessed.id)["changes"] == []


# --------------------------------------------------------------------------- the patient page


def test_the_patient_page_shows_rule_reasons_sources_and_drivers(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    html = client.get(f"/clinic/patients/{clinic.patients[1].id}").text
    result = web_store.list_assessments(clinic.actor(web_store), clinic.patients[1].id)[0]["result"]
    reason = result["triage"]["reasons"][0]
    assert f"<code>{reason['rule']}</code>" in html
    title = web_store.kb.sources[reason["citations"][0]].title
    assert title in html
    html = client.get(f"/clinic/patients/{assessed.id}").text
    driver = web_store.list_assessments(clinic.actor(web_store), assessed.id)[0]["result"]["drivers"][0]
    assert driver["name"] in html and "Evidence for" in html and "Evidence against" in html


def test_another_clinics_clinician_cannot_open_read_or_change_the_patient(
    client: TestClient, clinic: ClinicSeed, other_clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    log_in(client, other_clinic)
    for path in (f"/clinic/patients/{assessed.id}", f"/clinic/patients/{assessed.id}/plot.svg"):
        r = client.get(path)
        assert r.status_code == 404 and assessed.display_name not in r.text, path
    token = csrf(client.get("/clinic").text)
    for url, data in (
        (f"/clinic/patients/{assessed.id}/plan", {"plan_id": plan["id"], "phase": "2", "reason": "x"}),
        (f"/clinic/patients/{assessed.id}/plan/exercises", {"plan_id": plan["id"], "exercise": "2:x", "reason": "x"}),
        (f"/clinic/patients/{assessed.id}/invitations", {}),
    ):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    for path in ("/clinic", "/clinic/outcomes"):
        html = client.get(path).text
        assert all(p.display_name not in html and p.id not in html for p in clinic.patients), path
    assert web_store.get_plan(clinic.actor(web_store), assessed.id)["changes"] == []


def test_every_read_of_the_patient_page_is_in_the_audit_log(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    last = audit_rows(web_store)[-1].id
    assert client.get(f"/clinic/patients/{assessed.id}").status_code == 200
    client.get(f"/clinic/patients/{assessed.id}/plot.svg")
    client.get("/clinic")
    client.get("/clinic/outcomes")
    seen = {(r.action, r.resource, r.patient_id) for r in audit_rows(web_store) if r.id > last}
    for action, resource in (("read", "patient"), ("list", "assessment"), ("read", "plan"),
                             ("list", "tracking"), ("list", "decision"), ("read", "outcome")):
        assert (action, resource, assessed.id) in seen, (action, resource)
    assert ("list", "dashboard", None) in seen and ("read", "clinic_outcome", None) in seen
    assert all(r.actor_id == clinic.user_id for r in audit_rows(web_store) if r.id > last)


def test_a_clinician_changes_the_phase_and_removes_an_exercise_with_a_reason(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    page = f"/clinic/patients/{assessed.id}"
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    exercise = plan["plan"]["phases"][0]["exercises"][0]
    r = post_form(client, page, f"{page}/plan", {
        "plan_id": plan["id"], "phase": "2", "remove": exercise["id"],
        "note": "settled fast", "reason": "irritability low at review",
    })
    assert r.status_code == 200 and r.url.path == page
    after = web_store.get_plan(clinic.actor(web_store), assessed.id)
    assert after["phase"] == 2
    assert exercise["id"] not in [e["id"] for p in after["plan"]["phases"] for e in p["exercises"]]
    assert after["changes"][-1]["reason"] == "irritability low at review"
    assert "irritability low at review" in r.text and "settled fast" in r.text


def test_a_plan_change_without_a_reason_or_a_change_is_refused_beside_the_field(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    page = f"/clinic/patients/{assessed.id}"
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    r = post_form(client, page, f"{page}/plan", {"plan_id": plan["id"], "phase": "2", "reason": ""})
    assert r.status_code == 422 and 'id="reason-error">Reason is required' in r.text
    r = post_form(client, page, f"{page}/plan", {"plan_id": plan["id"], "phase": "1", "reason": "nothing"})
    assert r.status_code == 422 and 'id="phase-error">Change the phase' in r.text
    r = post_form(client, page, f"{page}/plan", {"plan_id": plan["id"], "phase": "9", "reason": "why"})
    assert r.status_code == 422 and 'id="phase-error">Phase must be one of 1, 2, 3 (got 9)' in r.text
    assert web_store.get_plan(clinic.actor(web_store), assessed.id)["changes"] == []


def test_a_form_for_a_plan_that_was_replaced_is_refused(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    page = f"/clinic/patients/{assessed.id}"
    old = web_store.get_plan(clinic.actor(web_store), assessed.id)
    seed_assessment(web_store, clinic, assessed, EXAMPLE_INTAKE)
    r = post_form(client, page, f"{page}/plan", {"plan_id": old["id"], "phase": "2", "reason": "late"})
    assert r.status_code == 409


def test_a_clinician_adds_a_suitable_exercise(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    page = f"/clinic/patients/{assessed.id}"
    html = client.get(page).text
    option = re.search(r'<optgroup label="Phase 2">\s*<option value="(2:[^"]+)">', html)
    assert option, "no exercise offered for phase 2"
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    r = post_form(client, page, f"{page}/plan/exercises",
                  {"plan_id": plan["id"], "exercise": option.group(1), "reason": "add loading"})
    assert r.status_code == 200
    added = option.group(1).split(":", 1)[1]
    after = web_store.get_plan(clinic.actor(web_store), assessed.id)
    assert added in [e["id"] for e in after["plan"]["phases"][1]["exercises"]]
    assert "add loading" in r.text


def test_an_unsuitable_exercise_is_refused_beside_the_field(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    log_in(client, clinic)
    page = f"/clinic/patients/{assessed.id}"
    plan = web_store.get_plan(clinic.actor(web_store), assessed.id)
    r = post_form(client, page, f"{page}/plan/exercises",
                  {"plan_id": plan["id"], "exercise": "2:no-such-exercise", "reason": "try"})
    assert r.status_code == 422 and 'id="exercise-error">exercise: not suitable' in r.text
    r = post_form(client, page, f"{page}/plan/exercises", {"plan_id": plan["id"], "exercise": "", "reason": "try"})
    assert r.status_code == 422 and 'id="exercise-error">Choose an exercise' in r.text


# --------------------------------------------------------------------------- outcomes


def test_the_outcome_report_shows_its_figures_and_plot(
    client: TestClient, clinic: ClinicSeed, web_store: Store, assessed: PatientSeed
) -> None:
    web_store.add_entry(clinic.actor(web_store), assessed.id, {"entry_date": web_store.clock().date(), "pain_now": 4})
    log_in(client, clinic)
    html = client.get("/clinic/outcomes").text
    assert "Meaningfully improved at 12 weeks" in html and assessed.display_name in html
    plot = client.get("/clinic/outcomes/plot.svg")
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/svg+xml"
