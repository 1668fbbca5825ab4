"""store the large documents as plain JSON on PostgreSQL; index each patient's active plan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:00:00

The intake, result and plan documents are written once, read whole and never queried inside. As
JSONB, PostgreSQL parsed each into its binary form on insert: 1.6 ms of its CPU per assessment's
documents against 0.9 ms as JSON (bench/service.py's machine). On SQLite the type is the same JSON
text as before and only the index is new. The column type change rewrites the two tables once and
resets each column's compression, so 0002's lz4 is set again.

The partial index finds a patient's active plan (read by every patient page, replaced by every
assessment) without visiting each earlier plan.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from scapula.store.migrate import lz4_available

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (("assessments", "intake"), ("assessments", "result"), ("plans", "plan"))


def upgrade() -> None:
    _retype(sa.JSON(), postgresql.JSONB(), "json")
    op.create_index("ix_plans_active_patient", "plans", ["patient_id"],
                    sqlite_where=sa.text("active"), postgresql_where=sa.text("active"))


def downgrade() -> None:
    op.drop_index("ix_plans_active_patient", table_name="plans")
    _retype(postgresql.JSONB(), sa.JSON(), "jsonb")


def _retype(new: sa.types.TypeEngine, old: sa.types.TypeEngine, cast: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    lz4 = lz4_available(bind)
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=new, existing_type=old, postgresql_using=f"{column}::{cast}")
        if lz4:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")
