"""Tables of the clinic service. The only module that knows the database shape.

Identifiers are random UUIDs (never sequential: they appear in URLs and must not reveal how many
patients a clinic has). Patient data is JSON beside the engine and knowledge versions that produced
it, so an old assessment can always be explained. Tracking corrections are new rows that supersede
old ones: nothing a person entered is ever overwritten.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Assessment",
    "AuditEntry",
    "Base",
    "Clinic",
    "Decision",
    "Invitation",
    "LoginAttempt",
    "Patient",
    "PlanChange",
    "PlanRecord",
    "Session",
    "TrackingEntry",
    "User",
]

Json = JSON().with_variant(JSONB(), "postgresql")
Document = JSON()
"""Plain JSON on every database, JSONB nowhere: the intake, result and plan documents (up to ~50 kB)
are stored and read whole, never queried inside, and PostgreSQL would parse each one into JSONB's
binary form on insert (0.7 ms of its CPU per assessment; migration 0003)."""


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: Json, list[Any]: Json}


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A clinician (or clinic administrator) who logs in."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="clinician")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clinic: Mapped[Clinic] = relationship()


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class Invitation(Base):
    """A link that lets a patient reach only their own record."""

    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))


class Session(Base):
    """A login: only the hash of the bearer token is stored."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    """Hash of the e-mail address tried (no personal data at rest in this table)."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    intake: Mapped[dict[str, Any]] = mapped_column(Document)
    result: Mapped[dict[str, Any]] = mapped_column(Document)
    level: Mapped[str] = mapped_column(String(20))
    engine_version: Mapped[str] = mapped_column(String(20))
    knowledge_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_user: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_by_patient: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanRecord(Base):
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"))
    plan: Mapped[dict[str, Any]] = mapped_column(Document)
    phase: Mapped[int] = mapped_column(Integer, default=1)
    phase_started: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # "The patient's active plan" is read on every patient page and replaced by every assessment; a
    # partial index finds it without visiting each earlier plan of the patient.
    __table_args__ = (
        Index("ix_plans_active_patient", "patient_id", sqlite_where=text("active"),
              postgresql_where=text("active")),
    )


class PlanChange(Base):
    """A clinician's adjustment of a plan, kept with who, when and why."""

    __tablename__ = "plan_changes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    changed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)


class TrackingEntry(Base):
    """One check-in, dated by the person. A correction is a new row pointing at the one it replaces."""

    __tablename__ = "tracking_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pain_now: Mapped[int | None] = mapped_column(Integer)
    pain_worst: Mapped[int | None] = mapped_column(Integer)
    psfs: Mapped[list[Any]] = mapped_column(default=list)
    sitting_minutes: Mapped[float | None] = mapped_column(Float)
    training_volume: Mapped[float | None] = mapped_column(Float)
    flare: Mapped[bool] = mapped_column(Boolean, default=False)
    exercises_done: Mapped[bool | None] = mapped_column(Boolean)
    new_symptoms: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    supersedes: Mapped[str | None] = mapped_column(ForeignKey("tracking_entries.id"), unique=True)
    recorded_by_user: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("ix_tracking_patient_date", "patient_id", "entry_date"),)


class Decision(Base):
    """A progression or re-triage decision with its reasons and sources."""

    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"))
    decided_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    from_phase: Mapped[int | None] = mapped_column(Integer)
    to_phase: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[list[Any]]
    citations: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who read or wrote which patient's data, and when. Holds ids only, never clinical content."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    clinic_id: Mapped[str | None] = mapped_column(String(36), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(36))
