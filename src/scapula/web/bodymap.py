"""The body map: clickable regions of the upper back, neck, shoulders and chest, front and back.

Each region names an intake `location` and the side of the body it is on. A region is a choice
`LOCATION:SIDE` (side `left`, `right` or `mid`); the same choice may appear in both views (the neck
is seen from the front and the back). Coordinates are in a 200 x 280 box per view. In the back view
the person's left is on the viewer's left; in the front view it is on the viewer's right."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..knowledge import Knowledge

__all__ = ["REGIONS", "Region", "choices", "locations_and_side", "views"]

Side = Literal["left", "right", "mid"]
View = Literal["back", "front"]


@dataclass(frozen=True, slots=True)
class Region:
    view: View
    location: str
    side: Side
    shape: str
    """SVG element: `rect x y w h` or `circle cx cy r` or `poly x,y x,y ...`."""

    @property
    def key(self) -> str:
        return f"{self.location}:{self.side}"

    def svg(self) -> str:
        kind, *nums = self.shape.split()
        if kind == "rect":
            x, y, w, h = nums
            return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="5"/>'
        if kind == "circle":
            cx, cy, r = nums
            return f'<circle cx="{cx}" cy="{cy}" r="{r}"/>'
        return f'<polygon points="{" ".join(nums)}"/>'


def _pair(view: View, location: str, viewer_left: str, viewer_right: str) -> list[Region]:
    """A region on both sides; which side is on the viewer's left depends on the view."""
    left_first = view == "back"
    return [
        Region(view, location, "left" if left_first else "right", viewer_left),
        Region(view, location, "right" if left_first else "left", viewer_right),
    ]


def _back() -> list[Region]:
    v: View = "back"
    return [
        Region(v, "base_of_skull", "mid", "rect 82 46 36 10"),
        *_pair(v, "neck", "rect 85 58 15 20", "rect 100 58 15 20"),
        *_pair(v, "upper_trapezius", "poly 85,79 44,86 44,98 85,92", "poly 115,79 156,86 156,98 115,92"),
        *_pair(v, "posterior_shoulder", "rect 20 86 24 28", "rect 156 86 24 28"),
        *_pair(v, "arm", "rect 10 118 24 74", "rect 166 118 24 74"),
        *_pair(v, "medial_scapular_border", "rect 64 98 16 66", "rect 120 98 16 66"),
        *_pair(v, "interscapular", "rect 80 98 14 62", "rect 106 98 14 62"),
        Region(v, "thoracic_midline", "mid", "rect 94 86 12 146"),
        Region(v, "right_scapula_tip", "right", "circle 134 176 9"),
        *_pair(v, "rib_wraparound", "rect 40 188 52 20", "rect 108 188 52 20"),
        *_pair(v, "lower_thoracic_flank", "rect 46 212 46 20", "rect 108 212 46 20"),
        Region(v, "low_back", "mid", "rect 58 238 84 26"),
    ]


def _front() -> list[Region]:
    v: View = "front"
    return [
        *_pair(v, "jaw", "rect 80 32 18 14", "rect 102 32 18 14"),
        *_pair(v, "neck", "rect 85 58 15 20", "rect 100 58 15 20"),
        *_pair(v, "upper_trapezius", "poly 85,79 44,86 44,96 85,90", "poly 115,79 156,86 156,96 115,90"),
        *_pair(v, "anterior_chest", "rect 54 100 38 44", "rect 108 100 38 44"),
        Region(v, "anterior_chest", "mid", "rect 92 96 16 52"),
        *_pair(v, "lateral_chest", "rect 40 100 14 54", "rect 146 100 14 54"),
        Region(v, "right_upper_quadrant", "right", "rect 52 154 32 28"),
        Region(v, "epigastric", "mid", "rect 86 154 28 28"),
        *_pair(v, "arm", "rect 10 96 24 62", "rect 166 96 24 62"),
        # Palms forward: the thumb side is the outer side of each forearm.
        Region(v, "arm_radial_side", "right", "rect 8 162 13 50"),
        Region(v, "arm_ulnar_side", "right", "rect 21 162 13 50"),
        Region(v, "arm_ulnar_side", "left", "rect 166 162 13 50"),
        Region(v, "arm_radial_side", "left", "rect 179 162 13 50"),
        *_pair(v, "hand", "rect 8 216 26 24", "rect 166 216 26 24"),
    ]


REGIONS: tuple[Region, ...] = (*_back(), *_front())
SIDE_WORDS = {"left": "left side", "right": "right side", "mid": "middle"}


def _label(kb: Knowledge, location: str, side: Side) -> str:
    words = kb.labels.values["locations"][location].patient
    words = words[0].upper() + words[1:]
    return words if side == "mid" or location.startswith("right_") else f"{words}, {SIDE_WORDS[side]}"


def choices(kb: Knowledge) -> list[dict[str, str]]:
    """Every distinct region choice, top of the body first, with its label (for the checkbox list)."""
    seen: dict[str, dict[str, str]] = {}
    for r in REGIONS:
        seen.setdefault(r.key, {"key": r.key, "label": _label(kb, r.location, r.side)})
    return list(seen.values())


def views(kb: Knowledge) -> list[dict[str, object]]:
    """The two views with their regions, ready for the template."""
    return [
        {
            "id": view,
            "title": "Back" if view == "back" else "Front",
            "note": "as seen from behind" if view == "back" else "as seen facing you",
            "regions": [
                {"key": r.key, "svg": r.svg(), "label": _label(kb, r.location, r.side)}
                for r in REGIONS
                if r.view == view
            ],
        }
        for view in ("back", "front")
    ]


KNOWN = {r.key for r in REGIONS}


def locations_and_side(keys: Iterable[str]) -> tuple[list[str], str | None, list[str]]:
    """(locations, side, unknown keys) from the chosen regions. Both sides make `both`; only the
    middle makes `central`; the middle with one side is that side."""
    picked = [k for k in keys if k]
    unknown = [k for k in picked if k not in KNOWN]
    good = [k.split(":") for k in picked if k in KNOWN]
    locations = list(dict.fromkeys(loc for loc, _ in good))
    sides = {side for _, side in good}
    if {"left", "right"} <= sides:
        side: str | None = "both"
    elif "left" in sides or "right" in sides:
        side = "left" if "left" in sides else "right"
    else:
        side = "central" if sides else None
    return locations, side, unknown
