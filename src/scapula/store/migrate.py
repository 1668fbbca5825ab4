"""Alembic migrations, configured in code so no alembic.ini has to travel with the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from .db import Database

__all__ = ["alembic_config", "lz4_available", "upgrade"]

SCRIPTS = Path(__file__).parent / "alembic"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def lz4_available(bind: Connection) -> bool:
    """Whether this database can compress column values with lz4 (PostgreSQL 14+ built with it);
    migrations 0002 and 0003 use it."""
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return False
    options = bind.execute(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    return bool(options) and "lz4" in options
