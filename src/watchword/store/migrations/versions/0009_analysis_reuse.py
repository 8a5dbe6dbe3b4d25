"""analysis reuse: the key of a report's pipeline input on its analysis

A report whose pipeline input is the same as one already analysed (the same
message delivered through other mail servers, or the same words) reuses that
analysis instead of running the pipeline again; `input_key` is what the worker
looks up (services/processing.py `input_key`). Nullable: analyses stored before
this revision simply are never reused.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("input_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_analyses_input_key"), ["input_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analyses_input_key"))
        batch_op.drop_column("input_key")
