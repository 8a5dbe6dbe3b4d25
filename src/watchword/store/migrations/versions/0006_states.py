"""stored states: each status or kind column accepts only its enum's values

PostgreSQL gets a CHECK constraint per column. SQLite cannot add a CHECK to an
existing table without rebuilding it (and a rebuild of `reports` would drop the
search triggers and trip the foreign keys of every table that points at it),
so there the same rule is a pair of triggers, before INSERT and before UPDATE
of the column, that abort with "CHECK constraint failed: <name>".

The values are written out here, not read from `domain/states.py`: a migration
is history, and a later change of an enum is a later migration.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("jobs", "status"): ("queued", "running", "done", "parked"),
    ("reports", "status"): ("received", "analysed", "failed"),
    ("campaigns", "status"): ("open", "closed", "empty", "merged"),
    ("bulletins", "status"): ("draft", "published", "withdrawn"),
    ("mail_outbox", "status"): ("queued", "sending", "sent", "suppressed", "failed"),
    ("mail_outbox", "kind"): ("ack", "outcome"),
    ("campaign_decisions", "kind"): ("merge", "split", "verdict"),
    ("reporter_messages", "author_kind"): ("reporter", "analyst"),
}


def _name(table: str, column: str) -> str:
    return f"ck_{table}_{column}"


def _allowed(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for (table, column), values in STATES.items():
        name, allowed = _name(table, column), _allowed(column, values)
        if not sqlite:
            op.create_check_constraint(name, table, allowed)
            continue
        abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {name}')"
        op.execute(f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN NOT (NEW.{allowed}) BEGIN {abort}; END")
        op.execute(
            f"CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} "
            f"WHEN NOT (NEW.{allowed}) BEGIN {abort}; END"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in STATES:
        name = _name(table, column)
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_insert")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_update")
        else:
            op.drop_constraint(name, table, type_="check")
