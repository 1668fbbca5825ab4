"""Reading a stored assessment for `scapula ask --assessment ID` on the command line.

The command line has no logged-in person: it is the operator of the database, like `scapula export`.
The read is still written to the audit log, as the system (`Store.assessment_for_operator`)."""

from __future__ import annotations

from ..assessment import Assessment
from ..store import Store

__all__ = ["read_assessment"]


def read_assessment(store: Store, assessment_id: str) -> Assessment:
    return Assessment.from_dict(store.assessment_for_operator(assessment_id)["result"])
