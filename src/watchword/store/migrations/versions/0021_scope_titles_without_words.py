"""retitle reports and campaigns whose title quoted a refused or unclear report's words

A report without a subject was titled by its first reason. For a report the scope guard refused
that reason quotes the reporter's words about a person ('out of scope: the report asks about a
person ("…")'), and for one that needs detail it read 'needs detail: no act (…) is described
yet'. `reports.subject` and `campaigns.title` are plain text shown in every list, while the
reporter's words are sealed: such titles are replaced by the outcome alone, as
`analysis/titles.py` now writes them. A subject of the reporter's own email is never one of these
two shapes, since a title only came from a reason when there was no subject.

Revision ID: 0021
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

# The old titles began with the reason's own prefix; the new ones (titles.SCOPE_TITLES), written out
# here so that a later change of wording cannot change what this migration did.
RETITLE = (
    ("out of scope: %", "Out of scope — no act done to the reporter is described"),
    ("needs detail: %", "Needs detail — no act is described yet"),
)


def upgrade() -> None:
    for old, new in RETITLE:
        op.execute(sa.text("UPDATE reports SET subject = :new WHERE subject LIKE :old").bindparams(new=new, old=old))
        op.execute(sa.text("UPDATE campaigns SET title = :new WHERE title LIKE :old").bindparams(new=new, old=old))


def downgrade() -> None:
    # The quoted words are not kept anywhere in plain text: there is nothing to restore.
    pass
