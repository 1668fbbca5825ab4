"""Reading a stored assessment for `scapula ask --assessment ID` on the command line.

The command line has no logged-in person: it is the operator of the database, like `scapula export`.
The read is still written to the audit log, as the system, in the same transaction."""

from __future__ import annotations

from ..assessment import Assessment
from ..errors import NotFound
from ..store import Store
from ..store.models import Assessment as AssessmentRow

__all__ = ["read_assessment"]


def read_assessment(store: Store, assessment_id: str) -> Assessment:
    with store.db.session() as s:
        row = s.get(AssessmentRow, assessment_id)
        if row is None:
            raise NotFound(f"No assessment {assessment_id}")
        store._audit(s, None, "read", "assessment", assessment_id, row.patient_id, _clinic(s, row))
        return Assessment.from_dict(row.result)


def _clinic(s: object, row: AssessmentRow) -> str | None:
    from ..store.models import Patient

    patient = s.get(Patient, row.patient_id)  # type: ignore[attr-defined]
    return patient.clinic_id if patient is not None else None
