"""What every web page shares: templates, the session cookie, CSRF and rendering.

The pages sit on the same `Store` as the JSON API, so access checks and the audit log are the
same whichever face a person uses. Sessions are the store's tokens in an HttpOnly cookie; every
form carries a CSRF token bound to that session (or, before login, to a random cookie)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..errors import AuthError, Forbidden
from ..store import Actor, Store

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "STATIC",
    "actor_or_none",
    "bearer_or_cookie",
    "check_csrf",
    "clear_session",
    "csrf_token",
    "redirect",
    "render",
    "require_patient",
    "set_session",
    "store_of",
    "templates",
    "wants_html",
]

# Paths that belong to the machine faces (JSON API, FHIR, CDS Hooks, OpenAPI): they keep the API's
# JSON errors whatever the client accepts.
API_PREFIXES = ("/api", "/fhir", "/cds-services", "/docs", "/redoc", "/openapi.json")

HERE = Path(__file__).parent
STATIC = HERE / "static"
SESSION_COOKIE = "scapula_session"  # the same cookie the JSON API accepts
CSRF_COOKIE = "scapula_csrf"

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__


def store_of(request: Request) -> Store:
    return request.app.state.store


def _secret(request: Request) -> bytes:
    # One random key per process: restarting the server only invalidates open forms.
    state = request.app.state
    if not hasattr(state, "csrf_key"):
        state.csrf_key = secrets.token_bytes(32)
    return state.csrf_key


def _csrf_seed(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE) or ""


def csrf_token(request: Request) -> str:
    """The token a form must send back: an HMAC of the session (or pre-login cookie)."""
    seed = _csrf_seed(request) or request.state.__dict__.setdefault("new_csrf_seed", secrets.token_urlsafe(24))
    return hmac.new(_secret(request), seed.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Refuse a form post whose token does not match this browser's session (403)."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    seed = _csrf_seed(request)
    good = hmac.new(_secret(request), seed.encode(), hashlib.sha256).hexdigest() if seed else ""
    if not seed or not hmac.compare_digest(sent, good):
        raise Forbidden("The form expired or came from another site; reload the page and try again")


def wants_html(request: Request) -> bool:
    """A web page asked for by a browser: errors become friendly pages. Scripts and API clients
    (no `text/html` in Accept) get the API's JSON error envelope on every path."""
    path = request.url.path
    if any(path == p or path.startswith(p + "/") for p in API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def bearer_or_cookie(request: Request) -> str | None:
    """The session token, from an `Authorization: Bearer` header (scripts, as the API allows) or
    the session cookie (browsers). Forms still need their CSRF token either way."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def require_patient(request: Request) -> Actor:
    """The patient whose own session this is; a missing or expired session is 401, a clinician 403."""
    token = bearer_or_cookie(request)
    if not token:
        raise AuthError("Open the link your clinic sent you to see your own pages")
    actor = store_of(request).actor(token)  # raises AuthError when expired or revoked
    if actor.kind != "patient" or actor.patient_id is None:
        raise Forbidden("These pages are for patients; clinicians use the clinic pages")
    return actor


def actor_or_none(request: Request) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return store_of(request).actor(token)
    except AuthError:
        return None


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; sets the pre-login CSRF cookie when the page minted a new one."""
    context.setdefault("actor", actor_or_none(request))
    context["csrf_token"] = csrf_token(request)
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    seed = request.state.__dict__.get("new_csrf_seed")
    if seed:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="strict")
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def set_session(response: RedirectResponse, token: str, max_age: int) -> RedirectResponse:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax")
    return response


def clear_session(response: RedirectResponse) -> RedirectResponse:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response
