"""The Alembic migrations build exactly the schema the ORM models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from scapula.store import Database
from scapula.store.migrate import alembic_config
from scapula.store.models import Base


def _current(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _heads(db: Database) -> tuple[str, ...]:
    return ScriptDirectory.from_config(alembic_config(db)).get_heads()


def _diff(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "render_as_batch": db.is_sqlite,
            },
        )
        return compare_metadata(context, Base.metadata)


def test_there_is_one_line_of_migrations(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert len(_heads(db)) == 1, f"several heads: {_heads(db)}; merge them"
    finally:
        db.dispose()


def test_upgrading_a_fresh_database_reaches_head(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert _current(db) is None
        db.upgrade()
        assert _current(db) == _heads(db)[0]
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        db.upgrade()  # a second upgrade is a no-op
        assert _current(db) == _heads(db)[0]
    finally:
        db.dispose()


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        diff = _diff(db)
        assert diff == [], "models and migrations differ (write a migration):\n" + "\n".join(map(repr, diff))
    finally:
        db.dispose()


def test_downgrade_to_base_and_back_up(database_url: str) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        config = alembic_config(db)
        command.downgrade(config, "base")
        assert _current(db) is None
        assert not set(Base.metadata.tables) & set(inspect(db.engine).get_table_names())
        command.upgrade(config, "head")
        assert _current(db) == _heads(db)[0]
        assert _diff(db) == []
    finally:
        db.dispose()


def test_large_documents_are_stored_with_lz4_where_postgresql_offers_it(database_url: str) -> None:
    from sqlalchemy import text

    db = Database(database_url)
    try:
        db.upgrade()
        if db.is_sqlite:
            pytest.skip("SQLite has no choice of compression")
        with db.engine.connect() as conn:
            offered = conn.execute(
                text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
            ).scalar() or []
            methods = dict(conn.execute(text(
                "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute"
                " WHERE attrelid IN ('assessments'::regclass, 'plans'::regclass)"
                " AND attname IN ('intake', 'result', 'plan')")).all())
        expected = "l" if "lz4" in offered else ""
        assert methods == {"assessments.intake": expected, "assessments.result": expected, "plans.plan": expected}
    finally:
        db.dispose()
