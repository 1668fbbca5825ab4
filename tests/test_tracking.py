"""Progress tracking told as clinical stories: what a person reports, what Scapula advises next."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from scapula.engine import assess
from scapula.errors import KnowledgeError
from scapula.intake import parse_intake
from scapula.knowledge import DATA_DIR
from scapula.plan import build_plan
from scapula.tracking import (
    Baseline,
    Decision,
    TrackingEntry,
    decide,
    flare_runs,
    load_progression,
    load_spikes,
    meaningful_change,
    red_flag_check_from,
    weekly_series,
)

from .conftest import CROWDED

START = date(2025, 3, 3)  # a Monday
INTAKE = parse_intake(CROWDED)  # desk worker who trains: pain now 5, worst this week 7
PLAN = build_plan(INTAKE, assess(INTAKE))
MILESTONES = {phase.number: phase.milestones for phase in PLAN.phases}
BASELINE = Baseline.from_intake(INTAKE, START, psfs=3.0, usual_training_volume=100)
NO_RED_FLAGS = red_flag_check_from(INTAKE)


def day(n: int) -> date:
    return START + timedelta(days=n)


def improving_diary(days: int, *, flares: tuple[int, ...] = (), skip: tuple[int, ...] = ()) -> list[TrackingEntry]:
    """Pain now 5 -> 2 and worst 7 -> 3 over two weeks; sitting, function and training build up."""
    return [
        TrackingEntry(
            day(n),
            pain_now=max(2, 5 - n // 4),
            pain_worst=max(3, 7 - n // 3),
            psfs=(("sitting at work", min(10, 3 + n / 4)), ("rowing", min(10, 2 + n / 4))),
            sitting_minutes=20 + 3 * n,
            training_volume=10.0 if n % 7 in (0, 2, 4) else 0.0,
            flare=n in flares,
            exercises_done=True,
        )
        for n in range(days) if n not in skip
    ]


def flat_diary(days: int, pain_now: int = 5, pain_worst: int = 7, **extra: object) -> list[TrackingEntry]:
    return [TrackingEntry(day(n), pain_now=pain_now, pain_worst=pain_worst, exercises_done=True, **extra)
            for n in range(days)]


# ----------------------------------------------------------------------------- meaningful change


def test_two_point_drop_is_meaningful() -> None:
    change = meaningful_change(6, 4)
    assert change.meaningful and change.direction == "improved"
    assert change.difference == -2 and round(change.percent or 0) == -33
    assert "farrar-pain-change-2001" in change.citations


def test_one_point_drop_from_moderate_pain_is_not_meaningful() -> None:
    change = meaningful_change(6, 5)  # 17%
    assert not change.meaningful and change.direction == "unchanged"


def test_thirty_percent_drop_from_low_baseline_is_meaningful() -> None:
    assert meaningful_change(3, 2).direction == "improved"  # one point, but a third of the pain


def test_half_point_drop_is_never_meaningful_even_when_it_is_a_third() -> None:
    assert meaningful_change(1.5, 1.0).direction == "unchanged"  # below the scale's resolution


def test_a_rise_is_meaningful_from_two_points_not_from_thirty_percent() -> None:
    assert meaningful_change(2, 3).direction == "unchanged"  # +50% but one point
    assert meaningful_change(4, 6).direction == "worse"


def test_psfs_two_point_gain_on_the_average_is_meaningful() -> None:
    gain = meaningful_change(3, 5, scale="psfs")
    assert gain.direction == "improved" and gain.citations == ("stratford-psfs-1995",)
    assert meaningful_change(3, 4.5, scale="psfs").direction == "unchanged"
    assert meaningful_change(6, 4, scale="psfs").direction == "worse"


# ----------------------------------------------------------------------------- weekly series


def test_weekly_series_summarises_each_plan_week_and_keeps_silent_weeks() -> None:
    entries = [
        TrackingEntry(day(0), pain_now=6, pain_worst=8, psfs=(("lift", 2), ("sit", 4)), sitting_minutes=20,
                      training_volume=10, exercises_done=True),
        TrackingEntry(day(1), pain_now=4, pain_worst=6, flare=True, exercises_done=False),
        TrackingEntry(day(2), pain_now=5, psfs=(("lift", 5),), sitting_minutes=35, training_volume=5),
        TrackingEntry(day(3), pain_now=9, flare=True, exercises_done=True),  # one bad day
        TrackingEntry(day(16), pain_now=3, pain_worst=4, exercises_done=True),
        TrackingEntry(day(-2), pain_now=10),  # before the plan: ignored
    ]
    weeks = weekly_series(entries, START)
    assert [w.number for w in weeks] == [1, 2, 3]
    first, silent, third = weeks
    assert first.days_reported == 4 and first.pain_now_median == 5.5 and first.pain_worst_max == 8
    assert first.psfs_mean == 4.0  # entries average 3 and 5
    assert first.sitting_minutes_max == 35 and first.training_volume == 15 and first.flares == 2
    assert first.exercise_days == 2 and first.adherence == pytest.approx(2 / 3)
    assert silent.days_reported == 0 and silent.pain_now_median is None and silent.adherence is None
    assert third.start == day(14) and third.end == day(20) and third.pain_now_median == 3


# ----------------------------------------------------------------------------- load


def _training(volumes_by_week: list[list[float]], flares: tuple[int, ...] = ()) -> list[TrackingEntry]:
    """Sessions on Monday and Thursday of each week with the given volumes; flare days by offset."""
    entries = []
    for week, volumes in enumerate(volumes_by_week):
        for offset, volume in zip((0, 3), volumes, strict=False):
            entries.append(TrackingEntry(day(7 * week + offset), pain_now=3, training_volume=volume))
    entries += [TrackingEntry(day(n), pain_now=6, flare=True) for n in flares]
    return entries


def test_volume_spike_followed_by_next_day_flare_is_detected() -> None:
    # Four weeks of 2 x 5 sets, then 2 x 8 sets: 16 against a usual 10 (ratio 1.6, +60%).
    entries = _training([[5, 5]] * 4 + [[8, 8]], flares=(32,))  # Thursday of week 5 is day 31
    [spike] = load_spikes(entries, START)
    assert spike.week == 5 and spike.ratio == pytest.approx(1.6) and spike.chronic == 10
    assert spike.week_on_week_percent == pytest.approx(60)
    assert spike.followed_by_flare and spike.flare_dates == (day(32),)


def test_steady_ten_percent_weekly_build_up_is_not_a_spike() -> None:
    entries = _training([[5, 5], [5.5, 5.5], [6, 6], [6.6, 6.6], [7.3, 7.3], [8, 8]])
    assert load_spikes(entries, START) == []


def test_flare_three_days_after_the_session_is_not_blamed_on_it() -> None:
    entries = _training([[5, 5]] * 4 + [[8, 8]], flares=(34,))
    [spike] = load_spikes(entries, START)
    assert not spike.followed_by_flare and spike.flare_dates == ()


def test_back_to_usual_after_a_light_week_is_not_a_spike() -> None:
    assert load_spikes(_training([[5, 5], [5, 5], [5, 5], [3, 3], [5, 5]]), START) == []


def test_early_weeks_are_judged_week_on_week() -> None:
    [spike] = load_spikes(_training([[5, 5], [10, 10]], flares=(8,)), START)
    assert spike.week == 2 and spike.ratio is None and spike.week_on_week_percent == 100
    assert spike.flare_dates == (day(8),)


def test_flare_days_with_a_silent_day_between_are_two_flares() -> None:
    entries = [TrackingEntry(day(n), flare=True) for n in (1, 3, 4)]
    assert flare_runs(entries) == [(day(1), day(1)), (day(3), day(4))]


# ----------------------------------------------------------------------------- decisions


def test_steady_improvement_with_milestones_met_advances() -> None:
    decision = decide(1, START, day(13), improving_diary(14), BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "advance" and decision.next_phase == 2
    assert decision.pain_change is not None and decision.pain_change.direction == "improved"
    measured = [m for m in decision.milestones if m.met is not None]
    assert sum(m.met for m in measured) / len(measured) >= 0.6
    assert {m.measure for m in decision.milestones if m.met is None} == {
        "end_of_day_spikes_per_week", "overhead_reach_pain"}  # checked at the visit, not in the diary
    assert decision.headline_patient == "You are ready to move on to stage 2."
    assert "farrar-pain-change-2001" in decision.citations


def test_improving_but_too_early_in_the_phase_holds() -> None:
    decision = decide(1, START, day(7), improving_diary(8), BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "hold"
    assert decision.reasons[0].code == "hold_too_early"
    assert "at least 10 days (3 more)" in decision.reasons[0].patient


def test_thin_diary_does_not_advance() -> None:
    entries = improving_diary(14, skip=(8, 9, 10, 11, 12))
    decision = decide(1, START, day(13), entries, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "hold" and "hold_few_entries" in [r.code for r in decision.reasons]


def test_flare_lasting_three_days_steps_back() -> None:
    entries = improving_diary(14, flares=(10, 11, 12))
    decision = decide(1, START, day(13), entries, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "step_back" and decision.next_phase == 1
    assert [r.code for r in decision.reasons] == ["step_back_long_flare"]
    assert "3 days in a row" in decision.reasons[0].patient and "> 48 h" in decision.reasons[0].clinician


def test_two_day_flare_holds_without_stepping_back() -> None:
    entries = improving_diary(14, flares=(11, 12))
    decision = decide(1, START, day(13), entries, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "hold" and [r.code for r in decision.reasons] == ["hold_flare"]


def test_pain_two_points_worse_than_the_phase_first_week_steps_back_to_the_previous_phase() -> None:
    phase_start = day(10)
    entries = improving_diary(10) + [
        TrackingEntry(day(n), pain_now=3 if n < 17 else 5, pain_worst=4 if n < 17 else 6, exercises_done=True)
        for n in range(10, 28)
    ]
    decision = decide(2, phase_start, day(27), entries, BASELINE, MILESTONES[2], NO_RED_FLAGS)
    assert decision.kind == "step_back" and decision.next_phase == 1
    [reason] = decision.reasons
    assert reason.code == "step_back_pain_worse"
    assert "2 points higher than in the first week of this stage (4 then, 6 now)" in reason.patient


def test_a_step_back_is_not_repeated_for_the_same_flare_or_rise() -> None:
    # Stepped back on day 26 after a three-day flare; the next day, the same flare is history.
    entries = improving_diary(28, flares=(24, 25, 26))
    assert decide(2, day(14), day(26), entries, BASELINE, MILESTONES[2], NO_RED_FLAGS).kind == "step_back"
    again = decide(1, day(26), day(27), entries, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert again.kind == "hold" and "hold_flare" in [r.code for r in again.reasons]
    # Stepped back on day 27 after pain rose 2 points; a day later the week before is the reference.
    risen = improving_diary(10) + [
        TrackingEntry(day(n), pain_now=3 if n < 17 else 5, pain_worst=4 if n < 17 else 6, exercises_done=True)
        for n in range(10, 29)
    ]
    assert decide(2, day(10), day(27), risen, BASELINE, MILESTONES[2], NO_RED_FLAGS).kind == "step_back"
    next_day = decide(1, day(27), day(28), risen, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert next_day.kind != "step_back" and next_day.also == ()  # (4 weeks without a clear gain: review)


def test_load_spike_followed_by_flare_steps_back() -> None:
    entries = _training([[5, 5]] * 4 + [[8, 8]], flares=(32,))
    decision = decide(2, day(14), day(33), entries, Baseline(START, 5, 7), MILESTONES[2], NO_RED_FLAGS)
    assert decision.kind == "step_back"
    [reason] = decision.reasons
    assert reason.code == "step_back_spike_flare"
    assert "16 against your usual 10 a week" in reason.patient
    assert "gabbett-training-injury-2016" in reason.citations


def test_no_improvement_after_four_weeks_asks_for_review() -> None:
    decision = decide(2, day(14), day(29), flat_diary(30), BASELINE, MILESTONES[2], NO_RED_FLAGS)
    assert decision.kind == "review"
    reason = decision.reasons[0]
    assert reason.code == "review_no_improvement" and "MRI" in reason.patient and "MRI" in reason.clinician
    assert {"acr-low-back-pain-2021", "seed-droracle-interscapular"} <= set(decision.citations)


def test_three_weeks_without_improvement_is_not_yet_a_review() -> None:
    decision = decide(1, START, day(20), flat_diary(21), BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind == "hold" and "hold_pain" in [r.code for r in decision.reasons]


def test_clearly_better_function_without_pain_change_is_not_sent_for_review() -> None:
    entries = flat_diary(30, psfs=(("sitting at work", 7),))
    decision = decide(2, day(14), day(29), entries, BASELINE, MILESTONES[2], NO_RED_FLAGS)
    assert decision.kind != "review"
    assert decision.psfs_change is not None and decision.psfs_change.direction == "improved"


def test_new_saddle_numbness_triggers_retriage_before_anything_else() -> None:
    # Five weeks without improvement and a three-day flare, then saddle numbness is reported.
    entries = [*flat_diary(35, flare=False)[:31],
               *(TrackingEntry(day(n), pain_now=7, pain_worst=8, flare=True) for n in (31, 32, 33)),
               TrackingEntry(day(34), pain_now=7, pain_worst=8, new_symptoms=("saddle_anesthesia",))]
    decision = decide(2, day(14), day(34), entries, BASELINE, MILESTONES[2], NO_RED_FLAGS)
    assert decision.kind == "retriage"
    assert "cord-sphincter-or-saddle" in decision.red_flags
    assert set(decision.also) == {"review", "step_back"}
    assert "Stop the exercises" in decision.headline_patient
    assert "numbness" in decision.reasons[0].patient


def test_harmless_new_symptom_does_not_retriage() -> None:
    entries = [*improving_diary(13), TrackingEntry(day(13), pain_now=2, pain_worst=3, new_symptoms=("headache",),
                                                    exercises_done=True)]
    decision = decide(1, START, day(13), entries, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert decision.kind != "retriage" and decision.red_flags == ()


def test_new_symptom_without_a_red_flag_check_asks_for_retriage() -> None:
    entries = [*improving_diary(13), TrackingEntry(day(13), pain_now=2, new_symptoms=("fever",))]
    decision = decide(1, START, day(13), entries, BASELINE, MILESTONES[1], red_flag_check=None)
    assert decision.kind == "retriage" and decision.reasons[0].code == "retriage_unchecked"


def test_phase_three_with_low_pain_is_discharged_to_self_management() -> None:
    entries = improving_diary(14) + [
        TrackingEntry(day(n), pain_now=1, pain_worst=2, psfs=(("rowing", 9),), sitting_minutes=130,
                      training_volume=50.0 if n % 2 else 0.0, exercises_done=n % 2 == 0)
        for n in range(14, 70)
    ]
    decision = decide(3, day(40), day(69), entries, BASELINE, MILESTONES[3], NO_RED_FLAGS)
    assert decision.kind == "advance" and decision.next_phase is None
    assert decision.headline_clinician == "Discharge to self-management."


def test_decision_is_deterministic_and_ignores_entries_after_today() -> None:
    entries = improving_diary(14)
    later = [TrackingEntry(day(n), pain_now=9, pain_worst=10, flare=True) for n in range(14, 20)]
    first = decide(1, START, day(13), entries + later, BASELINE, MILESTONES[1], NO_RED_FLAGS)
    again = decide(1, START, day(13), list(reversed(entries)), BASELINE, MILESTONES[1], NO_RED_FLAGS)
    assert first == again and first.kind == "advance"


def test_patient_words_stay_plain() -> None:
    stories = [
        decide(1, START, day(13), improving_diary(14, flares=(10, 11, 12)), BASELINE, MILESTONES[1], NO_RED_FLAGS),
        decide(2, day(14), day(29), flat_diary(30), BASELINE, MILESTONES[2], NO_RED_FLAGS),
        decide(1, START, day(20), flat_diary(21), BASELINE, MILESTONES[1], NO_RED_FLAGS),
    ]
    for decision in stories:
        for text in decision.texts("patient"):
            assert not any(jargon in text for jargon in ("NPRS", "PSFS", "phase", "acute:chronic", ">="))
        assert decision.texts("clinician") != decision.texts("patient")


# ----------------------------------------------------------------------------- the rules file


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_progression_rules_reject_an_unknown_placeholder(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    raw = yaml.safe_load((data / "progression.yaml").read_text())
    raw["reasons"]["hold_flare"]["patient"] = "Flare for {dayz} days"
    (data / "progression.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(KnowledgeError) as err:
        load_progression(data)
    assert "reasons.hold_flare.patient" in str(err.value) and "dayz" in str(err.value)


def test_progression_rules_reject_an_unknown_source_and_a_missing_text(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    raw = yaml.safe_load((data / "progression.yaml").read_text())
    raw["load"]["cite"].append("no-such-paper-2099")
    del raw["reasons"]["hold_steady"]
    (data / "progression.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(KnowledgeError) as err:
        load_progression(data)
    assert "hold_steady" in str(err.value)


def test_progression_rules_cite_only_known_sources(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    raw = yaml.safe_load((data / "progression.yaml").read_text())
    raw["load"]["cite"].append("no-such-paper-2099")
    (data / "progression.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(KnowledgeError, match="no-such-paper-2099"):
        load_progression(data)


def test_entries_reject_impossible_values() -> None:
    with pytest.raises(ValueError, match="pain_now"):
        TrackingEntry(day(0), pain_now=11)
    with pytest.raises(ValueError, match="new_symptoms"):
        TrackingEntry(day(0), new_symptoms=("tingly_toes",))
    with pytest.raises(ValueError, match="psfs"):
        TrackingEntry(day(0), psfs=(("lifting", 12),))


def test_entries_arrive_from_json_through_a_type_adapter() -> None:
    adapter = TypeAdapter(TrackingEntry)
    entry = adapter.validate_python({"entry_date": "2025-03-04", "pain_now": 4, "psfs": [["lifting", 4], ["sitting", 6]]})
    assert entry.entry_date == day(1) and entry.psfs_average == 5
    stored = TrackingEntry(day(1), psfs=[{"activity": "lifting", "score": 4}, ["sitting", 6]])  # type: ignore[list-item]
    assert stored.psfs == (("lifting", 4), ("sitting", 6))
    with pytest.raises(ValidationError, match="pain_now"):
        adapter.validate_python({"entry_date": "2025-03-04", "pain_now": 13})


def test_a_decision_serialises_with_its_reasons_and_sources() -> None:
    decision = decide(1, START, day(13), improving_diary(14), BASELINE, MILESTONES[1], NO_RED_FLAGS)
    data = TypeAdapter(Decision).dump_python(decision, mode="json")
    assert data["kind"] == "advance" and data["reasons"][0]["patient"] and data["citations"]
