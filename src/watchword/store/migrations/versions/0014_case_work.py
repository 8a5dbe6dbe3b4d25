"""case work: reports and campaigns get an assignee and a case status; analysts keep saved searches

`reports.assignee` / `campaigns.assignee` name the analyst who has it (a
username, or NULL for nobody). `case_status` is new / in_progress / closed,
checked by the store like the states of migration 0006: a CHECK constraint on
PostgreSQL, a trigger pair on SQLite (which cannot add a CHECK to an existing
table without rebuilding it). `saved_searches` holds each analyst's named
queue and search filters. `ix_reports_campaign_sightings` lets the counts of
reports and sightings per campaign be read from an index.

The values are written out here, not read from `domain/states.py`: a migration
is history.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CASE_STATES = ("new", "in_progress", "closed")
TABLES = ("reports", "campaigns")


def _allowed() -> str:
    return f"case_status IN ({', '.join(repr(v) for v in CASE_STATES)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        # Plain ALTERs, not a batch: rebuilding `reports` on SQLite would drop its search and state triggers.
        op.add_column(table, sa.Column("assignee", sa.String(length=100), nullable=True))
        op.add_column(table, sa.Column("case_status", sa.String(length=20), nullable=False, server_default="new"))
        op.create_index(f"ix_{table}_assignee", table, ["assignee"])
        op.create_index(f"ix_{table}_case_status", table, ["case_status"])
        name = f"ck_{table}_case_status"
        if not sqlite:
            op.create_check_constraint(name, table, _allowed())
            continue
        abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {name}')"
        op.execute(
            f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN NOT (NEW.{_allowed()}) BEGIN {abort}; END"
        )
        op.execute(
            f"CREATE TRIGGER {name}_update BEFORE UPDATE OF case_status ON {table} "
            f"WHEN NOT (NEW.{_allowed()}) BEGIN {abort}; END"
        )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_saved_searches_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_searches"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_searches_user_name"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    # Counts (store.counts.Counts) sum a campaign's sightings from the index alone.
    op.create_index("ix_reports_campaign_sightings", "reports", ["campaign_id", "sightings"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_reports_campaign_sightings", table_name="reports")
    op.drop_index("ix_saved_searches_user_id", table_name="saved_searches")
    op.drop_table("saved_searches")
    for table in TABLES:
        name = f"ck_{table}_case_status"
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_insert")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_update")
        else:
            op.drop_constraint(name, table, type_="check")
        op.drop_index(f"ix_{table}_case_status", table_name=table)
        op.drop_index(f"ix_{table}_assignee", table_name=table)
        # SQLite >= 3.35 drops a column in place when no index or trigger names it (both went above).
        op.drop_column(table, "case_status")
        op.drop_column(table, "assignee")
