"""The intake model follows docs/intake.md exactly, and docs/intake.md follows the shared spec."""

from __future__ import annotations

import re

import pytest

from scapula.intake.fields import FieldKind, field_registry

from .conftest import ROOT

DOC = (ROOT / "docs" / "intake.md").read_text()
SHARED = ROOT.parent / "shared" / "spec" / "intake.md"


def _section(name: str) -> list[str]:
    match = re.search(rf"^### `{name}`\n(.*?)(?=^#)", DOC, re.S | re.M)
    assert match, name
    return re.findall(r"`([a-z0-9_]+)`", match.group(1))


@pytest.mark.parametrize("field", ["locations", "qualities", "aggravators", "relievers", "patterns",
                                   "associated", "history", "exam"])
def test_list_vocabulary_matches_the_contract(field: str) -> None:
    assert list(field_registry()[field].values) == _section(field)


def test_every_table_field_is_in_the_model_and_nothing_else_but_documented_extensions() -> None:
    table = re.findall(r"^\| `([a-z_]+)` \|", DOC, re.M)
    extensions = re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "intake-extensions.md").read_text(), re.M)
    registry = {path.split(".")[0] for path in field_registry()}
    assert set(table) | set(extensions) == registry
    assert not set(table) & set(extensions)


def test_equipment_values_match_the_exercise_catalogue() -> None:
    from scapula.exercises.catalogue import EQUIPMENT

    assert set(field_registry()["equipment"].values) == set(EQUIPMENT)


def test_exam_negative_uses_the_exam_values() -> None:
    reg = field_registry()
    assert reg["exam_negative"].values == reg["exam"].values
    assert reg["exam"].kind is FieldKind.LIST


@pytest.mark.skipif(not SHARED.exists(), reason="shared spec not checked out beside the repo")
def test_docs_copy_is_in_step_with_the_shared_spec() -> None:
    assert SHARED.read_text() == DOC
