"""Safety invariants over generated intakes: a red flag never lowers urgency."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scapula.engine import assess
from scapula.intake import parse_intake
from scapula.intake.fields import FieldKind, field_registry
from scapula.knowledge import load_knowledge
from scapula.testing.witness import positive_facts
from scapula.vocabulary import LEVEL_ORDER

KB = load_knowledge()


def _red_flag_facts() -> list[str]:
    """List facts that red-flag rules count as evidence and no rule counts against."""
    positive, negated = set(), set()
    for rule in KB.triage_rules:
        for fact, inside_none in positive_facts(rule.condition):
            if fact.op == "in" and fact.field != "exam_negative":
                (negated if inside_none else positive).add(fact.text)
    return sorted(positive - negated)


RED_FLAG_FACTS = _red_flag_facts()
REGISTRY = field_registry()


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"age": draw(st.integers(12, 110))}
    for path, spec in REGISTRY.items():
        if path == "age" or "." in path or not draw(st.booleans()):
            continue
        if spec.kind is FieldKind.LIST:
            data[path] = draw(st.lists(st.sampled_from(spec.values), max_size=5, unique=True))
        elif spec.kind is FieldKind.ENUM:
            data[path] = draw(st.sampled_from(spec.values))
        elif spec.kind is FieldKind.BOOL:
            data[path] = draw(st.booleans())
    for path, low, high in [("pain_now", 0, 10), ("duration_weeks", 0, 60), ("conservative_care_weeks", 0, 20),
                            ("desk_hours_per_day", 0, 14), ("training_volume_change_pct", -50, 200)]:
        if draw(st.booleans()):
            data[path] = draw(st.integers(low, high))
    if "exam" in data and "exam_negative" in data:
        data["exam_negative"] = [v for v in data["exam_negative"] if v not in data["exam"]]
    if draw(st.booleans()):
        data["vitals"] = {"heart_rate": draw(st.integers(40, 140)), "spo2": draw(st.integers(85, 100))}
    return data


def test_there_are_red_flag_facts_to_add() -> None:
    assert len(RED_FLAG_FACTS) > 80


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes(), st.sampled_from(RED_FLAG_FACTS))
def test_adding_a_red_flag_fact_never_lowers_urgency(data: dict[str, Any], fact: str) -> None:
    before = assess(parse_intake(data), KB).triage.level
    field, value = fact.split(".", 1)
    data[field] = sorted({*data.get(field, []), value})
    if field == "exam" and "exam_negative" in data:
        data["exam_negative"] = [v for v in data["exam_negative"] if v != value]
    after = assess(parse_intake(data), KB).triage.level
    assert LEVEL_ORDER[after] >= LEVEL_ORDER[before], f"adding {fact} lowered {before} to {after}"
