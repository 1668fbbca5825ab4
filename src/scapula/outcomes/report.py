"""Outcomes: how much better people got, per patient and across a clinic.

Weekly pain is the median of the `pain_now` ratings of a plan week (week 1 = the start day and the
6 days after it); baseline is week 1. A change is meaningful when pain fell by >= 2 points or >= 30%
(Farrar 2001), PSFS rose by >= 2 points (Stratford 1995): `scapula.tracking.meaningful_change`.
Pure Python, one pass over each patient's entries: 10,000 patients with 12 weeks of daily entries
are reported in about a second (bench/outcomes.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from math import fsum
from typing import Protocol

from ..tracking.progress import meaningful_change, median
from ..tracking.rules import ProgressionRules, load_progression

__all__ = [
    "DROPOUT_DAYS", "ClinicReport", "DiaryWeeks", "PatientOutcome", "WeekFigure", "clinic_report", "diary_weeks",
    "outcomes_report", "patient_outcome", "psfs_mean", "weeks_outcome",
]

DROPOUT_DAYS = 21
"""No entry for this many days before week 12 was reached counts as dropping out."""
PROGRAMME_WEEKS = 12


class DiaryDay(Protocol):
    """What an outcome reads of a check-in: a `TrackingEntry`, or a lighter row from the store."""

    @property
    def entry_date(self) -> date: ...
    @property
    def pain_now(self) -> int | None: ...
    @property
    def psfs(self) -> tuple[tuple[str, float], ...]: ...


@dataclass(frozen=True, slots=True)
class PatientOutcome:
    start: date
    baseline: float | None
    """Median pain now (0-10) of week 1; None without a week-1 rating."""
    latest: float | None
    """Median pain now of the latest week with a rating (up to today)."""
    latest_week: int | None
    change: float | None
    """latest - baseline, in points (negative = less pain)."""
    percent_change: float | None
    """change as % of baseline (negative = less pain); None when baseline is 0 or unknown."""
    improved: bool
    """Latest pain meaningfully below baseline."""
    weeks_to_meaningful_change: int | None
    """The plan week whose median pain was first meaningfully below baseline (week 3 = the third
    week from the start), or None if it has not happened yet."""
    psfs_baseline: float | None
    psfs_latest: float | None
    psfs_change: float | None
    psfs_improved: bool
    weekly_pain: tuple[float | None, ...]
    """Median pain now per plan week up to today (index 0 = week 1)."""
    last_entry: date | None
    dropped_out: bool
    """No entry in the 21 days up to today, or up to the end of week 12 if that came first."""

    def pain_at(self, week: int) -> float | None:
        return self.weekly_pain[week - 1] if 0 < week <= len(self.weekly_pain) else None


@dataclass(frozen=True, slots=True)
class WeekFigure:
    """Meaningful improvement at one week of care, across a clinic."""

    week: int
    eligible: int
    """Patients whose week `week` has ended by today."""
    followed: int
    """Eligible patients with a baseline and a rating in that week."""
    improved: int
    share: float | None
    """improved / followed (of those followed that long)."""
    share_of_eligible: float | None
    """improved / eligible: patients without a rating that week count as not improved."""


@dataclass(frozen=True, slots=True)
class ClinicReport:
    today: date
    patients: int
    with_baseline: int
    at_6_weeks: WeekFigure
    at_12_weeks: WeekFigure
    median_change_12: float | None
    """Median of (week-12 pain - baseline) in points over patients followed 12 weeks."""
    mean_percent_reduction_12: float | None
    """Average pain reduction at 12 weeks, defined as Hinge Health's 68% figure is described: see
    `clinic_report`."""
    percent_reduction_patients: int
    reduction_of_mean_12: float | None
    """(mean baseline - mean week-12 pain) / mean baseline x 100, same patients: the other common
    reading of "average reduction", for comparison."""
    changes_12: tuple[float, ...]
    """Each followed patient's week-12 change in points, smallest first (for the distribution plot)."""
    dropout_at_risk: int
    """Patients followed for at least 21 days (only they can have dropped out)."""
    dropped_out: int
    dropout_share: float | None
    outcomes: dict[str, PatientOutcome]
    """Each patient's outcome, by id."""


