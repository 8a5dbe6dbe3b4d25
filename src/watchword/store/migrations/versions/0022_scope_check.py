"""the store checks a report's scope: in_scope, out_of_scope or needs_detail, nothing else

`reports.scope` was the one state column the reading writes that the store did not
check (issue 12). Checked like the states of migration 0006: a CHECK constraint on
PostgreSQL, a trigger pair on SQLite (which cannot add a CHECK to an existing table
without rebuilding it, and a rebuild of `reports` would drop its search and state
triggers).

The values are written out here, not read from `domain/states.py`: a migration is
history.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SCOPES = ("in_scope", "out_of_scope", "needs_detail")
NAME = "ck_reports_scope"


def _allowed() -> str:
    return f"scope IN ({', '.join(repr(v) for v in SCOPES)})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(NAME, "reports", _allowed())
        return
    abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}')"
    op.execute(f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON reports WHEN NOT (NEW.{_allowed()}) BEGIN {abort}; END")
    op.execute(
        f"CREATE TRIGGER {NAME}_update BEFORE UPDATE OF scope ON reports WHEN NOT (NEW.{_allowed()}) BEGIN {abort}; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {NAME}_insert")
        op.execute(f"DROP TRIGGER IF EXISTS {NAME}_update")
    else:
        op.drop_constraint(NAME, "reports", type_="check")
