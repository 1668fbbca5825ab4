"""Seeded random intakes that look like real ones: a few locations, qualities, aggravators, often
a short history, sometimes exam findings and vitals. Used for speed benchmarks and smoke tests;
the property tests use hypothesis strategies built on the same registry."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from ..intake.fields import field_registry

__all__ = ["random_intake", "random_intakes"]

_LIST_SIZES = {
    "locations": (1, 4), "qualities": (1, 3), "aggravators": (1, 4), "relievers": (0, 3),
    "patterns": (0, 2), "associated": (0, 2), "history": (0, 2), "exam": (0, 4), "exam_negative": (0, 3),
}
_NUMBER_RANGES = {
    "pain_now": (0, 10, int), "pain_worst_week": (0, 10, int), "duration_weeks": (0.1, 30.0, float),
    "desk_hours_per_day": (0.0, 12.0, float), "training_volume_change_pct": (-30.0, 120.0, float),
    "conservative_care_weeks": (0.0, 12.0, float), "morning_stiffness_minutes": (0.0, 90.0, float),
}


def random_intake(rng: random.Random) -> dict[str, Any]:
    """One plausible intake as JSON-ready data."""
    registry = field_registry()
    intake: dict[str, Any] = {"age": rng.randint(16, 90)}
    for name, (low, high) in _LIST_SIZES.items():
        if name.startswith("exam") and rng.random() < 0.6:
            continue  # most intakes are self-reported
        values = list(registry[name].values)
        intake[name] = rng.sample(values, rng.randint(low, high))
    if "exam" in intake and "exam_negative" in intake:
        intake["exam_negative"] = [v for v in intake["exam_negative"] if v not in intake["exam"]]
    for name, (low, high, kind) in _NUMBER_RANGES.items():
        if rng.random() < 0.7:
            intake[name] = kind(rng.uniform(low, high)) if kind is float else rng.randint(low, high)
    for name in ("sex", "onset", "side", "trauma"):
        if rng.random() < 0.8:
            intake[name] = rng.choice(registry[name].values)
    for name in ("improving", "laptop_without_external_screen"):
        if rng.random() < 0.6:
            intake[name] = rng.random() < 0.5
    if rng.random() < 0.15:
        intake["vitals"] = {"heart_rate": rng.randint(50, 120), "spo2": rng.randint(90, 100),
                            "systolic_bp": rng.randint(95, 170), "temperature_c": round(rng.uniform(36, 39), 1)}
    return intake


def random_intakes(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for _ in range(n):
        yield random_intake(rng)
