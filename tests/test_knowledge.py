"""The knowledge files load, and the loader rejects what a reviewer could get wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scapula.errors import KnowledgeError
from scapula.knowledge import DATA_DIR, load_knowledge
from scapula.vocabulary import DriverId


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _problems(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    return str(info.value)


def test_shipped_knowledge_loads(kb) -> None:
    assert len(kb.triage_rules) >= 60
    assert set(kb.drivers) == set(DriverId)
    assert len(kb.version) == 12


def test_every_driver_has_rules_for_and_against(kb) -> None:
    for driver in DriverId:
        weights = [w for r in kb.driver_rules for d, w in r.spec.drivers.items() if d == driver]
        assert any(w > 0 for w in weights) and any(w < 0 for w in weights), driver


def test_rule_citing_an_unknown_source_is_rejected(data_copy: Path) -> None:
    _edit(data_copy / "rules_triage.yaml", lambda rules: rules[0]["cite"].append("no-such-paper-2099"))
    message = _problems(data_copy)
    assert "rules_triage.yaml: cord-sphincter-or-saddle" in message
    assert "cites unknown source 'no-such-paper-2099'" in message


def test_rule_naming_an_unknown_value_is_rejected(data_copy: Path) -> None:
    _edit(data_copy / "rules_triage.yaml", lambda rules: rules[0].update(when="associated.tingly_toes"))
    assert "'tingly_toes' is not a value of associated" in _problems(data_copy)


def test_rule_naming_an_unknown_field_is_rejected(data_copy: Path) -> None:
    _edit(data_copy / "rules_drivers.yaml", lambda rules: rules[0].update(when="shoe_size >= 44"))
    assert "'shoe_size' is not a numeric intake field" in _problems(data_copy)


def test_reused_rule_id_is_rejected(data_copy: Path) -> None:
    _edit(data_copy / "rules_drivers.yaml", lambda rules: rules[1].update(id=rules[0]["id"]))
    assert "duplicate rule id" in _problems(data_copy)


def test_a_caution_cannot_demand_urgent_care(data_copy: Path) -> None:
    def change(rules):
        caution = next(r for r in rules if r["kind"] == "caution")
        caution["level"] = "urgent"
    _edit(data_copy / "rules_triage.yaml", change)
    assert "a caution may demand at most medical_review" in _problems(data_copy)


def test_malformed_yaml_names_file_and_line(data_copy: Path) -> None:
    (data_copy / "imaging.yaml").write_text("- id: x\n  title: [unclosed\n")
    assert "imaging.yaml:" in _problems(data_copy)


def test_missing_label_is_rejected(data_copy: Path) -> None:
    _edit(data_copy / "labels.yaml", lambda labels: labels["values"]["locations"].pop("neck"))
    assert "no label for 'neck'" in _problems(data_copy)


def test_every_problem_is_reported_at_once(data_copy: Path) -> None:
    _edit(data_copy / "rules_triage.yaml", lambda rules: [r["cite"].append("nope-1") for r in rules[:3]])
    assert _problems(data_copy).count("nope-1") == 3
