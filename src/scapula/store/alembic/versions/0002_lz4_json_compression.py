"""compress the large JSON documents with lz4 on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:10:00

Every assessment stores its intake and result, and every plan a document of about 45 kB. PostgreSQL
compresses such values with pglz by default, which doubled the cost of each insert (1.8 ms against
0.8 ms for a 45 kB plan with lz4, measured on this project's bench machine). lz4 needs
PostgreSQL 14 or later built with lz4 support; elsewhere, and on SQLite, nothing changes. Existing
rows keep their compression until rewritten; new values use lz4.
"""

from __future__ import annotations

from alembic import op

from scapula.store.migrate import lz4_available

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("assessments", "intake"), ("assessments", "result"), ("plans", "plan"))


def upgrade() -> None:
    if lz4_available(op.get_bind()):
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if lz4_available(op.get_bind()):
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")
