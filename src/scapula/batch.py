"""Assess many intakes, one JSON object per line, keeping order and surviving bad lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from .assessment import Audience
from .engine import assess
from .errors import IntakeError
from .intake import parse_intake_json
from .knowledge import Knowledge

__all__ = ["BatchLine", "assess_lines"]


class BatchLine:
    """One output line: the assessment JSON, or an error naming the input line."""

    __slots__ = ("error", "json", "number")

    def __init__(self, number: int, json_text: str, error: IntakeError | None) -> None:
        self.number, self.json, self.error = number, json_text, error


def _error_json(number: int, err: IntakeError) -> str:
    return json.dumps(
        {
            "line": number,
            "error": err.message,
            "problems": [asdict(p) for p in err.problems],
        }
    )


def assess_lines(
    lines: Iterable[bytes | str], kb: Knowledge, audience: Audience = Audience.patient
) -> Iterator[BatchLine]:
    """Assess each line; line N of the output always answers line N of the input."""
    for number, line in enumerate(lines, 1):
        try:
            if not line.strip():
                raise IntakeError("Empty line: expected one intake JSON object per line")
            result = assess(parse_intake_json(line), kb, audience=audience)
            yield BatchLine(number, result.to_json(), None)
        except IntakeError as err:
            yield BatchLine(number, _error_json(number, err), err)
