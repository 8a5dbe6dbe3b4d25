"""threads per person: a thread message may belong to a mail reporter; the outbox sends analysts' messages

`reporter_messages.mail_reporter_hash` names the mail reporter (keyed hash of
their address, as on `mail_messages`) whose thread a message is in, and
`mail_outbox.kind` accepts "message", the mail that carries an analyst's
message to that one reporter. The kind rule is the one migration 0006 wrote
(a CHECK on PostgreSQL, a trigger pair on SQLite), replaced with the longer list.

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

NAME = "ck_mail_outbox_kind"
BEFORE = ("ack", "outcome")
AFTER = ("ack", "outcome", "message")


def _kind_rule(values: tuple[str, ...]) -> None:
    allowed = f"kind IN ({', '.join(repr(v) for v in values)})"
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(NAME, "mail_outbox", type_="check")
        op.create_check_constraint(NAME, "mail_outbox", allowed)
        return
    abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}')"
    op.execute(f"DROP TRIGGER IF EXISTS {NAME}_insert")
    op.execute(f"DROP TRIGGER IF EXISTS {NAME}_update")
    op.execute(f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON mail_outbox WHEN NOT (NEW.{allowed}) BEGIN {abort}; END")
    op.execute(
        f"CREATE TRIGGER {NAME}_update BEFORE UPDATE OF kind ON mail_outbox WHEN NOT (NEW.{allowed}) BEGIN {abort}; END"
    )


def upgrade() -> None:
    # Plain ALTERs, not a batch: rebuilding the table on SQLite would drop 0006's author_kind triggers.
    op.add_column("reporter_messages", sa.Column("mail_reporter_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_reporter_messages_mail_reporter_hash", "reporter_messages", ["mail_reporter_hash"])
    _kind_rule(AFTER)


def downgrade() -> None:
    # Messages to mail reporters cannot be kept without their column: they go, with their mails.
    op.execute("DELETE FROM mail_outbox WHERE kind = 'message'")
    op.execute("DELETE FROM reporter_messages WHERE mail_reporter_hash IS NOT NULL")
    _kind_rule(BEFORE)
    op.drop_index("ix_reporter_messages_mail_reporter_hash", table_name="reporter_messages")
    op.drop_column("reporter_messages", "mail_reporter_hash")
