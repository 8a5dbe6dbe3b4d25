"""one name for each check: the PostgreSQL CHECK constraints of 0006, 0011, 0014 and 0022 lose the doubled prefix

Those migrations passed `ck_<table>_<column>` to `create_check_constraint`, and the
metadata's naming convention (`ck_%(table_name)s_%(constraint_name)s`, store/models.py)
prefixed it again: on PostgreSQL they are `ck_reports_ck_reports_scope` and the like,
while 0023's, the models' and SQLite's triggers say `ck_reports_scope` (issue 12). A
refused write named the doubled form in its error. This renames the eleven of them to
the single form; a rename changes only the catalogue (no row is read or rewritten).

SQLite is unchanged: its checks are trigger pairs that those migrations named
`ck_<table>_<column>_insert` / `_update` in plain SQL, which no convention touches.

The names are written out here: a migration is history.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# (table, column) of every check created through the convention with the name already prefixed:
# 0006's states (0011 dropped and made mail_outbox.kind again, the same way), 0014's case states,
# 0022's scope.
DOUBLED = (
    ("jobs", "status"),
    ("reports", "status"),
    ("campaigns", "status"),
    ("bulletins", "status"),
    ("mail_outbox", "status"),
    ("mail_outbox", "kind"),
    ("campaign_decisions", "kind"),
    ("reporter_messages", "author_kind"),
    ("reports", "case_status"),
    ("campaigns", "case_status"),
    ("reports", "scope"),
)


def single(table: str, column: str) -> str:
    return f"ck_{table}_{column}"


def doubled(table: str, column: str) -> str:
    return f"ck_{table}_{single(table, column)}"


def _rename(to_single: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in DOUBLED:
        old, new = doubled(table, column), single(table, column)
        if not to_single:
            old, new = new, old
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")


def upgrade() -> None:
    _rename(to_single=True)


def downgrade() -> None:
    # Back to the names 0022 and the migrations before it drop (through the same convention).
    _rename(to_single=False)
