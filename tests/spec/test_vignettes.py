"""Safety floor on the independent vignette set: no case is triaged less urgently than every
level a clinician would accept. Accuracy figures live in bench/vignettes.py, not here."""

from __future__ import annotations

import sys

import yaml

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from vignettes import evaluate


def test_no_vignette_is_under_triaged() -> None:
    cases = yaml.safe_load((ROOT / "tests" / "spec" / "vignettes.yaml").read_text())
    rows = evaluate(cases)["rows"]
    under = [(r["id"], r["title"], r["got"].value) for r in rows if r["under"]]
    assert under == []


def test_every_required_condition_is_raised() -> None:
    cases = yaml.safe_load((ROOT / "tests" / "spec" / "vignettes.yaml").read_text())
    rows = evaluate(cases)["rows"]
    assert [(r["id"], r["cond_missed"]) for r in rows if r["cond_missed"]] == []
