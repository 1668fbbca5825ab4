"""Shared dependencies: the store and who is asking."""

from __future__ import annotations

from typing import Annotated, Any

import pydantic_core
from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import AuthError
from ..store import Actor, Store

__all__ = ["CurrentActor", "StoreDep", "get_actor", "get_store", "json_response"]

SESSION_COOKIE = "scapula_session"
_bearer = HTTPBearer(
    auto_error=False, description="Session token from POST /api/auth/login or an invitation."
)


async def get_store(request: Request) -> Store:  # async: no thread hop for an attribute read
    return request.app.state.store


# `async` on purpose, like the assessment route: the work is a short indexed query, and Scapula runs
# one process per CPU, so doing it on the event loop costs less than handing it to a worker thread
# and back (measured: 4.2 -> 3.1 ms of server CPU per GET at 200 requests/s; docs/benchmarks.md).
async def get_actor(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthError("Log in first: send 'Authorization: Bearer <token>'")
    return store.actor(token)


def json_response(data: Any, status_code: int = 200) -> Response:
    """Data already made of JSON types, encoded once by pydantic-core. FastAPI would first walk a
    returned dict to validate it against `dict[str, Any]`, which for an assessment with its plan
    (about 58 kB) costs more than the encoding."""
    return Response(pydantic_core.to_json(data), status_code=status_code, media_type="application/json")


StoreDep = Annotated[Store, Depends(get_store)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
