"""Every triage rule fires on its own and when hidden among ordinary findings; hand-written
clinical cases check that the combinations behave as clinicians weigh them."""

from __future__ import annotations

import pytest

from scapula.engine import assess
from scapula.knowledge import load_knowledge
from scapula.testing.witness import example_intake
from scapula.vocabulary import LEVEL_ORDER, ConditionId, Level

from .conftest import CROWDED, run

KB = load_knowledge()
TRIAGE_RULES = list(KB.triage_rules)


def _fires_with_level(rule, intake) -> None:
    result = assess(intake, KB)
    spec = rule.spec
    assert rule.id in [r.rule for r in result.triage.reasons], f"{rule.id} did not fire"
    assert LEVEL_ORDER[result.triage.level] >= LEVEL_ORDER[spec.level], (
        f"{rule.id} demands {spec.level} but the assessment says {result.triage.level}"
    )
    if spec.kind == "red_flag":
        assert rule.id in result.red_flags
    for condition in spec.suspects:
        assert condition in result.suspected_conditions


@pytest.mark.parametrize("rule", TRIAGE_RULES, ids=lambda r: r.id)
def test_rule_fires_alone(rule) -> None:
    intake = example_intake(rule)
    assert intake is not None, f"no intake found that fires {rule.id}"
    _fires_with_level(rule, intake)


@pytest.mark.parametrize("rule", TRIAGE_RULES, ids=lambda r: r.id)
def test_rule_fires_hidden_in_crowded_intake(rule) -> None:
    intake = example_intake(rule, base=CROWDED)
    assert intake is not None, f"{rule.id} cannot fire among ordinary findings"
    _fires_with_level(rule, intake)


def test_every_suspected_condition_can_be_raised() -> None:
    raised = {c for r in KB.triage_rules for c in r.spec.suspects}
    assert raised == set(ConditionId)


def test_emergency_lists_no_drivers_to_compete_with_the_referral() -> None:
    result = run({"age": 60, "associated": ["chest_pain", "sweating"]})
    assert result.triage.level is Level.emergency
    assert result.drivers == []


# --- clinical cases, written as a clinician would describe them ------------------------------


def test_exertional_chest_pain_with_sweating_is_emergency() -> None:
    result = run({"age": 58, "locations": ["interscapular", "anterior_chest"], "qualities": ["pressure"],
                  "aggravators": ["physical_exertion"], "associated": ["sweating"], "history": ["smoker"]})
    assert result.triage.level is Level.emergency
    assert "acute_coronary_syndrome" in result.suspected_conditions


def test_saddle_numbness_hidden_in_a_desk_workers_intake_is_emergency(crowded) -> None:
    crowded["associated"].append("saddle_anesthesia")
    result = run(crowded)
    assert result.triage.level is Level.emergency
    assert "cord_compression" in result.suspected_conditions


def test_age_over_50_with_improving_mechanical_pain_is_a_caution_with_a_review_date() -> None:
    result = run({"age": 56, "duration_weeks": 2, "onset": "gradual", "locations": ["interscapular"],
                  "aggravators": ["sitting"], "relievers": ["movement"], "improving": True})
    assert result.triage.level is Level.conservative
    assert "age-over-50-caution" in [r.rule for r in result.triage.reasons]
    assert result.triage.review_in_weeks == 4
    assert result.red_flags == []


def test_history_of_cancer_with_new_thoracic_pain_is_not_ignored() -> None:
    result = run({"age": 47, "history": ["cancer"], "locations": ["thoracic_midline"], "duration_weeks": 1})
    assert result.triage.level is Level.urgent
    assert "malignancy" in result.suspected_conditions
    assert result.triage.imaging[0].id == "mri-urgent"


def test_acute_pain_without_red_flags_gets_no_imaging() -> None:
    result = run({"age": 30, "duration_weeks": 1, "onset": "sudden", "locations": ["medial_scapular_border"],
                  "aggravators": ["lifting"], "improving": True})
    assert result.triage.level is Level.conservative
    assert [i.id for i in result.triage.imaging] == ["none-acute-no-red-flags"]


def test_six_weeks_of_failed_conservative_care_suggests_mri_and_review() -> None:
    result = run({"age": 35, "duration_weeks": 8, "conservative_care_weeks": 6, "improving": False,
                  "locations": ["interscapular"]})
    assert result.triage.level is Level.medical_review
    assert "mri-after-failed-care" in [i.id for i in result.triage.imaging]


def test_red_flags_do_not_wait_for_six_weeks() -> None:
    result = run({"age": 40, "duration_weeks": 0.5, "associated": ["fever"], "history": ["iv_drug_use"],
                  "locations": ["thoracic_midline"]})
    assert result.triage.level is Level.emergency
    assert result.triage.imaging[0].id != "none-acute-no-red-flags"


@pytest.mark.parametrize("red_flag", [
    {"associated": ["chest_pain", "sweating"], "aggravators": ["physical_exertion"]},
    {"associated": ["saddle_anesthesia"]},
    {"associated": ["fever"], "history": ["iv_drug_use"]},
])
def test_an_urgent_red_flag_is_never_paired_with_wait_and_see_imaging(red_flag: dict) -> None:
    # Six weeks of failed care fires the "MRI after failed conservative care" caution too; beside a
    # red flag that advice would read as permission to wait.
    result = run({"age": 58, "duration_weeks": 8, "conservative_care_weeks": 6, "improving": False,
                  "locations": ["interscapular"], **red_flag})
    assert result.triage.level in (Level.emergency, Level.urgent)
    shown = [i.id for i in result.triage.imaging]
    assert "mri-after-failed-care" not in shown and "none-acute-no-red-flags" not in shown
    assert shown, "a red flag still gets its own imaging advice"


def test_weak_flags_combine_into_a_stronger_one() -> None:
    one = run({"age": 45, "associated": ["night_sweats"]})
    several = run({"age": 62, "associated": ["night_sweats", "unexplained_weight_loss"],
                   "patterns": ["night_pain_unremitting"]})
    assert LEVEL_ORDER[one.triage.level] < LEVEL_ORDER[several.triage.level]
    assert several.triage.level is Level.urgent


def test_prior_thoracic_fusion_warrants_early_imaging() -> None:
    result = run({"age": 52, "history": ["thoracic_fusion"], "duration_weeks": 1})
    assert result.triage.level is Level.medical_review
    assert "early-imaging-prior-fusion" in [i.id for i in result.triage.imaging]


def test_inflammatory_back_pain_goes_to_rheumatology_not_urgent_care() -> None:
    result = run({"age": 27, "age_at_onset": 24, "duration_weeks": 30, "onset": "gradual",
                  "relievers": ["exercise", "nsaids"], "patterns": ["wakes_second_half_of_night",
                  "morning_stiffness_over_30min"], "history": ["uveitis"]})
    assert result.triage.level is Level.medical_review
    assert "axial_spondyloarthritis" in result.suspected_conditions


def test_an_ordinary_desk_worker_is_conservative(crowded) -> None:
    result = run(crowded)
    assert result.triage.level is Level.conservative
    assert result.red_flags == []
