"""Export and import a whole clinic as JSON, losslessly: every column of every row it owns.

Sessions and login attempts are security state, not clinic data: they are neither exported nor
imported (people log in again after a move).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, select
from sqlalchemy.orm import Session as DbSession

from ..errors import Conflict, NotFound
from .db import Database
from .models import (
    Assessment,
    AuditEntry,
    Base,
    Clinic,
    Decision,
    Invitation,
    Patient,
    PlanChange,
    PlanRecord,
    TrackingEntry,
    User,
)

__all__ = ["FORMAT", "export_clinic", "import_clinic"]

FORMAT = "scapula-clinic-export/1"
# Parents before children, so foreign keys hold during import.
TABLES: tuple[type[Base], ...] = (
    Clinic,
    User,
    Patient,
    Invitation,
    Assessment,
    PlanRecord,
    PlanChange,
    TrackingEntry,
    Decision,
    AuditEntry,
)


def _rows(s: DbSession, model: type[Base], clinic_id: str) -> list[Any]:
    patients = select(Patient.id).where(Patient.clinic_id == clinic_id)
    plans = select(PlanRecord.id).where(PlanRecord.patient_id.in_(patients))
    where = {
        Clinic: Clinic.id == clinic_id,
        User: User.clinic_id == clinic_id,
        Patient: Patient.clinic_id == clinic_id,
        AuditEntry: AuditEntry.clinic_id == clinic_id,
        PlanChange: PlanChange.plan_id.in_(plans),
    }.get(model)
    if where is None:
        where = model.patient_id.in_(patients)  # type: ignore[attr-defined]
    order = model.__table__.primary_key.columns.values()[0]  # type: ignore[attr-defined]
    query = select(model).where(where).order_by(order)
    if model is TrackingEntry:
        # A correction points at the row it replaces: insert the originals first.
        query = select(model).where(where).order_by(TrackingEntry.recorded_at, TrackingEntry.id)
    return list(s.scalars(query))


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_clinic(db: Database, clinic_id: str) -> dict[str, Any]:
    with db.session() as s:
        if s.get(Clinic, clinic_id) is None:
            raise NotFound(f"No clinic {clinic_id}")
        tables = {}
        for model in TABLES:
            columns = [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]
            tables[model.__tablename__] = [
                {c: _dump(getattr(row, _attr(model, c))) for c in columns}
                for row in _rows(s, model, clinic_id)
            ]
        return {"format": FORMAT, "clinic_id": clinic_id, "tables": tables}


def _attr(model: type[Base], column: str) -> str:
    for attr in model.__mapper__.column_attrs:  # type: ignore[attr-defined]
        if attr.columns[0].name == column:
            return attr.key
    return column


def _load(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def import_clinic(db: Database, data: dict[str, Any]) -> str:
    """Insert an export into this database, keeping every id. Refuses to overwrite a clinic."""
    if data.get("format") != FORMAT:
        raise Conflict(f"Not a Scapula clinic export (expected format {FORMAT})")
    with db.session() as s:
        if s.get(Clinic, data["clinic_id"]) is not None:
            raise Conflict(f"Clinic {data['clinic_id']} already exists in this database")
        for model in TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            for row in data["tables"].get(model.__tablename__, []):
                values = {
                    _attr(model, name): _load(table.columns[name], value) for name, value in row.items()
                }
                s.add(model(**values))
            s.flush()
        return str(data["clinic_id"])
