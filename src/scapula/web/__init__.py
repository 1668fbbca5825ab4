"""The web app: server-rendered pages for patients and clinicians over the clinic service."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .common import STATIC

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Mount the pages and their assets (all served by the app itself: no CDN, works offline)."""
    from . import ask, clinician, patient
    from .errors import install_error_pages

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(patient.router)
    app.include_router(ask.router)
    app.include_router(clinician.router)
    install_error_pages(app)
