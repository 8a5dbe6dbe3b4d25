"""sharing: analysts' allowlist and false positives; STIX ids kept from the first export

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_value_flags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_value_flags")),
        sa.UniqueConstraint("type", "value", "kind", name="uq_intel_value_flags_type_value_kind"),
    )
    op.create_table(
        "intel_stix_ids",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intel_stix_ids")),
        sa.UniqueConstraint("stix_id", name=op.f("uq_intel_stix_ids_stix_id")),
    )


def downgrade() -> None:
    op.drop_table("intel_stix_ids")
    op.drop_table("intel_value_flags")
