"""One error tree for Scapula.

Every error a person can cause (a bad intake, a bad knowledge file, a bad command) is a
`ScapulaError` carrying `Problem`s that say where, what was expected and what arrived. Library
errors (pydantic, YAML) are translated into these where they enter our code, so no face of the
program ever shows a traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthError", "Conflict", "Forbidden", "IntakeError", "KnowledgeError", "NotFound", "Problem", "RateLimited",
    "ScapulaError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located precisely."""

    where: str
    """Field path (`locations[2]`, `vitals.spo2`) or `file: entry id`."""
    problem: str
    """What is wrong, in one sentence."""
    expected: str | None = None
    """What would have been accepted."""
    received: str | None = None
    """What arrived, shortened for display."""
    hint: str | None = None
    """A likely fix, such as the closest allowed name."""

    def __str__(self) -> str:
        text = f"{self.where}: {self.problem}"
        if self.received is not None:
            text += f" (got {self.received})"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f". {self.hint}"
        return text


class ScapulaError(Exception):
    """Root of every error Scapula raises on purpose."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class IntakeError(ScapulaError):
    """An intake that does not follow the contract in docs/intake.md."""


class KnowledgeError(ScapulaError):
    """A knowledge file that is malformed or refers to something that does not exist."""


class NotFound(ScapulaError):
    """No such record, or not one the caller may see (the two are indistinguishable on purpose)."""


class AuthError(ScapulaError):
    """Missing, wrong or expired credentials."""


class RateLimited(ScapulaError):
    """Too many attempts; try again later."""


class Conflict(ScapulaError):
    """The request contradicts the stored state (for example correcting an entry twice)."""


class Forbidden(ScapulaError):
    """Authenticated, but this role may not do this."""
