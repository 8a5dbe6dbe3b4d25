"""login failures say what failed: the password or the second factor

A TOTP failure was stored like a password failure, and a correct password
deleted every failure of the account: four wrong codes, sign in again with
the password, four more (issue 11). With `kind`, a password sign-in clears
only its own client's password failures and TOTP failures are counted per
account over the window, whatever else happens.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="password", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_column("kind")
