"""full-text search: FTS5 on SQLite, tsvector with GIN on PostgreSQL

Autogenerate cannot express either, so this revision is written by hand. The
tables are named `search_*` (the schema test leaves those alone). They hold
derived data only: `watchword.services.search.rebuild()` refills them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# unicode61 folds case and (with remove_diacritics 2) accents, so "Zurich"
# finds "Zürich"; no stemming, the same as PostgreSQL's 'simple' configuration.
_SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_reports USING fts5("
    "subject, body, indicators, notes, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_campaigns USING fts5(title, notes, tokenize = 'unicode61 remove_diacritics 2')",
    # A virtual table cannot carry a foreign key: triggers keep it from
    # pointing at deleted rows (retention deletes reports).
    "CREATE TRIGGER search_reports_gone AFTER DELETE ON reports BEGIN "
    "DELETE FROM search_reports WHERE rowid = old.id; END",
    "CREATE TRIGGER search_campaigns_gone AFTER DELETE ON campaigns BEGIN "
    "DELETE FROM search_campaigns WHERE rowid = old.id; END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_campaigns_gone",
    "DROP TRIGGER IF EXISTS search_reports_gone",
    "DROP TABLE IF EXISTS search_campaigns",
    "DROP TABLE IF EXISTS search_reports",
]
_PG_UP = [
    "CREATE TABLE search_reports (report_id BIGINT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE, "
    "doc tsvector NOT NULL)",
    "CREATE INDEX ix_search_reports_doc ON search_reports USING GIN (doc)",
    "CREATE TABLE search_campaigns (campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE, "
    "doc tsvector NOT NULL)",
    "CREATE INDEX ix_search_campaigns_doc ON search_campaigns USING GIN (doc)",
]
_PG_DOWN = [
    "DROP TABLE IF EXISTS search_campaigns",
    "DROP TABLE IF EXISTS search_reports",
]


def upgrade() -> None:
    statements = _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _PG_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _PG_DOWN
    for statement in statements:
        op.execute(statement)
