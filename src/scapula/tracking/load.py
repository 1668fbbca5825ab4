"""Load against capacity: training-volume spikes, and flare-ups that follow them or last too long.

A sudden rise in training load above what a person is used to raises the risk of injury, while a
well-built chronic load protects (Gabbett 2016; IOC consensus, Soligard 2016). Symptoms that appear
12-48 h after pull-ups, carries, pressing or long runs point to a capacity mismatch (seed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from .model import Spike, TrackingEntry
from .rules import ProgressionRules, load_progression

__all__ = ["flare_runs", "load_spikes", "run_days", "weekly_volumes"]


def flare_runs(entries: Iterable[TrackingEntry]) -> list[tuple[date, date]]:
    """Runs of flare days on consecutive calendar days, as (first, last), oldest first.

    A day without an entry is unknown and ends a run: two flare days with a silent day between
    them are two runs.
    """
    days = sorted({e.entry_date for e in entries if e.flare})
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def run_days(run: tuple[date, date]) -> int:
    return (run[1] - run[0]).days + 1


def weekly_volumes(entries: Iterable[TrackingEntry], start: date) -> list[float | None]:
    """Training volume per plan week (index 0 = week 1): the sum of reported volumes, or None for
    a week in which no entry reported a volume (unknown, not zero)."""
    sums: dict[int, float] = {}
    for e in entries:
        offset = (e.entry_date - start).days
        if e.training_volume is not None and offset >= 0:
            sums[offset // 7] = sums.get(offset // 7, 0.0) + e.training_volume
    if not sums:
        return []
    return [sums.get(i) for i in range(max(sums) + 1)]


def load_spikes(entries: Iterable[TrackingEntry], start: date | None = None, *,
                rules: ProgressionRules | None = None) -> list[Spike]:
    """Weeks whose training volume spiked, each linked to flares 1-2 days after its sessions.

    A week spikes when its volume is more than 1.3 times the mean of the previous 3-4 known weeks
    (acute:chronic ratio), or more than 30% above the week before while above every week of that
    window (going back to a load handled in the last weeks after a light week is not a spike).
    Weeks run from `start` (the
    first diary day when not given). A restart after weeks of zero volume has no ratio and is not
    flagged: the symptom response then decides. Thresholds: progression.yaml `load`.
    """
    spec = (rules or load_progression()).load
    entries = list(entries)
    if not entries:
        return []
    start = start or min(e.entry_date for e in entries)
    volumes = weekly_volumes(entries, start)
    flare_days = {e.entry_date for e in entries if e.flare}
    sessions: dict[int, set[date]] = {}
    for e in entries:
        offset = (e.entry_date - start).days
        if e.training_volume and offset >= 0:
            sessions.setdefault(offset // 7, set()).add(e.entry_date)
    spikes = []
    for index, volume in enumerate(volumes):
        if not volume:
            continue
        previous = [v for v in volumes[max(0, index - spec.chronic_weeks):index] if v is not None]
        chronic = sum(previous) / len(previous) if len(previous) >= spec.min_chronic_weeks else None
        ratio = volume / chronic if chronic else None
        last = volumes[index - 1] if index else None
        week_on_week = (volume - last) / last * 100 if last else None
        # A jump after a light week back to a load already handled in the window is not a spike.
        new_ground = all(volume > v for v in previous) if previous else True
        jumped = week_on_week is not None and week_on_week > spec.week_on_week_percent and new_ground
        if not ((ratio is not None and ratio > spec.acwr_spike) or jumped):
            continue
        after = sorted({
            day + timedelta(days=lag)
            for day in sessions.get(index, ())
            for lag in spec.flare_after_days
            if day + timedelta(days=lag) in flare_days
        })
        spikes.append(Spike(
            week=index + 1,
            week_start=start + timedelta(days=7 * index),
            volume=volume,
            chronic=chronic,
            ratio=ratio,
            week_on_week_percent=week_on_week,
            followed_by_flare=bool(after),
            flare_dates=tuple(after),
        ))
    return spikes
