"""The command line as a user meets it: commands, outputs, exit codes, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from scapula.cli import app

from .conftest import CROWDED, ROOT

runner = CliRunner()
EXAMPLE = str(ROOT / "examples" / "desk-worker.json")
CONTRACT_KEYS = {"triage", "red_flags", "suspected_conditions", "drivers", "plan", "engine_version"}


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_assess_json_has_the_contract_keys() -> None:
    result = invoke("assess", EXAMPLE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT_KEYS
    assert data["triage"]["level"] in {"emergency", "urgent", "medical_review", "conservative"}
    assert all({"rule", "text", "citations"} <= set(r) for r in data["triage"]["reasons"])
    assert all({"id", "score", "evidence"} <= set(d) for d in data["drivers"])
    assert "not diagnose" in data["disclaimer"] or "not a diagnosis" in data["disclaimer"]


def test_assess_reads_standard_input() -> None:
    result = invoke("assess", "-", "--json", input=json.dumps({"age": 40, "associated": ["chest_pain", "sweating"]}))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["triage"]["level"] == "emergency"


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_terminal_view_says_it_is_decision_support(audience: str) -> None:
    result = invoke("assess", EXAMPLE, "--audience", audience)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "not diagnose" in text or "not a diagnosis" in text
    assert "Sources" in text


def test_patient_and_clinician_views_speak_differently() -> None:
    patient = " ".join(invoke("assess", EXAMPLE).stdout.split())
    clinician = " ".join(invoke("assess", EXAMPLE, "--audience", "clinician").stdout.split())
    assert "What is most likely keeping the pain going" in patient
    assert "Likely drivers" in clinician
    assert "aggravators.sitting" not in patient  # plain words, not fact ids


def test_emergency_leads_with_what_to_do_now() -> None:
    result = invoke("assess", "-", input=json.dumps({"age": 61, "associated": ["chest_pain", "sweating"]}))
    first_lines = " ".join(result.stdout.split()[:40])
    assert "EMERGENCY CARE NOW" in first_lines
    assert "ambulance" in first_lines


# --- bad input: one clear line per problem, exit code 2, never a traceback -------------------


def _bad(payload: str) -> str:
    result = invoke("assess", "-", input=payload)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_unknown_key_is_named_with_a_suggestion() -> None:
    out = _bad('{"age": 40, "locatons": ["neck"]}')
    assert "locatons: unknown field" in out
    assert "Did you mean 'locations'?" in out


def test_value_outside_the_list_names_field_and_allowed_values() -> None:
    out = _bad('{"age": 40, "aggravators": ["sitting", "sittin"]}')
    assert "aggravators[1]: value not allowed (got 'sittin')" in out
    assert "laptop_work" in out  # the allowed values are listed
    assert "Did you mean 'sitting'?" in out


def test_out_of_range_number_names_the_range() -> None:
    out = _bad('{"age": 140}')
    assert "age:" in out and "110" in out


def test_nested_vitals_field_is_located() -> None:
    out = _bad('{"age": 40, "vitals": {"spo2": 120}}')
    assert "vitals.spo2" in out


def test_malformed_json_is_reported_with_its_position() -> None:
    out = _bad('{"age": 40,')
    assert "malformed JSON" in out and "line 1" in out


def test_every_problem_gets_its_own_line() -> None:
    result = invoke("assess", "-", input='{"age": 5, "sex": "f", "side": "up"}')
    problems = [line for line in result.output.splitlines() if line.strip().startswith("•")]
    assert len(problems) == 3


def test_missing_file_is_a_clear_error() -> None:
    out = " ".join(invoke("assess", "no-such-file.json").output.split())
    assert "Cannot read no-such-file.json" in out


# --- batch ---------------------------------------------------------------------------------------


def test_batch_keeps_order_and_survives_a_bad_line(tmp_path) -> None:
    lines = [json.dumps(CROWDED), '{"age": 40, "side": "up"}', json.dumps({"age": 70, "associated": ["syncope"]})]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = invoke("assess", "--batch", str(path))
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[0]["triage"]["level"] == "conservative"
    assert out[1]["line"] == 2 and out[1]["problems"][0]["where"] == "side"
    assert out[2]["triage"]["level"] == "emergency"
    assert result.exit_code == 2
    assert "line 2" in result.stderr


# --- rules and schema ----------------------------------------------------------------------------


def test_rules_lists_every_rule(kb) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    assert f"{len(kb.rules)} rules" in result.stdout


def test_rule_detail_shows_condition_texts_and_sources() -> None:
    result = invoke("rules", "cord-sphincter-or-saddle")
    text = " ".join(result.stdout.split())
    assert "emergency" in text and "saddle_anesthesia" in text
    assert "acr-myelopathy-2021" in text and "https://doi.org/" in text


def test_unknown_rule_suggests_close_ids() -> None:
    result = invoke("rules", "cord-sphincter")
    assert result.exit_code == 2
    assert "cord-sphincter-or-saddle" in result.output


def test_schema_intake_is_a_json_schema_naming_every_field() -> None:
    schema = json.loads(invoke("schema", "intake").stdout)
    assert schema["required"] == ["age"]
    assert {"locations", "exam_negative", "vitals"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_schema_assessment_describes_the_output() -> None:
    schema = json.loads(invoke("schema", "assessment").stdout)
    assert {"triage", "drivers", "red_flags"} <= set(schema["properties"])


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run([sys.executable, "-m", "scapula", "assess", EXAMPLE, "--json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["engine_version"]


def test_serve_with_two_processes_answers_and_stops_on_sigterm(tmp_path) -> None:
    import http.client
    import signal
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "scapula", "serve", "--database", f"sqlite:///{tmp_path}/clinic.db",
         "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline, answered = time.monotonic() + 60, set()
        while time.monotonic() < deadline and server.poll() is None and len(answered) < 1:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/health")
                reply = conn.getresponse()
                answered.add(reply.status)
                assert json.loads(reply.read())["status"] == "ok"
            except OSError:
                time.sleep(0.2)
        assert answered == {200}, server.stderr.read().decode() if server.poll() is not None else "no answer"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) is not None
