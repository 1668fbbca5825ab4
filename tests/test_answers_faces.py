"""`scapula ask` and POST /api/answers as people meet them: exit codes, statuses, access, context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scapula.api import create_app
from scapula.cli import app

runner = CliRunner()
PASSWORD = "correct horse battery"
URGENT = {"age": 58, "locations": ["interscapular"], "history": ["cancer"], "duration_weeks": 2}


@pytest.fixture(autouse=True)
def _lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keeps these tests fast; semantic and combined retrieval are measured by bench/answers.py.
    monkeypatch.setenv("SCAPULA_ANSWER_MODE", "lexical")


def test_ask_prints_the_answer_its_sources_and_the_disclaimer() -> None:
    result = runner.invoke(app, ["ask", "does a tens machine help"])
    assert result.exit_code == 0
    assert "TENS" in result.stdout and "houghton" in result.stdout
    assert "does not diagnose" in " ".join(result.stdout.split())


def test_ask_json_leads_with_safety_for_chest_pain() -> None:
    result = runner.invoke(app, ["ask", "chest pain and upper back pain at the same time", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["blocks"][0]["kind"] == "safety" and data["found"]


def test_ask_with_an_intake_names_the_persons_own_triage(tmp_path: Path) -> None:
    intake = tmp_path / "intake.json"
    intake.write_text(json.dumps(URGENT))
    result = runner.invoke(app, ["ask", "can i still go to the gym", "--intake", str(intake), "--json"])
    assert result.exit_code == 0
    personal = [b for b in json.loads(result.stdout)["blocks"] if b["kind"] == "personal"]
    assert "24-48 hours" in personal[0]["text"]


@pytest.mark.parametrize(("args", "named"), [(["ask", ""], "question"), (["ask", "x" * 2001], "question"),
                                             (["ask", "ok?", "--mode", "psychic"], "--mode")])
def test_bad_input_exits_2_naming_the_field(args: list[str], named: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert named in result.stderr


def test_ask_reads_a_stored_assessment_and_audits_the_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    client, headers = _clinic(url)
    stored = _stored_assessment(client, headers)
    result = runner.invoke(app, ["ask", "will it come back", "--assessment", stored, "--database", url, "--json"])
    assert result.exit_code == 0, result.stderr
    assert any(b["kind"] == "personal" for b in json.loads(result.stdout)["blocks"])
    audit = client.app.state.store.audit_log(_actor(client, headers))
    assert any(a["resource_id"] == stored and a["actor_type"] == "system" for a in audit)
    missing = runner.invoke(app, ["ask", "will it come back", "--assessment", "nope", "--database", url])
    assert missing.exit_code == 2 and "No assessment nope" in missing.stderr


def _clinic(url: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(create_app(database_url=url))
    store = client.app.state.store
    store.create_user(store.create_clinic("North"), "a@north.org", "Dr A", PASSWORD)
    token = client.post("/api/auth/login", json={"email": "a@north.org", "password": PASSWORD}).json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def _actor(client: TestClient, headers: dict[str, str]) -> Any:
    return client.app.state.store.actor(headers["Authorization"].removeprefix("Bearer "))


def _stored_assessment(client: TestClient, headers: dict[str, str]) -> str:
    patient = client.post("/api/patients", json={"display_name": "Ann"}, headers=headers).json()
    made = client.post(f"/api/patients/{patient['id']}/assessments", json=URGENT, headers=headers)
    assert made.status_code == 201
    return made.json()["id"]


def test_api_answers_a_general_question_for_a_logged_in_user(tmp_path: Path) -> None:
    client, headers = _clinic(f"sqlite:///{tmp_path}/a.db")
    ask = {"question": "should i ice it", "audience": "clinician"}
    assert client.post("/api/answers", json=ask).status_code == 401
    response = client.post("/api/answers", json=ask, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["answer_id"] == "cold" and body["audience"] == "clinician"
    assert all(b["citations"] for b in body["blocks"])


def test_api_answer_about_an_assessment_needs_a_session_and_access(tmp_path: Path) -> None:
    client, headers = _clinic(f"sqlite:///{tmp_path}/b.db")
    stored = _stored_assessment(client, headers)
    ask = {"question": "can i still do pull ups", "assessment_id": stored}
    assert client.post("/api/answers", json=ask).status_code == 401
    other, other_headers = client, _other_clinic(client)
    assert other.post("/api/answers", json=ask, headers=other_headers).status_code == 404
    mine = client.post("/api/answers", json=ask, headers=headers)
    assert mine.status_code == 200
    assert "24-48 hours" in next(b for b in mine.json()["blocks"] if b["kind"] == "personal")["text"]
    audit = client.get("/api/audit", headers=headers).json()
    assert any(row["resource_id"] == stored and row["action"] == "read" for row in audit)


def _other_clinic(client: TestClient) -> dict[str, str]:
    store = client.app.state.store
    store.create_user(store.create_clinic("South"), "b@south.org", "Dr B", PASSWORD)
    token = client.post("/api/auth/login", json={"email": "b@south.org", "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("body", [{"question": ""}, {"question": "y" * 2001}, {"question": "   "}, {}])
def test_api_bad_question_is_422_naming_the_field(tmp_path: Path, body: dict[str, Any]) -> None:
    client, headers = _clinic(f"sqlite:///{tmp_path}/c.db")
    response = client.post("/api/answers", json=body, headers=headers)
    assert response.status_code == 422
    assert [p["where"] for p in response.json()["error"]["problems"]] == ["question"]
