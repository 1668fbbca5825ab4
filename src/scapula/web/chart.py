"""The progress chart as inline SVG: pain now and worst pain by day, plan phases shaded, flare-ups
marked. Drawn here rather than with matplotlib so it is small, crisp at any width, styled by the
page's CSS and readable by screen readers (with the same numbers in a table beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Point", "trend_svg"]

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 36


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    pain_now: int | None
    pain_worst: int | None
    flare: bool


def _x(day: date, first: date, span: int) -> float:
    return LEFT + (W - LEFT - RIGHT) * ((day - first).days / span if span else 0.5)


def _y(value: float) -> float:
    return TOP + (H - TOP - BOTTOM) * (1 - value / 10)


def _line(points: list[Point], attr: str, first: date, span: int, cls: str, label: str) -> list[str]:
    known = [(p.day, getattr(p, attr)) for p in points if getattr(p, attr) is not None]
    if not known:
        return []
    coords = " ".join(f"{_x(d, first, span):.1f},{_y(v):.1f}" for d, v in known)
    out = [f'<polyline class="{cls}" points="{coords}" fill="none"/>']
    for d, v in known:
        out.append(
            f'<circle class="{cls}" cx="{_x(d, first, span):.1f}" cy="{_y(v):.1f}" r="4">'
            f"<title>{escape(label)} on {d:%d %b}: {v}</title></circle>"
        )
    return out


def _phases(phases: list[tuple[int, date]], first: date, last: date, span: int) -> list[str]:
    out = []
    for i, (number, start) in enumerate(phases):
        end = phases[i + 1][1] if i + 1 < len(phases) else last
        x0, x1 = _x(max(start, first), first, span), _x(min(max(end, first), last), first, span)
        if x1 < x0:
            continue
        out.append(
            f'<rect class="phase phase-{number % 2}" x="{x0:.1f}" y="{TOP}" '
            f'width="{max(x1 - x0, 2):.1f}" height="{H - TOP - BOTTOM}"/>'
            f'<text class="phase-label" x="{x0 + 4:.1f}" y="{TOP + 14}">Phase {number}</text>'
        )
    return out


def _axes(first: date, last: date, span: int) -> list[str]:
    out = []
    for v in (0, 2, 4, 6, 8, 10):
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{_y(v):.1f}" y2="{_y(v):.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 8}" y="{_y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    for d in sorted({first, last}):
        out.append(
            f'<text class="tick" x="{_x(d, first, span):.1f}" y="{H - 12}" text-anchor="middle">{d:%d %b}</text>'
        )
    return out


def trend_svg(points: list[Point], phases: list[tuple[int, date]]) -> Markup:
    """The chart, or an empty string when there is nothing to draw yet."""
    if not points:
        return Markup("")
    first, last = points[0].day, points[-1].day
    span = (last - first).days
    parts: list[Any] = [
        f'<svg class="trend" viewBox="0 0 {W} {H}" role="img" aria-labelledby="trend-title trend-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        '<title id="trend-title">Your pain over time</title>',
        f'<desc id="trend-desc">Pain now and worst pain, 0 to 10, on {len(points)} days from '
        f"{first:%d %B %Y} to {last:%d %B %Y}. The same numbers are in the table below.</desc>",
        *_phases(phases, first, last, span),
        *_axes(first, last, span),
        *_line(points, "pain_worst", first, span, "worst", "Worst pain"),
        *_line(points, "pain_now", first, span, "now", "Pain now"),
    ]
    for p in points:
        if p.flare:
            x = _x(p.day, first, span)
            parts.append(
                f'<path class="flare" d="M{x:.1f},{H - BOTTOM - 2} l-6,-10 h12 z">'
                f"<title>Flare-up on {p.day:%d %b}</title></path>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
