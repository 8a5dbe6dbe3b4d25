"""reporter language: the language a report was made in, kept with it and with each reporter

`reports.language` is the language of the reporter's words (the page they used, their mail's
Content-Language, or a guess from the text), so the console can lay them out in their direction;
`reporter_receipts.language` and `mail_messages.language` are each reporter's own, so that their
status page and mail replies speak it. "" means unknown (English is used).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("reports", "reporter_receipts", "mail_messages")


def upgrade() -> None:
    # Plain ALTERs, not a batch: rebuilding `reports` on SQLite would drop its search and state triggers.
    for table in TABLES:
        op.add_column(table, sa.Column("language", sa.String(length=16), nullable=False, server_default=""))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "language")
