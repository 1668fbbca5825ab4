"""What the intake model accepts, read off the model itself so it can never drift from it.

The knowledge loader uses this registry to reject a rule that names a field or value the intake
does not have; the error messages use it to list what is allowed.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pydantic import BaseModel

from .model import Intake

__all__ = ["FieldKind", "FieldSpec", "field_registry"]


class FieldKind(StrEnum):
    LIST = "list"
    ENUM = "enum"
    BOOL = "bool"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    path: str
    kind: FieldKind
    values: tuple[str, ...] = ()
    description: str = ""


def _unwrap(annotation: object) -> object:
    """Strip `X | None` and `Annotated[...]` down to X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _specs(model: type[BaseModel], prefix: str = "") -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        path = prefix + name
        inner = _unwrap(info.annotation)
        desc = info.description or ""
        if typing.get_origin(inner) is list:
            enum = typing.get_args(inner)[0]
            specs.append(FieldSpec(path, FieldKind.LIST, tuple(e.value for e in enum), desc))
        elif isinstance(inner, type) and issubclass(inner, StrEnum):
            specs.append(FieldSpec(path, FieldKind.ENUM, tuple(e.value for e in inner), desc))
        elif inner is bool:
            specs.append(FieldSpec(path, FieldKind.BOOL, ("true", "false"), desc))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            specs.extend(_specs(inner, prefix=path + "."))
        else:
            specs.append(FieldSpec(path, FieldKind.NUMBER, (), desc))
    return specs


@cache
def field_registry() -> dict[str, FieldSpec]:
    """Every intake field by dotted path (`vitals.spo2`), with its kind and allowed values."""
    return {spec.path: spec for spec in _specs(Intake)}
