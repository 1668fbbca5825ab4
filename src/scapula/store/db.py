"""Engines and sessions. SQLite by default (one file, WAL), PostgreSQL by URL; same code for both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydantic_core
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["DEFAULT_URL", "Database", "normalise_url"]

DEFAULT_URL = "sqlite:///scapula.db"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; a crash mid-write leaves the last commit intact.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _dumps(value: object) -> str:
    return pydantic_core.to_json(value).decode()


# Results and plans are stored as JSON of tens of kilobytes; pydantic-core's encoder is several
# times faster than the standard library's.
_JSON_CODEC = {"json_serializer": _dumps, "json_deserializer": pydantic_core.from_json}


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url, connect_args={"check_same_thread": False}, **_JSON_CODEC
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                self.url, pool_pre_ping=True, pool_size=10, max_overflow=20, **_JSON_CODEC
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Bring the schema to the latest Alembic revision."""
        from .migrate import upgrade

        upgrade(self)

    def dispose(self) -> None:
        self.engine.dispose()
