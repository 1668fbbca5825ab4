"""Storage of the clinic service: the only package that touches a database."""

from .accounts import Actor
from .db import DEFAULT_URL, Database
from .service import Settings, Store

__all__ = ["DEFAULT_URL", "Actor", "Database", "Settings", "Store"]
