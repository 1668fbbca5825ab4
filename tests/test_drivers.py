"""Driver ranking behaves the way a clinician reasons about it."""

from __future__ import annotations

from scapula.vocabulary import DriverId

from .conftest import run


def _top(result) -> str:
    return result.drivers[0].id.value


def test_all_nine_drivers_are_ranked_with_scores() -> None:
    result = run({"age": 30, "locations": ["interscapular"], "aggravators": ["sitting"]})
    assert {d.id for d in result.drivers} == set(DriverId)
    scores = [d.score for d in result.drivers]
    assert scores == sorted(scores, reverse=True)


def test_desk_pattern_points_to_posture() -> None:
    result = run({"age": 32, "desk_hours_per_day": 10, "laptop_without_external_screen": True,
                  "aggravators": ["sitting", "laptop_work", "looking_down"], "patterns": ["end_of_day_spike"],
                  "relievers": ["changing_position"]})
    assert _top(result) == "postural"
    assert "desk_hours_per_day >= 6" in result.drivers[0].evidence


def test_training_spike_with_next_day_flare_points_to_load_capacity() -> None:
    result = run({"age": 27, "onset": "after_training_increase", "training_volume_change_pct": 60,
                  "aggravators": ["pull_ups", "rowing"], "patterns": ["next_day_after_training"]})
    assert _top(result) == "load_capacity"


def test_examination_outweighs_the_same_story_told_by_the_patient() -> None:
    story = {"age": 40, "locations": ["medial_scapular_border"], "aggravators": ["overhead_reach"]}
    examined = {**story, "exam": ["scapular_assistance_test_positive", "scapular_dyskinesis_observed"]}
    before = next(d for d in run(story).drivers if d.id == DriverId.scapular_dyskinesis)
    after = next(d for d in run(examined).drivers if d.id == DriverId.scapular_dyskinesis)
    assert after.score > before.score
    assert _top(run(examined)) == "scapular_dyskinesis"


def test_a_negative_test_argues_against_its_driver() -> None:
    base = {"age": 45, "locations": ["arm", "medial_scapular_border"], "qualities": ["pins_and_needles"]}
    tested = {**base, "exam_negative": ["ulnt_positive"]}
    neural = lambda r: next(d for d in r.drivers if d.id == DriverId.neural_sensitivity)  # noqa: E731
    assert neural(run(tested)).score < neural(run(base)).score
    assert "exam_negative.ulnt_positive" in neural(run(tested)).against


def test_leading_drivers_suggest_tests_not_yet_done() -> None:
    result = run({"age": 35, "aggravators": ["overhead_reach"], "locations": ["medial_scapular_border"],
                  "exam": ["scapular_assistance_test_positive"]})
    tests = [t.test for d in result.drivers[:3] for t in d.tells_apart if t.test]
    assert tests, "leading drivers should say what would tell them apart"
    assert "scapular_assistance_test_positive" not in tests  # already done


def test_every_driver_evidence_item_is_cited(kb) -> None:
    result = run({"age": 33, "aggravators": ["sitting", "deep_breath", "pull_ups"], "exam": ["crepitus_on_scapular_motion"]})
    for driver in result.drivers:
        for reason in driver.reasons:
            assert reason.citations and all(c in kb.sources for c in reason.citations)


def test_texts_follow_the_audience() -> None:
    intake = {"age": 33, "aggravators": ["sitting"], "desk_hours_per_day": 9}
    patient, clinician = run(intake, "patient"), run(intake, "clinician")
    assert patient.drivers[0].name != clinician.drivers[0].name
    assert patient.triage.summary != clinician.triage.summary
