"""Passwords, tokens, sessions and the login rate limit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from ..errors import AuthError, RateLimited
from .models import LoginAttempt, Patient, Session, User

__all__ = ["Actor", "hash_password", "hash_token", "new_token", "verify_password"]

_HASHER = PasswordHasher()
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_ALLOWED = 5


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: a clinician of a clinic, or a patient reaching their own record."""

    kind: Literal["user", "patient"]
    id: str
    clinic_id: str
    patient_id: str | None = None
    role: str = "clinician"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Only token hashes are stored: a copy of the database grants no access."""
    return hashlib.sha256(token.encode()).hexdigest()


def _attempt_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def login(
    db: DbSession, email: str, password: str, now: datetime, ttl: timedelta
) -> tuple[str, datetime, User]:
    key = _attempt_key(email)
    failures = (
        db.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.key == key, LoginAttempt.success.is_(False), LoginAttempt.at > now - LOGIN_WINDOW
            )
        )
        or 0
    )
    if failures >= LOGIN_FAILURES_ALLOWED:
        raise RateLimited("Too many failed logins for this account; try again in 15 minutes")
    user = db.scalar(select(User).where(User.email == email.strip().lower(), User.active.is_(True)))
    ok = user is not None and verify_password(user.password_hash, password)
    db.add(LoginAttempt(key=key, at=now, success=ok))
    if not ok or user is None:
        db.flush()
        raise AuthError("Wrong e-mail address or password")
    token = new_token()
    expires = now + ttl
    db.add(Session(token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires))
    return token, expires, user


def actor_for(db: DbSession, token: str, now: datetime) -> Actor:
    # One round trip that reads columns, not ORM objects: every authenticated request pays for it.
    row = db.execute(
        select(
            Session.revoked,
            Session.expires_at,
            Session.user_id,
            Session.patient_id,
            User.clinic_id.label("user_clinic"),
            User.role,
            User.active,
            Patient.clinic_id.label("patient_clinic"),
        )
        .outerjoin(User, User.id == Session.user_id)
        .outerjoin(Patient, Patient.id == Session.patient_id)
        .where(Session.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked or _aware(row.expires_at) <= now:
        raise AuthError("The session is missing or has expired; log in again")
    if row.user_id is not None:
        if row.user_clinic is None or not row.active:
            raise AuthError("The account is no longer active")
        return Actor("user", row.user_id, row.user_clinic, role=row.role)
    if row.patient_clinic is None:
        raise AuthError("The invitation is no longer valid")
    return Actor("patient", row.patient_id, row.patient_clinic, patient_id=row.patient_id, role="patient")


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored in UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
