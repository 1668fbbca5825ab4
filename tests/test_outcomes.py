"""Outcome figures on small cohorts computed by hand, and plots that open as images."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from scapula.outcomes import clinic_cohort, clinic_report, patient_outcome, patient_trend
from scapula.tracking import TrackingEntry

START = date(2025, 1, 6)
TODAY = date(2025, 6, 2)  # 147 days after START: everyone starting then is past week 12


def day(n: int, start: date = START) -> date:
    return start + timedelta(days=n)


def weekly(pains: dict[int, list[int]], start: date = START, **extra: object) -> list[TrackingEntry]:
    """Entries from {week number: [pain now, ...]}, one a day from the first day of that week."""
    return [TrackingEntry(day(7 * (week - 1) + n, start), pain_now=p, **extra)
            for week, values in pains.items() for n, p in enumerate(values)]


def course(baseline: int, week6: int, week12: int, start: date = START) -> list[TrackingEntry]:
    """A rating each week; weeks 1, 6 and 12 as given, the weeks between on a straight line."""
    pains = {}
    for week in range(1, 13):
        if week <= 6:
            value = baseline + (week6 - baseline) * (week - 1) / 5
        else:
            value = week6 + (week12 - week6) * (week - 6) / 6
        pains[week] = [round(value)]
    return weekly(pains, start)


# ----------------------------------------------------------------------------- one patient


def test_patient_outcome_by_hand() -> None:
    entries = weekly({1: [6, 8, 6], 2: [5, 5], 3: [4, 3, 4], 4: [3]})
    entries += [TrackingEntry(day(1), psfs=(("lift", 2), ("sit", 4))), TrackingEntry(day(22), psfs=(("lift", 6),))]
    outcome = patient_outcome(entries, START, TODAY)
    assert outcome.baseline == 6 and outcome.latest == 3 and outcome.latest_week == 4
    assert outcome.change == -3 and outcome.percent_change == -50 and outcome.improved
    assert outcome.weeks_to_meaningful_change == 3  # week 2 (6 -> 5) is not enough; week 3 (4) is
    assert outcome.weekly_pain[:4] == (6, 5, 4, 3)
    assert outcome.psfs_baseline == 3 and outcome.psfs_latest == 6 and outcome.psfs_change == 3
    assert outcome.psfs_improved


def test_patient_without_meaningful_change_has_no_week_of_change() -> None:
    outcome = patient_outcome(weekly({1: [5], 2: [5], 3: [4]}), START, day(20))
    assert outcome.weeks_to_meaningful_change is None and not outcome.improved
    assert outcome.change == -1 and outcome.percent_change == -20


def test_silence_for_three_weeks_before_week_twelve_is_a_drop_out() -> None:
    horizon = day(83)  # last day of week 12
    stayed = patient_outcome([TrackingEntry(day(63), pain_now=3)], START, TODAY)  # 20 days of silence
    left = patient_outcome([TrackingEntry(day(62), pain_now=3)], START, TODAY)  # 21 days
    assert (horizon - day(63)).days == 20 and not stayed.dropped_out
    assert left.dropped_out
    too_early = patient_outcome([], START, day(19))
    assert not too_early.dropped_out


# ----------------------------------------------------------------------------- a clinic


def small_clinic() -> dict[str, tuple[date, list[TrackingEntry]]]:
    late = TODAY - timedelta(days=10)
    return {
        "a": (START, course(8, 5, 2)),                          # -6 points, 75% less
        "b": (START, course(4, 4, 3)),                          # -1 point, 25% less: not meaningful
        "c": (START, weekly({1: [5], 2: [5], 3: [5], 4: [5], 5: [5]})),  # silent after day 28
        "d": (START, course(0, 0, 0)),                          # no pain to reduce
        "e": (late, weekly({1: [7, 7]}, late)),                 # started 10 days ago
    }


def test_clinic_report_by_hand() -> None:
    report = clinic_report(small_clinic(), TODAY)
    assert report.patients == 5 and report.with_baseline == 5
    six, twelve = report.at_6_weeks, report.at_12_weeks
    # Week 6: a (8 -> 5) improved; b (4 -> 4) and d (0 -> 0) did not; c has no week-6 rating; e too new.
    assert (six.eligible, six.followed, six.improved) == (4, 3, 1)
    assert six.share == pytest.approx(1 / 3) and six.share_of_eligible == pytest.approx(1 / 4)
    assert (twelve.eligible, twelve.followed, twelve.improved) == (4, 3, 1)
    assert sorted(report.changes_12) == [-6, -1, 0] and report.median_change_12 == -1
    # Hinge-style: mean of (baseline - week 12) / baseline over a and b (d has baseline 0).
    assert report.percent_reduction_patients == 2
    assert report.mean_percent_reduction_12 == pytest.approx((75 + 25) / 2)
    assert report.reduction_of_mean_12 == pytest.approx((6 - 2.5) / 6 * 100)
    # Drop-out: c stopped after day 28; e has not been followed 21 days yet.
    assert (report.dropout_at_risk, report.dropped_out) == (4, 1) and report.dropout_share == 0.25
    assert report.outcomes["c"].dropped_out and not report.outcomes["a"].dropped_out


def test_a_week_still_running_is_not_reported_as_followed() -> None:
    start = TODAY - timedelta(days=80)  # in week 12, which ends in 3 days
    entries = [*course(8, 5, 2, start)[:-1], TrackingEntry(day(77, start), pain_now=2)]
    report = clinic_report({"x": (start, entries)}, TODAY)
    assert report.at_12_weeks.eligible == 0 and report.changes_12 == ()
    assert report.at_6_weeks.followed == 1
    assert report.mean_percent_reduction_12 is None


def test_empty_clinic_reports_nothing_rather_than_failing() -> None:
    report = clinic_report({}, TODAY)
    assert report.patients == 0 and report.at_12_weeks.share is None and report.dropout_share is None


# ----------------------------------------------------------------------------- plots


def _trend_entries() -> list[TrackingEntry]:
    return [TrackingEntry(day(n), pain_now=max(1, 7 - n // 5), pain_worst=max(2, 8 - n // 5),
                          psfs=(("sit", min(10, 2 + n / 5)),) if n % 7 == 0 else (), flare=n in (9, 10))
            for n in range(42) if n % 6]


def test_patient_trend_is_a_png_and_is_written_where_asked(tmp_path: Path) -> None:
    out = tmp_path / "trend.png"
    data = patient_trend(_trend_entries(), [(1, START), (2, day(14)), (3, day(35))], out=out)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and out.read_bytes() == data


def test_patient_trend_svg_parses_and_is_labelled() -> None:
    data = patient_trend(_trend_entries(), [(1, START), (2, day(14))], fmt="svg")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    text = " ".join(t for t in root.itertext())
    for label in ("Pain (0-10)", "Function (PSFS 0-10)", "Phase 2", "Flare-up", "Date"):
        assert label in text


def test_patient_trend_without_entries_still_draws() -> None:
    assert patient_trend([], [], fmt="png").startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="fmt"):
        patient_trend(_trend_entries(), [], fmt="gif")  # type: ignore[arg-type]


def test_clinic_cohort_plots_in_both_formats() -> None:
    report = clinic_report(small_clinic(), TODAY)
    assert clinic_cohort(report).startswith(b"\x89PNG")
    root = ET.fromstring(clinic_cohort(report, fmt="svg"))
    text = " ".join(root.itertext())
    assert "Week 12" in text and "Change in pain at week 12" in text and "average pain reduction" in text
    assert clinic_cohort(clinic_report({}, TODAY), fmt="svg").startswith(b"<?xml")
