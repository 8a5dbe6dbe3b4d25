"""taxii write and pull: which campaign published a TAXII object, Add Objects status resources, feed pull state

`taxii_objects.campaign_id` lets a withdrawn verdict find and revoke what a
campaign published; `taxii_status` keeps the status resource of each Add
Objects request; `intel_feed_pulls` remembers how far each configured remote
feed has been pulled.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # A plain ALTER, not a batch: rebuilding taxii_objects on SQLite is not needed for a nullable column.
    op.add_column("taxii_objects", sa.Column("campaign_id", _ID, nullable=True))
    op.create_index("ix_taxii_objects_campaign_id", "taxii_objects", ["campaign_id"])
    op.create_table(
        "taxii_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("collection", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("request_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("batch_id", _ID, nullable=True),
        sa.Column("details", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_status")),
    )
    op.create_table(
        "intel_feed_pulls",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cursor", sa.String(length=64), nullable=False),
        sa.Column("state", _JSON, nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_intel_feed_pulls")),
    )


def downgrade() -> None:
    op.drop_table("intel_feed_pulls")
    op.drop_table("taxii_status")
    op.drop_index("ix_taxii_objects_campaign_id", table_name="taxii_objects")
    op.drop_column("taxii_objects", "campaign_id")
