"""The clinic service's one entry point: every read and write of patient data goes through here,
is checked against who is asking, and is written to the audit log in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from ..assessment import Audience
from ..engine import ENGINE_VERSION, assess
from ..errors import AuthError, Conflict, Forbidden, NotFound, Problem
from ..intake import Intake
from ..knowledge import Knowledge, load_knowledge
from ..plan import build_plan
from . import accounts, outcomes
from .accounts import Actor
from .db import Database
from .models import (
    Assessment,
    AuditEntry,
    Clinic,
    Decision,
    Invitation,
    Patient,
    PlanChange,
    PlanRecord,
    Session,
    TrackingEntry,
    User,
    new_id,
)
from .progress import review_progress

__all__ = ["Actor", "Settings", "Store"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    session_hours: float = 12.0
    patient_session_days: float = 7.0
    invitation_days: float = 14.0


@dataclass
class Store:
    """Clinics, clinicians, patients, assessments, plans, tracking, decisions and the audit log."""

    db: Database
    kb: Knowledge = field(default_factory=load_knowledge)
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], datetime] = utcnow

    # ------------------------------------------------------------------ plumbing

    def _audit(
        self,
        s: DbSession,
        actor: Actor | None,
        action: str,
        resource: str,
        resource_id: str | None,
        patient_id: str | None,
        clinic_id: str | None = None,
    ) -> None:
        # A Core INSERT, not an ORM object: every read writes one of these, and the unit of work
        # would cost more than the row.
        s.execute(
            insert(AuditEntry.__table__).values(
                at=self.clock(),
                actor_type=actor.kind if actor else "system",
                actor_id=actor.id if actor else None,
                clinic_id=clinic_id or (actor.clinic_id if actor else None),
                patient_id=patient_id,
                action=action,
                resource=resource,
                resource_id=resource_id,
            )
        )

    def record_access(
        self, actor: Actor | None, action: str, resource: str, resource_id: str | None
    ) -> None:
        """Audit an access that reads no patient data (a published form, say): every read is logged."""
        with self.db.session() as s:
            self._audit(s, actor, action, resource, resource_id, None)

    def assessment_for_operator(self, assessment_id: str) -> dict[str, Any]:
        """An assessment read by whoever runs the database (the command line, where no one logs in,
        like `scapula export`); audited as the system, in the same transaction."""
        with self.db.session() as s:
            record = s.get(Assessment, assessment_id)
            if record is None:
                raise NotFound(f"No assessment {assessment_id}")
            patient = s.get(Patient, record.patient_id)
            clinic = patient.clinic_id if patient is not None else None
            self._audit(s, None, "read", "assessment", assessment_id, record.patient_id, clinic)
            return _assessment_dict(record)

    def _patient(self, s: DbSession, actor: Actor, patient_id: str, asked: str | None = None) -> Patient:
        """The patient, if the actor may see them. `asked` names what the caller asked for (for
        example `assessment <id>`), so a refusal never reveals the patient behind a record."""
        patient = s.get(Patient, patient_id)
        _allow(actor, patient_id, patient.clinic_id if patient else None, asked)
        assert patient is not None  # _allow refuses a missing one
        return patient

    def _check_patient(self, s: DbSession, actor: Actor, patient_id: str, asked: str | None = None) -> None:
        """As `_patient`, for callers that need only the permission: one column, no ORM object (every
        request about a patient's records pays for this)."""
        clinic = s.scalar(select(Patient.clinic_id).where(Patient.id == patient_id))
        _allow(actor, patient_id, clinic, asked)

    @staticmethod
    def _clinician(actor: Actor) -> None:
        if actor.kind != "user":
            raise Forbidden("Only clinicians may do this")

    # ------------------------------------------------------------------ accounts

    def create_clinic(self, name: str) -> str:
        with self.db.session() as s:
            clinic = Clinic(name=name, created_at=self.clock())
            s.add(clinic)
            s.flush()
            return clinic.id

    def create_user(
        self, clinic_id: str, email: str, name: str, password: str, role: str = "clinician"
    ) -> str:
        if len(password) < 10:
            raise AuthError("Passwords need at least 10 characters")
        with self.db.session() as s:
            if s.get(Clinic, clinic_id) is None:
                raise NotFound(f"No clinic {clinic_id}")
            if s.scalar(select(User).where(User.email == email.strip().lower())) is not None:
                raise Conflict(f"An account for {email} already exists")
            user = User(
                clinic_id=clinic_id,
                email=email.strip().lower(),
                name=name,
                role=role,
                password_hash=accounts.hash_password(password),
                created_at=self.clock(),
            )
            s.add(user)
            s.flush()
            return user.id

    def login(self, email: str, password: str) -> tuple[str, datetime]:
        # The attempt is recorded even when the login fails, so it commits before raising.
        with self.db.session() as s:
            try:
                token, expires, _ = accounts.login(
                    s, email, password, self.clock(), timedelta(hours=self.settings.session_hours)
                )
            except AuthError:
                s.commit()
                raise
            return token, expires

    def actor(self, token: str) -> Actor:
        with self.db.session() as s:
            return accounts.actor_for(s, token, self.clock())

    def logout(self, token: str) -> None:
        with self.db.session() as s:
            session = s.scalar(select(Session).where(Session.token_hash == accounts.hash_token(token)))
            if session is not None:
                session.revoked = True

    def invite(self, actor: Actor, patient_id: str) -> tuple[str, datetime]:
        self._clinician(actor)
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            token, now = accounts.new_token(), self.clock()
            expires = now + timedelta(days=self.settings.invitation_days)
            s.add(
                Invitation(
                    patient_id=patient_id,
                    token_hash=accounts.hash_token(token),
                    created_at=now,
                    expires_at=expires,
                    created_by=actor.id,
                )
            )
            self._audit(s, actor, "create", "invitation", None, patient_id)
            return token, expires

    def accept_invitation(self, token: str) -> tuple[str, datetime, str]:
        """Exchange an invitation link for a patient session limited to that patient."""
        with self.db.session() as s:
            invitation = s.scalar(
                select(Invitation).where(Invitation.token_hash == accounts.hash_token(token))
            )
            now = self.clock()
            if invitation is None or accounts._aware(invitation.expires_at) <= now:
                raise AuthError(
                    "This invitation link is not valid or has expired; ask your clinic for a new one"
                )
            session_token = accounts.new_token()
            expires = now + timedelta(days=self.settings.patient_session_days)
            s.add(
                Session(
                    token_hash=accounts.hash_token(session_token),
                    patient_id=invitation.patient_id,
                    created_at=now,
                    expires_at=expires,
                )
            )
            patient = s.get(Patient, invitation.patient_id)
            self._audit(
                s,
                None,
                "login",
                "invitation",
                invitation.id,
                invitation.patient_id,
                clinic_id=patient.clinic_id if patient else None,
            )
            return session_token, expires, invitation.patient_id

    # ------------------------------------------------------------------ patients

    def create_patient(
        self, actor: Actor, display_name: str, external_ref: str | None = None
    ) -> dict[str, Any]:
        self._clinician(actor)
        with self.db.session() as s:
            patient = Patient(
                clinic_id=actor.clinic_id,
                display_name=display_name,
                external_ref=external_ref,
                created_at=self.clock(),
                created_by=actor.id,
            )
            s.add(patient)
            s.flush()
            self._audit(s, actor, "create", "patient", patient.id, patient.id)
            return _patient_dict(patient)

    def list_patients(self, actor: Actor) -> list[dict[str, Any]]:
        self._clinician(actor)
        with self.db.session() as s:
            patients = s.scalars(
                select(Patient).where(Patient.clinic_id == actor.clinic_id).order_by(Patient.created_at)
            ).all()
            out = []
            for patient in patients:
                latest = s.scalar(
                    select(Assessment)
                    .where(Assessment.patient_id == patient.id)
                    .order_by(Assessment.created_at.desc())
                    .limit(1)
                )
                plan = s.scalar(
                    select(PlanRecord).where(PlanRecord.patient_id == patient.id, PlanRecord.active.is_(True))
                )
                out.append(
                    {
                        **_patient_dict(patient),
                        "triage_level": latest.level if latest else None,
                        "phase": plan.phase if plan else None,
                    }
                )
            self._audit(s, actor, "list", "patient", None, None)
            return out

    def get_patient(self, actor: Actor, patient_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            patient = self._patient(s, actor, patient_id)
            self._audit(s, actor, "read", "patient", patient_id, patient_id)
            return _patient_dict(patient)

    # ------------------------------------------------------------------ assessments and plans

    def add_assessment(
        self,
        actor: Actor,
        patient_id: str,
        intake: Intake,
        audience: Audience = Audience.clinician,
        today: date | None = None,
    ) -> dict[str, Any]:
        result = assess(intake, self.kb, audience=audience)
        plan = build_plan(intake, result, self.kb)
        now = self.clock()
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            # An UPDATE, not a loop over loaded rows: loading would decode each old plan's JSON.
            s.execute(
                update(PlanRecord)
                .where(PlanRecord.patient_id == patient_id, PlanRecord.active.is_(True))
                .values(active=False)
            )
            # Ids made here, so both rows go to the database in one flush.
            record = Assessment(
                id=new_id(),
                patient_id=patient_id,
                intake=intake.model_dump(mode="json", exclude_none=True),
                result=result.to_dict(),
                level=result.triage.level.value,
                engine_version=ENGINE_VERSION,
                knowledge_version=self.kb.version,
                created_at=now,
                created_by_user=actor.id if actor.kind == "user" else None,
                created_by_patient=actor.kind == "patient",
            )
            start = today or now.date()
            plan_row = PlanRecord(
                id=new_id(),
                patient_id=patient_id,
                assessment_id=record.id,
                plan=plan.to_dict(),
                phase=1,
                phase_started=start,
                started_on=start,
                active=True,
                created_at=now,
            )
            s.add_all([record, plan_row])
            self._audit(s, actor, "create", "assessment", record.id, patient_id)
            return {**_assessment_dict(record), "plan": _plan_dict(plan_row)}

    def list_assessments(self, actor: Actor, patient_id: str) -> list[dict[str, Any]]:
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            rows = s.scalars(
                select(Assessment).where(Assessment.patient_id == patient_id).order_by(Assessment.created_at)
            ).all()
            self._audit(s, actor, "list", "assessment", None, patient_id)
            return [_assessment_dict(r) for r in rows]

    def get_assessment(self, actor: Actor, assessment_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            record = s.get(Assessment, assessment_id)
            if record is None:
                raise NotFound(f"No assessment {assessment_id}")
            self._check_patient(s, actor, record.patient_id, asked=f"assessment {assessment_id}")
            self._audit(s, actor, "read", "assessment", assessment_id, record.patient_id)
            return _assessment_dict(record)

    def get_plan(self, actor: Actor, patient_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            plan = s.scalar(
                select(PlanRecord).where(PlanRecord.patient_id == patient_id, PlanRecord.active.is_(True))
            )
            if plan is None:
                raise NotFound(f"Patient {patient_id} has no plan yet")
            changes = s.scalars(
                select(PlanChange).where(PlanChange.plan_id == plan.id).order_by(PlanChange.at)
            ).all()
            self._audit(s, actor, "read", "plan", plan.id, patient_id)
            return {**_plan_dict(plan), "changes": [_change_dict(c) for c in changes]}

    def adjust_plan(self, actor: Actor, plan_id: str, change: dict[str, Any], reason: str) -> dict[str, Any]:
        """A clinician's change (phase, exercises removed or added, note), recorded with who and why."""
        self._clinician(actor)
        with self.db.session() as s:
            plan = s.get(PlanRecord, plan_id)
            if plan is None:
                raise NotFound(f"No plan {plan_id}")
            self._check_patient(s, actor, plan.patient_id, asked=f"plan {plan_id}")
            if "phase" in change:
                phases = [p["number"] for p in plan.plan.get("phases", [])]
                if change["phase"] not in phases:
                    raise Conflict(f"phase {change['phase']} is not in this plan (phases: {phases})")
                plan.phase = int(change["phase"])
                plan.phase_started = self.clock().date()
            if "remove_exercises" in change:
                data = dict(plan.plan)
                data["phases"] = [
                    {
                        **p,
                        "exercises": [e for e in p["exercises"] if e["id"] not in change["remove_exercises"]],
                    }
                    for p in data.get("phases", [])
                ]
                plan.plan = data
            s.add(
                PlanChange(
                    plan_id=plan.id, changed_by=actor.id, at=self.clock(), change=change, reason=reason
                )
            )
            self._audit(s, actor, "update", "plan", plan.id, plan.patient_id)
            s.flush()
            return _plan_dict(plan)

    # ------------------------------------------------------------------ tracking

    def add_entry(
        self, actor: Actor, patient_id: str, values: dict[str, Any], supersedes: str | None = None
    ) -> dict[str, Any]:
        """Store a check-in; a correction names the entry it replaces, which is kept as history."""
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            if supersedes is not None:
                old = s.get(TrackingEntry, supersedes)
                if old is None or old.patient_id != patient_id:
                    raise NotFound(f"No tracking entry {supersedes}")
                if s.scalar(select(TrackingEntry.id).where(TrackingEntry.supersedes == supersedes)):
                    raise Conflict(f"Entry {supersedes} was already corrected; correct the newest version")
            entry = TrackingEntry(
                patient_id=patient_id,
                recorded_at=self.clock(),
                supersedes=supersedes,
                recorded_by_user=actor.id if actor.kind == "user" else None,
                **values,
            )
            s.add(entry)
            try:
                s.flush()
            except IntegrityError as exc:
                # Two corrections of one entry raced past the check above; the unique constraint on
                # `supersedes` lets exactly one win.
                raise Conflict(f"Entry {supersedes} was already corrected; correct the newest version") from exc
            self._audit(s, actor, "update" if supersedes else "create", "tracking", entry.id, patient_id)
            plan = s.scalar(
                select(PlanRecord).where(PlanRecord.patient_id == patient_id, PlanRecord.active.is_(True))
            )
            decision = None
            if plan is not None and plan.plan.get("kind") == "rehabilitation":
                now = self.clock()
                decision = review_progress(s, self.kb, plan, max(now.date(), entry.entry_date), now)
            return {**_entry_dict(entry), "decision": decision}

    def list_entries(self, actor: Actor, patient_id: str, history: bool = False) -> list[dict[str, Any]]:
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            rows = s.scalars(
                select(TrackingEntry)
                .where(TrackingEntry.patient_id == patient_id)
                .order_by(TrackingEntry.entry_date, TrackingEntry.recorded_at)
            ).all()
            self._audit(s, actor, "list", "tracking", None, patient_id)
            if history:
                return [_entry_dict(r) for r in rows]
            replaced = {r.supersedes for r in rows if r.supersedes}
            return [_entry_dict(r) for r in rows if r.id not in replaced]

    def list_decisions(self, actor: Actor, patient_id: str) -> list[dict[str, Any]]:
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            rows = s.scalars(
                select(Decision).where(Decision.patient_id == patient_id).order_by(Decision.created_at)
            ).all()
            self._audit(s, actor, "list", "decision", None, patient_id)
            return [_decision_dict(d) for d in rows]

    def patient_outcome(self, actor: Actor, patient_id: str) -> dict[str, Any]:
        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            self._audit(s, actor, "read", "outcome", None, patient_id)
            return outcomes.patient_report(s, patient_id, self.clock().date())

    def patient_plot(self, actor: Actor, patient_id: str, fmt: str = "png") -> bytes:
        from ..outcomes import patient_trend

        with self.db.session() as s:
            self._check_patient(s, actor, patient_id)
            self._audit(s, actor, "read", "outcome", None, patient_id)
            _, entries, phases = outcomes.patient_entries(s, patient_id)
        return patient_trend(entries, phases, fmt=fmt)  # type: ignore[arg-type]

    def clinic_outcomes(self, actor: Actor) -> dict[str, Any]:
        self._clinician(actor)
        with self.db.session() as s:
            report = outcomes.clinic_summary(s, actor.clinic_id, self.clock().date())
            self._audit(s, actor, "read", "clinic_outcome", None, None)
            return outcomes.to_json(report)

    def clinic_plot(self, actor: Actor, fmt: str = "png") -> bytes:
        from ..outcomes import clinic_cohort

        self._clinician(actor)
        with self.db.session() as s:
            report = outcomes.clinic_summary(s, actor.clinic_id, self.clock().date())
            self._audit(s, actor, "read", "clinic_outcome", None, None)
        return clinic_cohort(report, fmt=fmt)  # type: ignore[arg-type]

    def audit_log(self, actor: Actor, patient_id: str | None = None) -> list[dict[str, Any]]:
        self._clinician(actor)
        with self.db.session() as s:
            query = select(AuditEntry).where(AuditEntry.clinic_id == actor.clinic_id)
            if patient_id:
                self._check_patient(s, actor, patient_id)
                query = query.where(AuditEntry.patient_id == patient_id)
            rows = s.scalars(query.order_by(AuditEntry.id)).all()
            return [
                {
                    "at": r.at.isoformat(),
                    "actor_type": r.actor_type,
                    "actor_id": r.actor_id,
                    "action": r.action,
                    "resource": r.resource,
                    "resource_id": r.resource_id,
                    "patient_id": r.patient_id,
                }
                for r in rows
            ]

    # ------------------------------------------------------------------ the clinician's web pages

    def clinic_dashboard(self, actor: Actor) -> list[dict[str, Any]]:
        """The clinic's patients with triage, phase, pain trend and alerts, most urgent first."""
        from .dashboard import clinic_rows

        self._clinician(actor)
        with self.db.session() as s:
            rows = clinic_rows(s, actor.clinic_id, self.clock().date())
            self._audit(s, actor, "list", "dashboard", None, None)
            return rows

    def add_plan_exercises(
        self, actor: Actor, plan_id: str, phase: int, exercise_ids: list[str], reason: str
    ) -> dict[str, Any]:
        """Add exercises the plan builder allows for this person to one phase, recorded with who and why."""
        from .plan_edit import with_exercises

        self._clinician(actor)
        if not reason.strip():
            raise Conflict("Say why the plan is changed", [Problem("reason", "a reason is required")])
        with self.db.session() as s:
            plan = s.get(PlanRecord, plan_id)
            if plan is None:
                raise NotFound(f"No plan {plan_id}")
            self._check_patient(s, actor, plan.patient_id, asked=f"plan {plan_id}")
            source = s.get(Assessment, plan.assessment_id)
            intake = source.intake if source else {}
            plan.plan = with_exercises(self.kb, plan.plan, intake, phase, exercise_ids)
            change = {"add_exercises": list(exercise_ids), "exercise_phase": phase}
            s.add(PlanChange(plan_id=plan.id, changed_by=actor.id, at=self.clock(), change=change, reason=reason))
            self._audit(s, actor, "update", "plan", plan.id, plan.patient_id)
            s.flush()
            return _plan_dict(plan)


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _allow(actor: Actor, patient_id: str, clinic_id: str | None, asked: str | None) -> None:
    # Another clinic's patient, or another patient's record, is simply not found: the caller learns
    # nothing about whether it exists.
    allowed = clinic_id is not None and clinic_id == actor.clinic_id
    if actor.kind == "patient" and actor.patient_id != patient_id:
        allowed = False
    if not allowed:
        raise NotFound(f"No {asked or f'patient {patient_id}'}")


def _patient_dict(p: Patient) -> dict[str, Any]:
    return {
        "id": p.id,
        "display_name": p.display_name,
        "external_ref": p.external_ref,
        "created_at": _iso(p.created_at),
    }


def _assessment_dict(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.id,
        "patient_id": a.patient_id,
        "created_at": _iso(a.created_at),
        "triage_level": a.level,
        "intake": a.intake,
        "result": a.result,
        "engine_version": a.engine_version,
        "knowledge_version": a.knowledge_version,
    }


def _plan_dict(p: PlanRecord) -> dict[str, Any]:
    return {
        "id": p.id,
        "patient_id": p.patient_id,
        "assessment_id": p.assessment_id,
        "phase": p.phase,
        "phase_started": _iso(p.phase_started),
        "started_on": _iso(p.started_on),
        "active": p.active,
        "plan": p.plan,
    }


def _change_dict(c: PlanChange) -> dict[str, Any]:
    return {"id": c.id, "changed_by": c.changed_by, "at": _iso(c.at), "change": c.change, "reason": c.reason}


def _entry_dict(e: TrackingEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "patient_id": e.patient_id,
        "entry_date": _iso(e.entry_date),
        "recorded_at": _iso(e.recorded_at),
        "pain_now": e.pain_now,
        "pain_worst": e.pain_worst,
        "psfs": e.psfs,
        "sitting_minutes": e.sitting_minutes,
        "training_volume": e.training_volume,
        "flare": e.flare,
        "exercises_done": e.exercises_done,
        "new_symptoms": e.new_symptoms,
        "notes": e.notes,
        "supersedes": e.supersedes,
    }


def _decision_dict(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "plan_id": d.plan_id,
        "decided_on": _iso(d.decided_on),
        "kind": d.kind,
        "from_phase": d.from_phase,
        "to_phase": d.to_phase,
        "reasons": d.reasons,
        "citations": d.citations,
        "created_at": _iso(d.created_at),
    }
