"""The clinic service's HTTP API (FastAPI)."""

from .app import create_app, ready_to_serve

__all__ = ["create_app", "ready_to_serve"]
