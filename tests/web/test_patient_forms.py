"""The patient pages without a browser: form errors name the field and keep the answers, forms
without the right CSRF token are refused and store nothing, and a patient's session reaches only
that patient's pages."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from scapula.store import Store

from ..conftest import ROOT
from .conftest import EXAMPLE_INTAKE, ClinicSeed, seed_assessment

# The form fields of /start for a desk worker without warning signs (bench/service.py posts it too).
ANSWERS: dict[str, Any] = json.loads((ROOT / "examples" / "self-check-form.json").read_text(encoding="utf-8"))


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"{path} has no CSRF token"
    return found.group(1)


def field_errors(page: str) -> list[str]:
    found = re.findall(r'class="field-error"[^>]*>(.*?)</p>', page)
    return [html.unescape(re.sub(r"<[^>]+>", "", e)).removeprefix("Error: ") for e in found]


def open_record(client: TestClient, clinic: ClinicSeed, index: int = 0) -> None:
    path = clinic.patients[index].invite_path
    response = client.post(path, data={"csrf_token": csrf(client, path)})
    assert response.status_code == 200, response.text[:300]  # followed the redirect into /me


def test_the_self_check_reviews_then_shows_the_result_and_stores_nothing(
    client: TestClient, web_store: Store, clinic: ClinicSeed
) -> None:
    token = csrf(client, "/start")
    review = client.post("/start", data={**ANSWERS, "csrf_token": token, "step": "review"})
    assert review.status_code == 200 and "Check your answers" in review.text
    assert "Between the shoulder blades, right side" in review.text
    result = client.post("/start", data={**ANSWERS, "csrf_token": token, "step": "submit"})
    assert result.status_code == 200
    assert "Self-care and physical therapy" in result.text and "does not diagnose" in result.text
    clinician = client.post("/start", data={**ANSWERS, "csrf_token": token, "step": "submit", "audience": "clinician"})
    assert "Likely drivers" in clinician.text
    pdf = client.post("/start", data={**ANSWERS, "csrf_token": token, "step": "handout"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    actor = clinic.actor(web_store)
    assert all(web_store.list_assessments(actor, p.id) == [] for p in clinic.patients)


def test_an_invalid_answer_is_named_beside_its_field_and_the_answers_are_kept(client: TestClient) -> None:
    token = csrf(client, "/start")
    bad = {**ANSWERS, "age": "7", "pain_now": "8", "duration_weeks": "three", "csrf_token": token, "step": "review"}
    page = client.post("/start", data=bad)
    assert page.status_code == 422
    errors = field_errors(page.text)
    assert "Age: must be 12 or more (you entered 7)" in errors
    assert any(e.startswith("How long it has lasted (weeks): enter a number") for e in errors)
    assert any(e.startswith("Worst pain in the last week: cannot be lower") for e in errors)
    assert "Traceback" not in page.text
    # Each error sits inside its own question, and the summary links to it.
    assert re.search(r'id="q-age".{0,600}Age: must be 12 or more', page.text, re.S)
    assert 'href="#q-age"' in page.text
    # What was entered is still there.
    assert 'value="7"' in page.text and 'value="three"' in page.text
    assert re.search(r'value="interscapular:right" checked', page.text)
    assert re.search(r'name="qualities" value="aching" checked', page.text)


def test_unanswered_safety_questions_are_asked_again(client: TestClient) -> None:
    token = csrf(client, "/start")
    answers = {k: v for k, v in ANSWERS.items() if k != "safety_none"}
    page = client.post("/start", data={**answers, "csrf_token": token, "step": "review"})
    assert page.status_code == 422
    assert "Safety questions: tick the symptoms you have had, or 'None of these'" in field_errors(page.text)


def test_a_hidden_question_sends_nothing(client: TestClient) -> None:
    """Pregnancy weeks without 'pregnant' ticked (a stale answer from a hidden question) is ignored."""
    token = csrf(client, "/start")
    page = client.post(
        "/start", data={**ANSWERS, "pregnancy_weeks": "99", "sex": "male", "csrf_token": token, "step": "review"}
    )
    assert page.status_code == 200 and "weeks pregnant" not in page.text.lower()


def test_forms_without_the_right_csrf_token_are_refused_and_store_nothing(
    client: TestClient, web_store: Store, clinic: ClinicSeed
) -> None:
    seed_assessment(web_store, clinic, clinic.patients[0], EXAMPLE_INTAKE)
    for path, data in (("/start", {**ANSWERS, "step": "submit"}), (clinic.patients[1].invite_path, {})):
        for token in (None, "forged-token"):
            sent = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=sent)
            assert response.status_code == 403, path
            assert "This page is not available to you" in response.text and "expired" in response.text
    assert "scapula_session" not in client.cookies  # the refused invitation opened no session

    open_record(client, clinic)
    actor, pid = clinic.actor(web_store), clinic.patients[0].id
    before = (len(web_store.list_assessments(actor, pid)), len(web_store.list_entries(actor, pid)))
    for path, data in (
        ("/me/intake", {**ANSWERS, "step": "submit"}),
        ("/me/checkin", {"entry_date": "2026-11-05", "pain_now": "3"}),
    ):
        for extra in ({}, {"csrf_token": "0" * 64}):
            response = client.post(path, data={**data, **extra})
            assert response.status_code == 403, path
    assert (len(web_store.list_assessments(actor, pid)), len(web_store.list_entries(actor, pid))) == before


def test_a_check_in_error_names_the_field_and_keeps_the_answers(
    client: TestClient, web_store: Store, clinic: ClinicSeed
) -> None:
    seed_assessment(web_store, clinic, clinic.patients[0], EXAMPLE_INTAKE)
    open_record(client, clinic)
    token = csrf(client, "/me/checkin")
    page = client.post(
        "/me/checkin",
        data={"csrf_token": token, "entry_date": "2026-11-05", "pain_now": "3", "sitting_minutes": "lots",
              "notes": "kept note"},
    )
    assert page.status_code == 422
    assert any(e.startswith("Sitting without a rise in pain:") and "'lots'" in e for e in field_errors(page.text))
    assert "kept note" in page.text and 'value="lots"' in page.text
    assert web_store.list_entries(clinic.actor(web_store), clinic.patients[0].id) == []


def test_a_patient_session_sees_only_its_own_pages(
    client: TestClient, web_store: Store, clinic: ClinicSeed, other_clinic: ClinicSeed
) -> None:
    me, neighbour, stranger = clinic.patients[0], clinic.patients[1], other_clinic.patients[0]
    seed_assessment(web_store, clinic, me, EXAMPLE_INTAKE)
    seed_assessment(web_store, clinic, neighbour, {**EXAMPLE_INTAKE, "age": 71})
    seed_assessment(web_store, other_clinic, stranger, {**EXAMPLE_INTAKE, "age": 83})
    open_record(client, clinic)
    for path in ("/me", "/me/result", "/me/result?audience=clinician", "/me/progress", "/me/checkin"):
        page = client.get(path)
        assert page.status_code == 200, path
        for other in (neighbour, stranger):
            assert other.id not in page.text and other.display_name not in page.text, path
    # The /me pages take no patient id; the API refuses other records to this cookie too.
    for other in (neighbour, stranger):
        assert client.get(f"/api/patients/{other.id}").status_code == 404
    # Clinician pages are not for patients, and a clinician's session is not a patient's.
    client.cookies.clear()
    client.cookies.set("scapula_session", clinic.token)
    refused = client.get("/me/result")
    assert refused.status_code == 403 and "not available to you" in refused.text
    client.cookies.clear()
    gone = client.get("/me/result")
    assert gone.status_code == 401 and "Please open your link again" in gone.text


def test_web_errors_are_pages_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "We could not find that page" in page.text
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    script = client.get("/me/result", headers={"Accept": "application/json"})
    assert script.status_code == 401 and script.json()["error"]["code"] == "unauthenticated"
    expired = client.post("/invite/not-a-real-token", data={"csrf_token": csrf(client, "/invite/not-a-real-token")})
    assert expired.status_code == 401 and "not valid or has expired" in expired.text
