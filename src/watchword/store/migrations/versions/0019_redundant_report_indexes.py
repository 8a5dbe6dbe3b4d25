"""drop two indexes whose column leads another index of the same table

Measured at a million reports on PostgreSQL (bench/scale.py, docs/scaling.md):
`ix_report_indicators_indicator_id` (indicator_id) was 160 MB, 166 bytes per report, and every
lookup it served is served by `ix_report_indicators_indicator_report` (indicator_id, report_id);
`ix_reports_campaign_id` (campaign_id) is likewise led by `ix_reports_queue` (campaign_id, risk,
id) and `ix_reports_campaign_created` (campaign_id, created_at). Each new report paid for
maintaining them (17 indicator links per report on average) for no read that needs them.

Revision ID: 0019
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain DROP INDEX, not a batch: rebuilding `reports` on SQLite would drop its triggers.
    op.drop_index("ix_report_indicators_indicator_id", table_name="report_indicators")
    op.drop_index("ix_reports_campaign_id", table_name="reports")


def downgrade() -> None:
    op.create_index("ix_reports_campaign_id", "reports", ["campaign_id"], unique=False)
    op.create_index("ix_report_indicators_indicator_id", "report_indicators", ["indicator_id"], unique=False)
