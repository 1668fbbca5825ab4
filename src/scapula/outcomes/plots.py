"""Plots for a person's progress and a clinic's outcomes, as PNG or SVG bytes.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global figure
state), so a web server can call these from several threads.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from ..tracking.model import TrackingEntry
from ..tracking.progress import median
from .report import ClinicReport

__all__ = ["clinic_cohort", "patient_trend"]

Format = Literal["png", "svg"]

PAIN_NOW, PAIN_WORST, PSFS, FLARE = "#1f5fa8", "#d9822b", "#2e8b57", "#c0392b"
BANDS = ("#eef3fb", "#fdf3e7", "#eaf6ee")
BETTER, OTHER = "#2e8b57", "#9aa5b1"
_RC = {"svg.hashsalt": "scapula", "svg.fonttype": "none", "font.size": 10, "axes.spines.top": False,
       "axes.spines.right": False}


def _render(fig: Figure, fmt: Format, out: Path | None) -> bytes:
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg' (got {fmt!r})")
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format=fmt, dpi=110, metadata=metadata, bbox_inches="tight")
    data = buffer.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _known(days: list[date], values: list[float]) -> tuple[list[date], list[float]]:
    """Only the days with a value, so lines join across unreported days."""
    pairs = [(d, v) for d, v in zip(days, values, strict=True) if not math.isnan(v)]
    return [d for d, _ in pairs], [v for _, v in pairs]


def patient_trend(entries: Iterable[TrackingEntry], phases: Sequence[tuple[int, date]],
                  out: Path | None = None, fmt: Format = "png") -> bytes:
    """Pain now and worst pain (top), PSFS function (bottom), phases shaded, flare-ups marked.

    `phases` is [(phase number, start date), ...]; each band runs to the next phase's start (the
    last to the last diary day). Several entries on one day are combined (median pain now, worst
    pain, mean PSFS). Writes to `out` too when given.
    """
    by_day: dict[date, list[TrackingEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.entry_date].append(entry)
    days = sorted(by_day)
    now = [_nan(median([e.pain_now for e in by_day[d] if e.pain_now is not None])) for d in days]
    worst = [_nan(max((e.pain_worst for e in by_day[d] if e.pain_worst is not None), default=None)) for d in days]
    psfs_day = [[a for e in by_day[d] if (a := e.psfs_average) is not None] for d in days]
    psfs = [sum(v) / len(v) if v else math.nan for v in psfs_day]
    flares = [d for d in days if any(e.flare for e in by_day[d])]

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 5.6), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        fig.suptitle("Pain and function over time", fontsize=13, x=0.01, ha="left")
        if not days:
            top.text(0.5, 0.5, "No diary entries yet", ha="center", va="center", transform=top.transAxes)
            bottom.set_axis_off()
            top.set_axis_off()
            return _render(fig, fmt, out)
        end = max(days[-1], max((s for _, s in phases), default=days[-1])) + timedelta(days=1)
        ordered = sorted(phases, key=lambda p: p[1])
        for n, (number, start) in enumerate(ordered):
            stop = ordered[n + 1][1] if n + 1 < len(ordered) else end
            for ax in (top, bottom):
                ax.axvspan(start, stop, color=BANDS[(number - 1) % len(BANDS)], zorder=0, lw=0)
            top.text(start + timedelta(hours=6), 1.01, f"Phase {number}", va="bottom", fontsize=9,
                     color="#4a5568", transform=blended_transform_factory(top.transData, top.transAxes))
        top.plot(*_known(days, now), "-o", color=PAIN_NOW, ms=3, lw=1.6, label="Pain now")
        top.plot(*_known(days, worst), "--", color=PAIN_WORST, lw=1.4, label="Worst pain")
        first_week = [v for d, v in zip(*_known(days, now), strict=True) if (d - days[0]).days < 7]
        start_pain = median(first_week)
        if start_pain is not None and start_pain >= 2:
            top.axhline(start_pain - 2, color="#4a5568", lw=0.9, ls=":",
                        label=f"2 points below the first week ({start_pain - 2:g})")
        if flares:
            top.plot(flares, [10.4] * len(flares), "v", color=FLARE, ms=7, ls="none", label="Flare-up")
        top.set_ylim(0, 10.9)
        top.set_yticks(range(0, 11, 2))
        top.set_ylabel("Pain (0-10)\nlower is better")
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        top.grid(axis="y", color="#e2e8f0", lw=0.6)
        if any(not math.isnan(v) for v in psfs):
            bottom.plot(*_known(days, psfs), "-s", color=PSFS, ms=3, lw=1.6, label="PSFS average")
            bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        else:
            bottom.text(0.5, 0.5, "No PSFS scores recorded", ha="center", va="center", color="#4a5568",
                        transform=bottom.transAxes)
        bottom.set_ylim(0, 10.5)
        bottom.set_yticks(range(0, 11, 5))
        bottom.set_ylabel("Function (PSFS 0-10)\nhigher is better")
        bottom.grid(axis="y", color="#e2e8f0", lw=0.6)
        bottom.set_xlim(days[0] - timedelta(days=1) if not ordered else min(days[0], ordered[0][1]), end)
        locator = AutoDateLocator()
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        bottom.set_xlabel("Date")
        return _render(fig, fmt, out)


def clinic_cohort(report: ClinicReport, fmt: Format = "png", out: Path | None = None) -> bytes:
    """Distribution of pain change at week 12 (left) and the share of patients with a meaningful
    improvement at 6 and 12 weeks (right: of those followed, and of all eligible)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(10, 4.6), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        reduction = report.mean_percent_reduction_12
        dropout = report.dropout_share
        fig.suptitle(
            f"Clinic outcomes on {report.today.isoformat()}: {report.patients} patients; "
            f"average pain reduction at 12 weeks {'n/a' if reduction is None else f'{reduction:.0f}%'}; "
            f"drop-out {'n/a' if dropout is None else f'{dropout:.0%}'}",
            fontsize=11, x=0.02, ha="left")
        counts = Counter(math.floor(c + 0.5) for c in report.changes_12)
        if counts:
            xs = sorted(counts)
            left.bar(xs, [counts[x] for x in xs], width=0.85,
                     color=[BETTER if x <= -2 else OTHER for x in xs])
            left.axvline(0, color="#4a5568", lw=0.8)
            left.legend(handles=[Patch(color=BETTER, label="2 or more points less pain"),
                                 Patch(color=OTHER, label="less than 2 points better, or worse")],
                        fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)
            left.set_xlim(min(-10.5, xs[0] - 0.5), max(4.5, xs[-1] + 0.5))
            med = report.median_change_12
            left.set_title(f"Change in pain at week 12 (n = {len(report.changes_12)}, median {med:+g} points)",
                           fontsize=10)
        else:
            left.text(0.5, 0.5, "No patient followed for 12 weeks yet", ha="center", va="center",
                      transform=left.transAxes)
            left.set_title("Change in pain at week 12", fontsize=10)
            left.set_xticks([])
            left.set_yticks([])
        left.set_xlabel("Points on the 0-10 scale (negative = less pain)")
        left.set_ylabel("Patients")
        _shares(right, report)
        return _render(fig, fmt, out)


def _shares(ax: Axes, report: ClinicReport) -> None:
    figures = (report.at_6_weeks, report.at_12_weeks)
    labels = [f"Week {f.week}" for f in figures]
    for offset, attr, denom, colour, name in (
        (-0.2, "share", "followed", BETTER, "of those followed"),
        (0.2, "share_of_eligible", "eligible", "#a8d5ba", "of all eligible"),
    ):
        xs = [n + offset for n in range(len(figures))]
        values = [100 * (getattr(f, attr) or 0) for f in figures]
        ax.bar(xs, values, width=0.38, color=colour, label=name)
        for x, f, v in zip(xs, figures, values, strict=True):
            total = getattr(f, denom)
            ax.text(x, v + 1.5, f"{v:.0f}%\n({f.improved}/{total})" if total else "n/a", ha="center",
                    va="bottom", fontsize=8)
    ax.set_xticks(range(len(figures)), labels)
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 25))
    ax.set_ylabel("Meaningful improvement (%)")
    ax.set_title("2 points or 30% less pain", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2)
