"""The clinic store keeps everything, forgets nothing, and moves between databases intact."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scapula.errors import Conflict, NotFound
from scapula.intake import parse_intake
from scapula.store import Database, Store
from scapula.store.transfer import export_clinic, import_clinic

from .conftest import CROWDED


@pytest.fixture
def store(tmp_path) -> Store:
    db = Database(f"sqlite:///{tmp_path}/clinic.db")
    db.upgrade()
    return Store(db)


@pytest.fixture
def seeded(store: Store):
    clinic = store.create_clinic("North")
    store.create_user(clinic, "dr@north.example", "Dr North", "long enough password")
    token, _ = store.login("dr@north.example", "long enough password")
    actor = store.actor(token)
    patient = store.create_patient(actor, "Alex")
    store.add_assessment(actor, patient["id"], parse_intake(CROWDED), today=date(2026, 11, 2))
    first = store.add_entry(actor, patient["id"], {"entry_date": date(2026, 11, 3), "pain_now": 6})
    store.add_entry(actor, patient["id"], {"entry_date": date(2026, 11, 3), "pain_now": 5}, supersedes=first["id"])
    store.add_entry(actor, patient["id"], {"entry_date": date(2026, 11, 4), "pain_now": 4, "flare": True,
                                           "psfs": [{"activity": "desk work", "score": 6}]})
    plan = store.get_plan(actor, patient["id"])
    store.adjust_plan(actor, plan["id"], {"phase": 2}, "Milestones met early")
    return store, clinic, actor, patient


def test_a_correction_keeps_the_original_as_history(seeded) -> None:
    store, _, actor, patient = seeded
    current = store.list_entries(actor, patient["id"])
    everything = store.list_entries(actor, patient["id"], history=True)
    assert [e["pain_now"] for e in current] == [5, 4]
    assert [e["pain_now"] for e in everything] == [6, 5, 4]


def test_an_entry_cannot_be_corrected_twice(seeded) -> None:
    store, _, actor, patient = seeded
    original = store.list_entries(actor, patient["id"], history=True)[0]
    with pytest.raises(Conflict):
        store.add_entry(actor, patient["id"], {"entry_date": date(2026, 11, 3), "pain_now": 3}, supersedes=original["id"])


def test_plan_changes_are_recorded_with_who_and_why(seeded) -> None:
    store, _, actor, patient = seeded
    plan = store.get_plan(actor, patient["id"])
    assert plan["phase"] == 2
    assert plan["changes"][0]["reason"] == "Milestones met early"
    assert plan["changes"][0]["changed_by"] == actor.id


def test_assessment_keeps_engine_and_knowledge_versions(seeded) -> None:
    store, _, actor, patient = seeded
    stored = store.list_assessments(actor, patient["id"])[0]
    assert stored["engine_version"] and stored["knowledge_version"] == store.kb.version
    assert stored["result"]["triage"]["level"] == stored["triage_level"]


def test_export_then_import_round_trips_losslessly(seeded, tmp_path) -> None:
    store, clinic, _, _ = seeded
    exported = export_clinic(store.db, clinic)
    other = Database(f"sqlite:///{tmp_path}/other.db")
    other.upgrade()
    assert import_clinic(other, json.loads(json.dumps(exported))) == clinic
    assert export_clinic(other, clinic) == exported
    assert len(exported["tables"]["tracking_entries"]) == 3
    assert exported["tables"]["audit_log"], "the audit trail moves with the clinic"


def test_import_never_overwrites_an_existing_clinic(seeded) -> None:
    store, clinic, _, _ = seeded
    with pytest.raises(Conflict):
        import_clinic(store.db, export_clinic(store.db, clinic))


def test_unknown_clinic_export_is_not_found(store) -> None:
    with pytest.raises(NotFound):
        export_clinic(store.db, "no-such-clinic")


def test_cli_export_and_import(seeded, tmp_path) -> None:
    from typer.testing import CliRunner

    from scapula.cli import app

    store, clinic, _, _ = seeded
    runner = CliRunner()
    exported = runner.invoke(app, ["export", "--clinic", clinic, "--database", store.db.url])
    assert exported.exit_code == 0
    target = f"sqlite:///{tmp_path}/cli.db"
    (tmp_path / "clinic.json").write_text(exported.stdout)
    imported = runner.invoke(app, ["import", str(tmp_path / "clinic.json"), "--database", target])
    assert imported.exit_code == 0 and clinic in imported.stdout
    again = runner.invoke(app, ["export", "--clinic", clinic, "--database", target])
    assert json.loads(again.stdout) == json.loads(exported.stdout)
