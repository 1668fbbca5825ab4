from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scapula.engine import assess
from scapula.intake import parse_intake
from scapula.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent

# An ordinary, busy intake: a desk worker who trains, with plenty of harmless findings. Red flags
# are hidden inside it to prove they still fire among noise.
CROWDED: dict[str, Any] = {
    "age": 38,
    "sex": "female",
    "pain_now": 5,
    "pain_worst_week": 7,
    "duration_weeks": 3,
    "onset": "gradual",
    "side": "right",
    "locations": ["interscapular", "medial_scapular_border", "upper_trapezius", "neck", "posterior_shoulder"],
    "qualities": ["aching", "burning", "tension", "stiffness", "dull"],
    "aggravators": ["sitting", "laptop_work", "looking_down", "rowing", "pull_ups", "stress", "driving"],
    "relievers": ["movement", "heat", "massage_short_term", "changing_position"],
    "patterns": ["end_of_day_spike", "next_day_after_training", "intermittent"],
    "associated": ["headache", "anxiety_low_mood"],
    "history": [],
    "exam": ["forward_head_posture", "rounded_shoulders", "scapular_dyskinesis_observed", "trigger_point_reproduces_pain"],
    "exam_negative": ["spurling_positive"],
    "desk_hours_per_day": 9,
    "laptop_without_external_screen": True,
    "training_volume_change_pct": 25,
    "conservative_care_weeks": 1,
    "improving": True,
}


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture
def crowded() -> dict[str, Any]:
    return json.loads(json.dumps(CROWDED))


def run(data: dict[str, Any], audience: str = "clinician"):
    return assess(parse_intake(data), audience=audience)
