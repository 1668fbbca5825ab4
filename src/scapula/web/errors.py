"""Friendly error pages for people in a browser; the API's JSON envelope for everyone else.

The API installs its handlers first; these wrap them. A request gets a page only when it is for a
web path and its client accepts HTML (see `wants_html`), so scripts, the API and its tests keep the
one JSON error shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ..errors import AuthError, Conflict, Forbidden, NotFound, RateLimited, ScapulaError
from .common import render, wants_html

__all__ = ["error_page", "install_error_pages"]

Handler = Callable[[Request, Any], Awaitable[Response] | Response]

# What each status means to a person, and what they can do about it.
PAGES: dict[int, tuple[str, str]] = {
    400: ("Something in the request was not right", "Go back and try again."),
    401: (
        "Please open your link again",
        "Your session has ended or this page needs you to be signed in. Open the link your clinic "
        "sent you, or sign in again.",
    ),
    403: (
        "This page is not available to you",
        "The form may have expired, or the page belongs to someone else. Reload the page you came "
        "from and try again.",
    ),
    404: ("We could not find that page", "The address may be mistyped, or the page is not yours to see."),
    405: ("That did not work", "Go back and use the buttons on the page."),
    409: ("That change clashes with another one", "Reload the page to see the latest, then try again."),
    422: ("Some answers need another look", "Go back and check the form."),
    429: ("Too many attempts", "Wait 15 minutes, then try again."),
    500: ("Something went wrong on our side", "Please try again in a moment."),
}
_STATUS: dict[type[ScapulaError], int] = {
    NotFound: 404,
    AuthError: 401,
    Forbidden: 403,
    RateLimited: 429,
    Conflict: 409,
}


def error_page(request: Request, status: int, detail: str = "") -> Response:
    title, advice = PAGES.get(status, PAGES[400] if status < 500 else PAGES[500])
    return render(
        request,
        "error.html",
        status_code=status,
        title=title,
        advice=advice,
        detail=detail,
        status=status,
        clinic_area=request.url.path.startswith("/clinic"),
    )


def _status_of(exc: Exception) -> int:
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return next((s for kind, s in _STATUS.items() if isinstance(exc, kind)), 400)


def _detail(exc: Exception) -> str:
    # Our own errors are written for people; framework messages ("Not Found") add nothing.
    return exc.message if isinstance(exc, ScapulaError) else ""


def install_error_pages(app: FastAPI) -> None:
    """Wrap the API's handlers so that web pages in a browser get an HTML page instead."""
    for kind in (ScapulaError, StarletteHTTPException, RequestValidationError):
        api_handler = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _wrap(api_handler))


def _wrap(api_handler: Handler | None) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if wants_html(request) or api_handler is None:
            return error_page(request, _status_of(exc), _detail(exc))
        result = api_handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    return handler