@dataclass(slots=True)
class DiaryWeeks:
    """A diary sorted into plan weeks (0 = the start day and the 6 days after it), within
    [start, today]: what an outcome is computed from. Built from entries by `diary_weeks`, or by
    the store straight from SQL."""

    pain: dict[int, list[int]]
    """The `pain_now` ratings of each week."""
    psfs: dict[int, list[float]]
    """Each week's PSFS entries, each as the mean of its activity scores."""
    last: int | None
    """Days from the start to the latest entry (with or without a rating)."""


def diary_weeks(entries: Iterable[DiaryDay], start: date, today: date) -> DiaryWeeks:
    first, last_day = start.toordinal(), today.toordinal()
    pain: dict[int, list[int]] = {}
    psfs: dict[int, list[float]] = {}
    last = -1
    for entry in entries:
        day = entry.entry_date.toordinal()
        if day < first or day > last_day:
            continue
        if day > last:
            last = day
        week = (day - first) // 7
        if entry.pain_now is not None:
            if week in pain:
                pain[week].append(entry.pain_now)
            else:
                pain[week] = [entry.pain_now]
        if entry.psfs:
            scores = entry.psfs
            psfs.setdefault(week, []).append(psfs_mean(scores))
    return DiaryWeeks(pain, psfs, last - first if last >= 0 else None)


def patient_outcome(entries: Iterable[DiaryDay], start: date, today: date, *,
                    rules: ProgressionRules | None = None) -> PatientOutcome:
    """One patient's outcome from their diary (entries before `start` or after `today` are ignored)."""
    return weeks_outcome(diary_weeks(entries, start, today), start, today, rules=rules)


def weeks_outcome(diary: DiaryWeeks, start: date, today: date, *,
                  rules: ProgressionRules | None = None) -> PatientOutcome:
    """One patient's outcome from their diary sorted into weeks."""
    rules = rules or load_progression()
    first, last_day = start.toordinal(), today.toordinal()
    pain, psfs = diary.pain, diary.psfs
    last = first + diary.last if diary.last is not None else -1
    weeks = (last_day - first) // 7 + 1 if last_day >= first else 0
    weekly = tuple(median(pain[w]) if w in pain else None for w in range(weeks))
    baseline = weekly[0] if weekly else None
    latest_week = max(pain) + 1 if pain else None
    latest = weekly[latest_week - 1] if latest_week else None
    change = percent = None
    improved = False
    first_better = None
    if baseline is not None and latest is not None:
        change = latest - baseline
        percent = change / baseline * 100 if baseline else None
        improved = meaningful_change(baseline, latest, rules=rules).improved
        for number, value in enumerate(weekly[1:], 2):
            if value is not None and meaningful_change(baseline, value, rules=rules).improved:
                first_better = number
                break
    psfs_base = _mean(psfs.get(0))
    psfs_latest = _mean(psfs[max(psfs)]) if psfs else None
    psfs_change = None
    psfs_improved = False
    if psfs_base is not None and psfs_latest is not None:
        psfs_change = psfs_latest - psfs_base
        psfs_improved = meaningful_change(psfs_base, psfs_latest, scale="psfs", rules=rules).improved
    horizon = min(last_day, first + 7 * PROGRAMME_WEEKS - 1)
    dropped = horizon - (last if last >= 0 else first - 1) >= DROPOUT_DAYS
    return PatientOutcome(
        start=start, baseline=baseline, latest=latest, latest_week=latest_week, change=change,
        percent_change=percent, improved=improved, weeks_to_meaningful_change=first_better,
        psfs_baseline=psfs_base, psfs_latest=psfs_latest, psfs_change=psfs_change, psfs_improved=psfs_improved,
        weekly_pain=weekly, last_entry=date.fromordinal(last) if last >= 0 else None, dropped_out=dropped,
    )


def psfs_mean(scores: Iterable[tuple[str, float]]) -> float | None:
    """One entry's PSFS: the mean of its activity scores (None without any)."""
    return _mean([score for _, score in scores])


def _mean(values: list[float] | None) -> float | None:
    # fsum: exactly rounded, so the figure does not depend on the order the entries came in.
    return fsum(values) / len(values) if values else None


