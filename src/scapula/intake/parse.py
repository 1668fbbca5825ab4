"""Parse intakes from JSON or mappings, turning pydantic's errors into one clear line per problem."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ..errors import IntakeError, Problem
from .fields import FieldKind, field_registry
from .model import Intake

__all__ = ["intake_schema", "parse_intake", "parse_intake_json", "problems_from_validation"]


def parse_intake(data: Mapping[str, Any]) -> Intake:
    """Validate a mapping (already-decoded JSON) into an `Intake`, or raise `IntakeError`."""
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        raise IntakeError("The intake does not follow the contract", problems_from_validation(exc)) from None


def parse_intake_json(text: str | bytes) -> Intake:
    """Validate JSON text into an `Intake`, or raise `IntakeError`."""
    try:
        return Intake.model_validate_json(text)
    except ValidationError as exc:
        raise IntakeError("The intake does not follow the contract", problems_from_validation(exc)) from None


def intake_schema() -> dict[str, Any]:
    """The JSON Schema of the intake, as published by `scapula schema intake`."""
    schema = Intake.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Scapula intake"
    return schema


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(intake)"


def _field_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(p for p in loc if isinstance(p, str))


def _show(value: object) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _closest(word: object, choices: list[str]) -> str | None:
    if not isinstance(word, str):
        return None
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"Did you mean '{match[0]}'?" if match else None


def _allowed_fields(parent: str) -> list[str]:
    prefix = parent + "." if parent else ""
    names = []
    for path in field_registry():
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            names.append(rest.split(".")[0])
    return list(dict.fromkeys(names))


def _problem(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    where = _path(loc)
    received = err.get("input")
    spec = field_registry().get(_field_of(loc))
    if kind == "extra_forbidden":
        parent = _field_of(loc[:-1])
        allowed = _allowed_fields(parent)
        return Problem(
            where,
            "unknown field",
            expected="one of " + ", ".join(allowed),
            hint=_closest(loc[-1], allowed),
        )
    if kind == "enum" and spec is not None:
        return Problem(
            where,
            "value not allowed",
            received=_show(received),
            expected="one of " + ", ".join(spec.values),
            hint=_closest(received, list(spec.values)),
        )
    if kind == "missing":
        return Problem(where, "is required", expected=spec.description if spec else None)
    if kind == "json_invalid":
        return Problem("(json)", "malformed JSON: " + str(err.get("ctx", {}).get("error", "")))
    if kind in ("model_type", "model_attributes_type") and not loc:
        return Problem("(intake)", "must be a JSON object", received=_show(received))
    if kind == "list_type" and spec is not None:
        return Problem(
            where,
            "must be a list",
            received=_show(received),
            expected="a list of " + ", ".join(spec.values[:6]) + ", ...",
        )
    if kind == "value_error":
        return Problem(where, str(err.get("msg", "")).removeprefix("Value error, "))
    expected = None
    if spec is not None and spec.kind is FieldKind.NUMBER:
        expected = spec.description
    return Problem(where, str(err.get("msg", "invalid")).lower(), received=_show(received), expected=expected)


def problems_from_validation(exc: ValidationError) -> list[Problem]:
    """One `Problem` per pydantic error, with the field path and what is allowed."""
    return [_problem(e) for e in exc.errors(include_url=False)]
