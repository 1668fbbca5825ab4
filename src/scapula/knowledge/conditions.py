"""The small declarative condition language of the rule files (see docs/knowledge.md).

A condition is a fact string (`associated.fever`, `onset = sudden`, `age >= 50`,
`associated answered`) or a mapping with one combinator (`all`, `any`, `none`, `at_least`).
Conditions are parsed and checked against the intake's fields once, at load time, then compiled
into one Python expression each. The expression is built only from validated atoms (field names and
values taken from the intake registry, written with `repr`; numbers parsed as floats), so a data file
can never inject code; evaluating two hundred rules then costs tens of microseconds.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from ..intake.fields import FieldKind, field_registry
from ..intake.model import Intake

__all__ = ["Check", "Condition", "ConditionSyntaxError", "Fact", "Facts", "facts_of", "parse_condition"]


class ConditionSyntaxError(ValueError):
    """A condition that does not parse or names something the intake does not have."""


@dataclass(frozen=True, slots=True)
class Facts:
    """An intake flattened for rule evaluation: present tokens and numeric values."""

    tokens: frozenset[str]
    numbers: Mapping[str, float]


def facts_of(intake: Intake) -> Facts:
    """Flatten an intake into `Facts`. Fields the intake did not give produce nothing."""
    tokens: set[str] = set()
    numbers: dict[str, float] = {}
    _flatten(intake, _plan(), tokens, numbers)
    return Facts(frozenset(tokens), numbers)


_Plan = tuple[tuple[str, str, FieldKind | None, "_Plan | None"], ...]


@cache
def _plan() -> _Plan:
    """How to read each field, derived once from the registry (nested models get a sub-plan)."""

    def build(prefix: str) -> _Plan:
        steps: dict[str, tuple[str, str, FieldKind | None, _Plan | None]] = {}
        for path, spec in field_registry().items():
            if not path.startswith(prefix):
                continue
            head = path[len(prefix) :].split(".")[0]
            if "." in path[len(prefix) :]:
                steps.setdefault(head, (head, prefix + head, None, build(prefix + head + ".")))
            else:
                steps[head] = (head, path, spec.kind, None)
        return tuple(steps.values())

    return build("")


def _flatten(model: BaseModel, plan: _Plan, tokens: set[str], numbers: dict[str, float]) -> None:
    values = model.__dict__
    for name, path, kind, sub in plan:
        value = values[name]
        if value is None:
            continue
        tokens.add(path + " answered")
        if sub is not None:
            _flatten(value, sub, tokens, numbers)
        elif kind is FieldKind.LIST:
            tokens.update(f"{path}.{v.value}" for v in value)
        elif kind is FieldKind.ENUM:
            tokens.add(f"{path}={value.value}")
        elif kind is FieldKind.BOOL:
            tokens.add(f"{path}={'true' if value else 'false'}")
        else:
            numbers[path] = float(value)


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_NUMERIC = re.compile(r"^([a-z_][a-z0-9_.]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$")
_EQUALS = re.compile(r"^([a-z_][a-z0-9_]*)\s*=\s*([a-z0-9_]+)$")
_ANSWERED = re.compile(r"^([a-z_][a-z0-9_.]*)\s+answered$")
_MEMBER = re.compile(r"^([a-z_][a-z0-9_]*)\.([a-z0-9_]+)$")


Check = Callable[[frozenset[str], Mapping[str, float]], bool]
"""A compiled condition: called with the intake's tokens and numbers."""


class Condition:
    """Base of the condition tree."""

    def source(self) -> str:
        """This condition as a Python expression over `T` (tokens) and `N` (numbers)."""
        raise NotImplementedError

    def holds(self, facts: Facts) -> bool:
        """Evaluate directly (slow path, for explanations and tests)."""
        raise NotImplementedError

    def compile(self) -> Check:
        code = compile(f"lambda T, N: {self.source()}", "<condition>", "eval")
        return eval(code, {"__builtins__": {}, "nan": math.nan})

    def matched(self, facts: Facts) -> list[str]:
        """The facts that made this condition true (empty when it is false)."""
        raise NotImplementedError

    def atoms(self) -> Iterator[Fact]:
        """Every fact mentioned, for documentation and for tests that must reach every rule."""
        raise NotImplementedError

    def necessary(self) -> frozenset[str] | None:
        """Tokens of which at least one must be present for this to hold (None: cannot tell).

        Used to index rules so that only candidates are evaluated; it never changes a result.
        """
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Fact(Condition):
    text: str
    """The fact as written in the rule file."""
    field: str
    op: str
    """`in` (list membership), `=`, `answered`, or a numeric comparison."""
    value: str | float | None

    token: str = ""
    """The token this fact looks for in `Facts.tokens` (comparisons: `FIELD answered`)."""

    def __post_init__(self) -> None:
        if self.op == "in":
            token = f"{self.field}.{self.value}"
        elif self.op == "=":
            token = f"{self.field}={self.value}"
        else:
            token = f"{self.field} answered"
        object.__setattr__(self, "token", token)

    @property
    def positive(self) -> bool:
        """A list fact that states something is present (what a red flag is made of)."""
        return self.op == "in" and self.field != "exam_negative"

    def source(self) -> str:
        if self.op in _OPS:
            # A missing number reads as NaN, and every comparison with NaN is false.
            return f"(N.get({self.field!r}, nan) {self.op} {float(self.value)!r})"  # type: ignore[arg-type]
        return f"({self.token!r} in T)"

    def holds(self, facts: Facts) -> bool:
        if self.op in _OPS:
            value = facts.numbers.get(self.field)
            return value is not None and _OPS[self.op](value, float(self.value))  # type: ignore[arg-type]
        return self.token in facts.tokens

    def matched(self, facts: Facts) -> list[str]:
        return [self.text] if self.holds(facts) else []

    def atoms(self) -> Iterator[Fact]:
        yield self

    def necessary(self) -> frozenset[str] | None:
        # A comparison can only hold when the number was given: its token is `FIELD answered`.
        return frozenset({self.token})


