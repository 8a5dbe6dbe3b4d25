"""known-bad TLP: the marking a feed gave an indicator, kept so it is shown and never widened

`intel_known_bad.tlp` holds the TLP 2.0 level (clear, green, amber, amber+strict, red)
the source put on the entry (a STIX object marking, a MISP tlp: tag, a CSV column),
or NULL when it carried none. Network ranges are stored in the same table with type
"cidr" (a String(20) already), so they need no column of their own.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("intel_known_bad", sa.Column("tlp", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # Plain ALTER on both dialects (SQLite 3.35+ drops a column without rebuilding the table).
    op.drop_column("intel_known_bad", "tlp")