def _week_figure(outcomes: Iterable[PatientOutcome], week: int, today: date,
                 rules: ProgressionRules) -> WeekFigure:
    eligible = followed = improved = 0
    for o in outcomes:
        if o.start + timedelta(days=7 * week - 1) > today:
            continue
        eligible += 1
        value = o.pain_at(week)
        if o.baseline is None or value is None:
            continue
        followed += 1
        improved += meaningful_change(o.baseline, value, rules=rules).improved
    return WeekFigure(week, eligible, followed, improved, improved / followed if followed else None,
                      improved / eligible if eligible else None)


def clinic_report(patients: Mapping[str, tuple[date, Iterable[DiaryDay]]], today: date, *,
                  rules: ProgressionRules | None = None) -> ClinicReport:
    """Outcomes across a clinic: `patients` maps an id to (start date, diary entries).

    Meaningful improvement at 6 and 12 weeks is reported of those followed that long (a baseline
    and a rating in that week, the week ended by `today`) and, more strictly, of all eligible.

    `mean_percent_reduction_12` follows the description of Hinge Health's "average 68% reduction in
    pain within the first 12 weeks" (seed-hinge-upper-back; Bailey et al., J Med Internet Res
    2020;22(5):e18250: mean improvement in VAS pain of 68% among participants who completed the
    programme into its final month). Exactly:

        mean over patients with baseline > 0 and a week-12 rating of
            (baseline - week-12 pain) / baseline x 100

    with baseline = median pain now of week 1, week-12 pain = median pain now of days 77-83.
    Patients who got worse count with a negative reduction. It may differ from Hinge's figure,
    whose exact computation is not published: they used a 0-100 VAS rather than a 0-10 rating, a
    single questionnaire at intake and a later check-in (possibly any in the final month rather than
    week 12), perhaps the change of the mean rather than the mean of individual changes (given here
    as `reduction_of_mean_12`), and they report completers only. Like theirs, this figure leaves out
    everyone without a week-12 rating, so read it beside `dropout_share` and
    `at_12_weeks.share_of_eligible`.
    """
    rules = rules or load_progression()
    outcomes = {pid: patient_outcome(entries, start, today, rules=rules)
                for pid, (start, entries) in patients.items()}
    return outcomes_report(outcomes, today, rules=rules)


def outcomes_report(outcomes: dict[str, PatientOutcome], today: date, *,
                    rules: ProgressionRules | None = None) -> ClinicReport:
    """The clinic figures of `clinic_report` from patients' outcomes already computed."""
    rules = rules or load_progression()
    values = list(outcomes.values())
    at_12 = [(o.baseline, o.pain_at(PROGRAMME_WEEKS)) for o in values
             if o.start + timedelta(days=7 * PROGRAMME_WEEKS - 1) <= today]
    followed = [(b, w) for b, w in at_12 if b is not None and w is not None]
    changes = tuple(sorted(w - b for b, w in followed))  # sorted: the same whatever order rows came in
    positive = [(b, w) for b, w in followed if b > 0]
    mean_reduction = (sum((b - w) / b * 100 for b, w in positive) / len(positive)) if positive else None
    mean_base = sum(b for b, _ in positive) / len(positive) if positive else 0
    of_mean = ((mean_base - sum(w for _, w in positive) / len(positive)) / mean_base * 100
               if positive else None)
    at_risk = [o for o in values
               if (min(today, o.start + timedelta(days=7 * PROGRAMME_WEEKS - 1)) - o.start).days + 1 >= DROPOUT_DAYS]
    dropped = sum(1 for o in at_risk if o.dropped_out)
    return ClinicReport(
        today=today,
        patients=len(values),
        with_baseline=sum(1 for o in values if o.baseline is not None),
        at_6_weeks=_week_figure(values, 6, today, rules),
        at_12_weeks=_week_figure(values, PROGRAMME_WEEKS, today, rules),
        median_change_12=median(changes),
        mean_percent_reduction_12=mean_reduction,
        percent_reduction_patients=len(positive),
        reduction_of_mean_12=of_mean,
        changes_12=changes,
        dropout_at_risk=len(at_risk),
        dropped_out=dropped,
        dropout_share=dropped / len(at_risk) if at_risk else None,
        outcomes=outcomes,
    )
