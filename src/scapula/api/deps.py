"""Shared dependencies: the store and who is asking."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import AuthError
from ..store import Actor, Store

__all__ = ["CurrentActor", "StoreDep", "get_actor", "get_store"]

SESSION_COOKIE = "scapula_session"
_bearer = HTTPBearer(
    auto_error=False, description="Session token from POST /api/auth/login or an invitation."
)


async def get_store(request: Request) -> Store:  # async: no thread hop for an attribute read
    return request.app.state.store


def get_actor(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthError("Log in first: send 'Authorization: Bearer <token>'")
    return store.actor(token)


StoreDep = Annotated[Store, Depends(get_store)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
