"""Logging in and out, and turning an invitation link into a patient session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ...errors import AuthError
from ..deps import StoreDep
from ..schemas import LoginIn

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", summary="Log in as a clinician")
def login(body: LoginIn, store: StoreDep) -> dict[str, Any]:
    token, expires = store.login(body.email, body.password)
    return {"token": token, "token_type": "bearer", "expires_at": expires.isoformat()}


@router.post("/logout", summary="End this session")
def logout(request: Request, store: StoreDep) -> dict[str, Any]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise AuthError("No session to end")
    store.logout(header[7:].strip())
    return {"ok": True}


@router.post("/invitations/{token}", summary="Open a patient's own record from an invitation link")
def accept_invitation(token: str, store: StoreDep) -> dict[str, Any]:
    session, expires, patient_id = store.accept_invitation(token)
    return {
        "token": session,
        "token_type": "bearer",
        "expires_at": expires.isoformat(),
        "patient_id": patient_id,
    }
