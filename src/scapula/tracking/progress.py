"""Is the person getting better? Meaningful change, weekly summaries and milestone measures.

Pain uses the 0-10 numeric rating: a fall of 2 points or 30% is clinically important (Farrar 2001);
function uses the Patient-Specific Functional Scale average, where about 2 points matter (Stratford
1995). The thresholds live in progression.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Literal

from ..plan.model import Milestone
from .model import Baseline, Change, MilestoneCheck, Scale, TrackingEntry, Week
from .rules import ProgressionRules, load_progression

__all__ = [
    "PSFS_MEASURES",
    "baseline_from_entries",
    "meaningful_change",
    "measures",
    "median",
    "milestone_checks",
    "pain_summary",
    "weekly_series",
    "window",
]

_EPS = 1e-9
PSFS_MEASURES = ("psfs_score", "psfs_average")
"""plan.yaml names the PSFS milestone `psfs_score`; `psfs_average` is accepted as well."""


def median(values: Sequence[float]) -> float | None:
    """Median of a list (None when empty). Plain sort: lists here are a week of ratings."""
    n = len(values)
    if not n:
        return None
    ordered = sorted(values)
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def meaningful_change(baseline: float, current: float, *, scale: Scale = "pain",
                      rules: ProgressionRules | None = None) -> Change:
    """Whether `current` differs meaningfully from `baseline`.

    Pain (0-10, lower is better): improved when it fell by >= 2 points or >= 30% of baseline
    (Farrar 2001), and by at least 1 point, the scale's resolution; worse when it rose by >= 2
    points (a 30% rise from a low baseline is one point, within daily variation).
    PSFS (0-10 average, higher is better): a change of >= 2 points either way (Stratford 1995).
    """
    change = (rules or load_progression()).change
    difference = current - baseline
    percent = difference / baseline * 100 if baseline else None
    if scale == "pain":
        spec = change.pain
        drop = -difference
        improved = drop + _EPS >= spec.min_points and (
            drop + _EPS >= spec.improve_points
            or (percent is not None and -percent + _EPS >= spec.improve_percent)
        )
        worse = difference + _EPS >= spec.worse_points
        cite = spec.cite
    elif scale == "psfs":
        improved = difference + _EPS >= change.psfs.points
        worse = -difference + _EPS >= change.psfs.points
        cite = change.psfs.cite
    else:
        raise ValueError(f"scale must be 'pain' or 'psfs' (got {scale!r})")
    direction: Literal["improved", "worse", "unchanged"] = (
        "improved" if improved else "worse" if worse else "unchanged"
    )
    return Change(scale, float(baseline), float(current), float(difference),
                  None if percent is None else float(percent), direction, direction != "unchanged", cite)


def window(entries: Iterable[TrackingEntry], end: date, days: int) -> list[TrackingEntry]:
    """Entries dated from `end - days + 1` to `end` inclusive."""
    first = end - timedelta(days=days - 1)
    return [e for e in entries if first <= e.entry_date <= end]


def pain_summary(entries: Sequence[TrackingEntry]) -> tuple[float | None, int | None, float | None]:
    """(median pain now, max worst pain, mean PSFS average) of some entries (None when absent)."""
    now = [e.pain_now for e in entries if e.pain_now is not None]
    worst = [e.pain_worst for e in entries if e.pain_worst is not None]
    psfs = [a for e in entries if (a := e.psfs_average) is not None]
    return median(now), max(worst) if worst else None, sum(psfs) / len(psfs) if psfs else None


def weekly_series(entries: Iterable[TrackingEntry], start: date) -> list[Week]:
    """One `Week` per plan week from week 1 to the last week with an entry (empty weeks included).

    Entries dated before `start` are ignored. Pain now is summarised by the median (robust to a
    single bad day), worst pain by the maximum (the "worst pain this week" of the intake).
    """
    buckets: dict[int, list[TrackingEntry]] = {}
    for entry in entries:
        offset = (entry.entry_date - start).days
        if offset >= 0:
            buckets.setdefault(offset // 7, []).append(entry)
    if not buckets:
        return []
    weeks = []
    for index in range(max(buckets) + 1):
        group = buckets.get(index, [])
        now, worst, psfs = pain_summary(group)
        sitting = [e.sitting_minutes for e in group if e.sitting_minutes is not None]
        volumes = [e.training_volume for e in group if e.training_volume is not None]
        answered = {e.entry_date: e.exercises_done for e in group if e.exercises_done is not None}
        done = sum(1 for v in answered.values() if v)
        weeks.append(Week(
            number=index + 1,
            start=start + timedelta(days=7 * index),
            end=start + timedelta(days=7 * index + 6),
            days_reported=len({e.entry_date for e in group}),
            pain_now_median=now,
            pain_worst_max=worst,
            psfs_mean=psfs,
            sitting_minutes_max=max(sitting) if sitting else None,
            training_volume=float(sum(volumes)) if volumes else None,
            flares=len({e.entry_date for e in group if e.flare}),
            exercise_days=done,
            adherence=done / len(answered) if answered else None,
        ))
    return weeks


def baseline_from_entries(entries: Iterable[TrackingEntry], started: date,
                          given: Baseline | None = None) -> Baseline:
    """Fill what `given` lacks from the first 7 days of the diary (from `started`)."""
    first = [e for e in entries if 0 <= (e.entry_date - started).days < 7]
    now, worst, psfs = pain_summary(first)
    if given is None:
        return Baseline(started, now, worst, psfs)
    return Baseline(
        given.started,
        given.pain_now if given.pain_now is not None else now,
        given.pain_worst if given.pain_worst is not None else worst,
        given.psfs if given.psfs is not None else psfs,
        given.usual_training_volume,
    )


def measures(recent: Sequence[TrackingEntry], baseline: Baseline | None = None) -> dict[str, float]:
    """Milestone measures (plan.yaml names) that the diary can give, over `recent` entries (a week).

    Flares per week are scaled to 7 days from the days reported (unreported days are assumed to be
    like reported ones, so a thin diary does not look flare-free); exercise sessions are counted,
    not scaled, so a thin diary never looks more adherent than it is. End-of-day spikes, overhead
    reach and deep-breath pain are not in the diary: they are checked at the visit.
    """
    out: dict[str, float] = {}
    days = {e.entry_date for e in recent}
    if not days:
        return out
    _, worst, psfs = pain_summary(recent)
    if worst is not None:
        out["pain_worst_week"] = float(worst)
    if psfs is not None:
        for name in PSFS_MEASURES:
            out[name] = psfs
    sitting = [e.sitting_minutes for e in recent if e.sitting_minutes is not None]
    if sitting:
        out["sitting_minutes"] = float(max(sitting))
    out["flares_per_week"] = len({e.entry_date for e in recent if e.flare}) / len(days) * 7
    if any(e.exercises_done is not None for e in recent):
        out["sessions_per_week"] = float(len({e.entry_date for e in recent if e.exercises_done}))
    volumes = [e.training_volume for e in recent if e.training_volume is not None]
    usual = baseline.usual_training_volume if baseline else None
    if volumes and usual:
        out["training_volume_pct_of_usual"] = sum(volumes) / usual * 100
    return out


def milestone_checks(milestones: Iterable[Milestone], values: dict[str, float]) -> list[MilestoneCheck]:
    """Each milestone against the measured values (`met` is None when not measurable)."""
    checks = []
    for m in milestones:
        value = values.get(m.measure)
        met = None if value is None else (
            value + _EPS >= m.target if m.better == "higher" else value - _EPS <= m.target
        )
        checks.append(MilestoneCheck(m.id, m.measure, m.target, m.better, value, met, m.text))
    return checks
