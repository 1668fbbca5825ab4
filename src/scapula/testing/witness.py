"""Find example intakes that make a rule fire, straight from its condition.

Used by the exhaustive red-flag tests (every rule, alone and hidden in a crowded intake) and by
`scapula rules ID` to show an example. Deriving examples from the condition means a new rule is
tested the moment it is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from ..errors import IntakeError
from ..intake import Intake, parse_intake
from ..intake.fields import FieldKind, field_registry
from ..knowledge import CompiledRule, facts_of
from ..knowledge.conditions import AnyOf, AtLeast, Condition, Fact, NoneOf, _Group

__all__ = ["example_intake", "merge_intake", "positive_facts"]

Fragment = dict[str, Any]
_INT_FIELDS = {"age", "pain_now", "pain_worst_week", "age_at_onset"}
_TRIES = 200


def _fact_fragment(fact: Fact) -> Fragment | None:
    spec = field_registry()[fact.field]
    if fact.op == "in":
        return {fact.field: [fact.value]}
    if fact.op == "=":
        return {fact.field: fact.value == "true" if spec.kind is FieldKind.BOOL else fact.value}
    if fact.op == "answered":
        if spec.kind is FieldKind.LIST:
            return {fact.field: []}
        if spec.kind in (FieldKind.ENUM, FieldKind.BOOL):
            return {fact.field: spec.values[0] if spec.kind is FieldKind.ENUM else False}
        return {fact.field: 1}
    step = 1 if fact.field in _INT_FIELDS else 0.5
    limit = float(fact.value)  # type: ignore[arg-type]
    value = {">=": limit, "<=": limit, ">": limit + step, "<": limit - step}[fact.op]
    return {fact.field: int(value) if fact.field in _INT_FIELDS else value}


def _merge(a: Fragment, b: Fragment) -> Fragment | None:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif isinstance(value, list) and isinstance(out[key], list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif out[key] != value:
            return None
    return out


def _witnesses(cond: Condition) -> Iterator[Fragment]:
    if isinstance(cond, Fact):
        fragment = _fact_fragment(cond)
        if fragment is not None:
            yield fragment
    elif isinstance(cond, NoneOf):
        yield {}
    elif isinstance(cond, AnyOf):
        for item in cond.items:
            yield from _witnesses(item)
    elif isinstance(cond, AtLeast):
        for chosen in itertools.combinations(cond.items, cond.count):
            yield from _combine(chosen)
    elif isinstance(cond, _Group):
        yield from _combine(cond.items)


def _combine(items: tuple[Condition, ...]) -> Iterator[Fragment]:
    pools = [itertools.islice(_witnesses(i), 8) for i in items]
    for combo in itertools.product(*[list(p) for p in pools]):
        merged: Fragment | None = {}
        for part in combo:
            merged = _merge(merged, part) if merged is not None else None
        if merged is not None:
            yield merged


def merge_intake(base: dict[str, Any], fragment: Fragment) -> dict[str, Any]:
    """Add a fragment to an intake: lists are joined, single values are replaced."""
    out = dict(base)
    for key, value in fragment.items():
        if "." in key:
            group, name = key.split(".", 1)
            out[group] = {**out.get(group, {}), name: value}
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        else:
            out[key] = value
    if "exam" in out and "exam_negative" in out:
        out["exam_negative"] = [v for v in out["exam_negative"] if v not in out["exam"]]
    return out


def example_intake(rule: CompiledRule, base: dict[str, Any] | None = None) -> Intake | None:
    """An intake built on `base` (default: age 45 only) on which `rule` fires, or None."""
    base = base if base is not None else {"age": 45}
    for fragment in itertools.islice(_witnesses(rule.condition), _TRIES):
        data = merge_intake(base, fragment)
        try:
            intake = parse_intake(data)
        except (IntakeError, ValidationError):
            continue
        facts = facts_of(intake)
        if rule.check(facts.tokens, facts.numbers):
            return intake
    return None


def positive_facts(cond: Condition, *, inside_none: bool = False) -> Iterator[tuple[Fact, bool]]:
    """Every fact with whether it sits under a `none` (where adding it can switch a rule off)."""
    if isinstance(cond, Fact):
        yield cond, inside_none
    elif isinstance(cond, _Group):
        for item in cond.items:
            yield from positive_facts(item, inside_none=inside_none or isinstance(cond, NoneOf))
