"""One JSON error shape for every failure: {"error": {"code", "message", "problems": [...]}}."""

from __future__ import annotations

import logging
import traceback
import uuid
from dataclasses import asdict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AuthError, Conflict, Forbidden, IntakeError, NotFound, Problem, RateLimited, ScapulaError
from ..intake.parse import _problem

__all__ = ["install_error_handlers", "problem_response"]

log = logging.getLogger("scapula.api")

STATUS: dict[type[ScapulaError], tuple[int, str]] = {
    IntakeError: (422, "invalid_intake"),
    NotFound: (404, "not_found"),
    AuthError: (401, "unauthenticated"),
    Forbidden: (403, "forbidden"),
    RateLimited: (429, "rate_limited"),
    Conflict: (409, "conflict"),
}


def problem_response(
    status: int,
    code: str,
    message: str,
    problems: list[Problem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "problems": [asdict(p) for p in problems or []]}}
    return JSONResponse(body, status_code=status, headers=headers)


def _where(loc: tuple) -> tuple:
    # FastAPI prefixes locations with where the value came from; the field path is what people need.
    return loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc


def _generic(err: dict) -> Problem:
    loc = _where(tuple(err.get("loc", ())))
    where = ".".join(str(p) for p in loc) or "(body)"
    if err.get("type") == "extra_forbidden":
        return Problem(where, "unknown field")
    received = err.get("input")
    shown = None if isinstance(received, dict | list) or received is None else repr(received)[:60]
    return Problem(where, str(err.get("msg", "invalid")).removeprefix("Value error, "), received=shown)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ScapulaError)
    async def scapula_error(_: Request, exc: ScapulaError) -> JSONResponse:
        status, code = next(
            ((s, c) for kind, (s, c) in STATUS.items() if isinstance(exc, kind)), (400, "bad_request")
        )
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 429:
            headers = {"Retry-After": "900"}
        return problem_response(status, code, exc.message, exc.problems, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem({**err, "loc": _where(tuple(err.get("loc", ())))}) for err in exc.errors()]
        return problem_response(
            422, "invalid_request", "The request does not follow the API schema", problems
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(
            exc.status_code, "http_error"
        )
        return problem_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    # Registered as middleware, not as an `Exception` handler: Starlette re-raises after such a
    # handler runs, and the server would then log the exception's message, which may quote patient
    # data (database errors quote their parameters).
    app.add_middleware(IncidentMiddleware)


class IncidentMiddleware:
    """Answer an unexpected error with a 500 and an incident id; log the type, id and stack frames."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            incident = uuid.uuid4().hex[:12]
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unexpected %s (incident %s)\n%s", type(exc).__name__, incident, frames)
            if not started:
                response = problem_response(500, "internal_error", f"Something went wrong (incident {incident})")
                await response(scope, receive, send)
