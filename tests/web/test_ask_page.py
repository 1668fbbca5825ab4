"""The question box on the web: answers with their sources, safety first, the person's own triage,
and a clear message for an empty question."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from scapula.store import Store

from .conftest import EXAMPLE_INTAKE, ClinicSeed, Live, seed_assessment
from .test_patient_browser import check_page
from .test_patient_forms import open_record

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture(autouse=True)
def _lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCAPULA_ANSWER_MODE", "lexical")  # the embedding model is an optional extra


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_a_general_question_is_answered_with_numbered_sources(client: TestClient) -> None:
    page = client.get("/ask", params={"q": "does dry needling help my shoulder blade pain?"})
    assert page.status_code == 200
    assert 'class="answer-block answer-answer"' in page.text
    assert re.search(r'<li id="src-1">', page.text), "no numbered source list"
    assert "does not diagnose" in text_of(page.text) or "not a diagnosis" in text_of(page.text)


def test_a_question_about_chest_pain_leads_with_safety(client: TestClient) -> None:
    page = client.get("/ask", params={"q": "i have chest pain and sweating with my upper back pain"})
    blocks = re.findall(r'class="answer-block answer-(\w+)"', page.text)
    assert blocks and blocks[0] == "safety"


def test_an_empty_question_names_the_field(client: TestClient) -> None:
    page = client.get("/ask", params={"q": "   "})
    assert page.status_code == 422
    assert "Error: Question must not be empty" in text_of(page.text)


def test_the_result_page_has_the_question_box(client: TestClient, web_store: Store, clinic: ClinicSeed) -> None:
    seed_assessment(web_store, clinic, clinic.patients[0], EXAMPLE_INTAKE)
    open_record(client, clinic)
    result = client.get("/me/result")
    assert 'action="/me/ask"' in result.text


def test_an_invited_patient_gets_answers_about_their_own_assessment(
    client: TestClient, web_store: Store, clinic: ClinicSeed
) -> None:
    urgent = {**EXAMPLE_INTAKE, "history": ["cancer"], "age": 58}
    seed_assessment(web_store, clinic, clinic.patients[0], urgent)
    open_record(client, clinic)
    page = client.get("/me/ask", params={"q": "can i keep going to the gym?"})
    assert page.status_code == 200
    assert 'class="answer-block answer-personal"' in page.text
    assert "You were advised" in text_of(page.text)
    audit = web_store.audit_log(clinic.actor(web_store), clinic.patients[0].id)
    assert any(row["action"] == "list" and row["resource"] == "assessment" and row["actor_type"] == "patient" for row in audit)


def test_the_personal_question_page_needs_the_patients_session(client: TestClient) -> None:
    page = client.get("/me/ask", params={"q": "can i keep going to the gym?"})
    assert page.status_code == 401


def test_the_question_page_in_a_browser(live: Live, page: Page) -> None:
    page.goto(live.url("/ask"))
    page.get_by_label("Your question").fill("should i get an mri for my upper back?")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_selector(".answer-block")
    assert page.locator("ol.sources li").count() >= 1
    check_page(page, "ask")