@dataclass(frozen=True, slots=True)
class _Group(Condition):
    items: tuple[Condition, ...]

    def atoms(self) -> Iterator[Fact]:
        for item in self.items:
            yield from item.atoms()

    def _union(self) -> frozenset[str] | None:
        sets = [i.necessary() for i in self.items]
        if any(s is None for s in sets):
            return None
        return frozenset().union(*sets)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class All(_Group):
    def necessary(self) -> frozenset[str] | None:
        known = [n for i in self.items if (n := i.necessary()) is not None]
        return min(known, key=len) if known else None

    def source(self) -> str:
        return "(" + " and ".join(i.source() for i in self.items) + ")"

    def holds(self, facts: Facts) -> bool:
        return all(i.holds(facts) for i in self.items)

    def matched(self, facts: Facts) -> list[str]:
        if not self.holds(facts):
            return []
        return [m for item in self.items for m in item.matched(facts)]


@dataclass(frozen=True, slots=True)
class AnyOf(_Group):
    def necessary(self) -> frozenset[str] | None:
        return self._union()

    def source(self) -> str:
        return "(" + " or ".join(i.source() for i in self.items) + ")"

    def holds(self, facts: Facts) -> bool:
        return any(i.holds(facts) for i in self.items)

    def matched(self, facts: Facts) -> list[str]:
        return [m for item in self.items for m in item.matched(facts)]


@dataclass(frozen=True, slots=True)
class NoneOf(_Group):
    def necessary(self) -> frozenset[str] | None:
        return None

    def source(self) -> str:
        return "(not (" + " or ".join(i.source() for i in self.items) + "))"

    def holds(self, facts: Facts) -> bool:
        return not any(i.holds(facts) for i in self.items)

    def matched(self, facts: Facts) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class AtLeast(_Group):
    count: int = 1

    def necessary(self) -> frozenset[str] | None:
        return self._union()

    def source(self) -> str:
        return "((" + " + ".join(i.source() for i in self.items) + f") >= {int(self.count)})"

    def holds(self, facts: Facts) -> bool:
        return sum(1 for i in self.items if i.holds(facts)) >= self.count

    def matched(self, facts: Facts) -> list[str]:
        if not self.holds(facts):
            return []
        return [m for item in self.items for m in item.matched(facts)]


def _parse_fact(text: str) -> Fact:
    registry = field_registry()
    text = " ".join(text.split())
    if m := _NUMERIC.match(text):
        field, op, number = m.groups()
        spec = registry.get(field)
        if spec is None or spec.kind is not FieldKind.NUMBER:
            raise ConditionSyntaxError(f"'{text}': '{field}' is not a numeric intake field")
        return Fact(text, field, op, float(number))
    if m := _ANSWERED.match(text):
        field = m.group(1)
        if field not in registry:
            raise ConditionSyntaxError(f"'{text}': '{field}' is not an intake field")
        return Fact(text, field, "answered", None)
    if m := _EQUALS.match(text):
        field, value = m.groups()
        spec = registry.get(field)
        if spec is None or spec.kind not in (FieldKind.ENUM, FieldKind.BOOL):
            raise ConditionSyntaxError(f"'{text}': '{field}' is not a choice or yes/no field")
        if value not in spec.values:
            raise ConditionSyntaxError(
                f"'{text}': '{value}' is not a value of {field} (allowed: {', '.join(spec.values)})"
            )
        return Fact(text, field, "=", value)
    if m := _MEMBER.match(text):
        field, value = m.groups()
        spec = registry.get(field)
        if spec is None or spec.kind is not FieldKind.LIST:
            raise ConditionSyntaxError(f"'{text}': '{field}' is not a list field of the intake")
        if value not in spec.values:
            raise ConditionSyntaxError(f"'{text}': '{value}' is not a value of {field}")
        return Fact(text, field, "in", value)
    raise ConditionSyntaxError(
        f"'{text}' is not a fact: write LIST.VALUE, FIELD = VALUE, FIELD >= NUMBER or FIELD answered"
    )


_GROUPS: dict[str, type[_Group]] = {"all": All, "any": AnyOf, "none": NoneOf}


def parse_condition(node: object) -> Condition:
    """Parse one `when:` node, checking every field and value against the intake contract."""
    if isinstance(node, str):
        return _parse_fact(node)
    if not isinstance(node, Mapping) or len(node) != 1:
        raise ConditionSyntaxError(
            "a condition is a fact string or a mapping with exactly one of all, any, none, at_least"
        )
    ((key, body),) = node.items()
    if key in _GROUPS:
        if not isinstance(body, list) or not body:
            raise ConditionSyntaxError(f"'{key}' needs a non-empty list")
        return _GROUPS[key](tuple(parse_condition(item) for item in body))
    if key == "at_least":
        if not isinstance(body, Mapping) or set(body) != {"count", "of"}:
            raise ConditionSyntaxError("'at_least' needs exactly 'count' and 'of'")
        items = body["of"]
        count = body["count"]
        if not isinstance(items, list) or not isinstance(count, int) or not 1 <= count <= len(items):
            raise ConditionSyntaxError("'at_least' needs 1 <= count <= number of items in 'of'")
        return AtLeast(tuple(parse_condition(i) for i in items), count=count)
    raise ConditionSyntaxError(f"unknown combinator '{key}' (use all, any, none, at_least)")
