"""reporters' words sealed at rest; every submission keeps its reporter's words

* `submissions.words_sealed`: what each reporter wrote (text, picked approach,
  answers), sealed. Before this, a sighting kept only channel, source name and
  contact: the words of a second reporter of the same message were lost.
* `reports.answers_sealed`: the answers (free text among them), sealed;
  `reports.answers` is left empty.
* `reporter_messages.body_sealed`: the reporter thread, sealed; `body` left empty.
* `reporter_files.submission_id`: which submission's reporter attached the file.
* The forwarding comment inside each stored analysis (`wrapper.reporter_comment`)
  is replaced by `wrapper.reporter_comment_sealed`.

Existing plain-text rows are sealed here with the runtime's key (the migration
is handed it through Alembic's config attributes; outside a runtime, the key of
`Settings.from_env()`), in batches, and unsealed again on downgrade.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from watchword.security import sealing

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 500


def _key_source() -> Callable[[], bytes]:
    """The key, read (or created) only when there is something to seal, and only once."""
    source: Callable[[], bytes] | None = context.config.attributes.get("sealing_key")
    if source is None:
        from watchword.config import Settings

        source = Settings.from_env().secret_key
    found: list[bytes] = []

    def key() -> bytes:
        if not found:
            found.append(source())
        return found[0]

    return key


_Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_REPORTS = sa.table(
    "reports",
    sa.column("id", _Id),
    sa.column("text", sa.Text()),
    sa.column("approach_hint", sa.String()),
    sa.column("answers", _Json),
    sa.column("answers_sealed", sa.LargeBinary()),
)
_SUBMISSIONS = sa.table(
    "submissions", sa.column("id", _Id), sa.column("report_id", _Id), sa.column("words_sealed", sa.LargeBinary())
)
_MESSAGES = sa.table(
    "reporter_messages", sa.column("id", _Id), sa.column("body", sa.Text()), sa.column("body_sealed", sa.LargeBinary())
)
_ANALYSES = sa.table("analyses", sa.column("report_id", _Id), sa.column("result", _Json))


def _batches(conn: sa.Connection, query: Any, id_column: sa.ColumnClause[Any]) -> Iterator[list[Any]]:
    """Rows in batches by id, so that a large store is never read whole into memory."""
    last = -1
    while True:
        rows = conn.execute(query.where(id_column > last).order_by(id_column).limit(_BATCH)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1][0]


def _comment(key: str) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(_ANALYSES.c.result["wrapper"][key].as_string(), "") != ""


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("answers_sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("words_sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("reporter_messages") as batch:
        batch.add_column(sa.Column("body_sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("reporter_files") as batch:
        batch.add_column(sa.Column("submission_id", _Id, nullable=True))
        batch.create_foreign_key(
            batch.f("fk_reporter_files_submission_id_submissions"),
            "submissions",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(batch.f("ix_reporter_files_submission_id"), ["submission_id"], unique=False)
    _seal_existing(op.get_bind())


def _seal_existing(conn: sa.Connection) -> None:
    k = _key_source()
    query = sa.select(_REPORTS.c.id, _REPORTS.c.text, _REPORTS.c.approach_hint, _REPORTS.c.answers)
    for rows in _batches(conn, query, _REPORTS.c.id):
        for rid, text, hint, answers in rows:
            answers = answers or {}
            if not (text or hint or answers):
                continue
            # The first submission of each report keeps the words the report was filed with.
            first = conn.scalar(sa.select(sa.func.min(_SUBMISSIONS.c.id)).where(_SUBMISSIONS.c.report_id == rid))
            if first is not None:
                words = {"text": text or "", "approach_hint": hint or "", "answers": answers}
                conn.execute(
                    sa.update(_SUBMISSIONS)
                    .where(_SUBMISSIONS.c.id == first)
                    .values(words_sealed=sealing.seal_json(k(), words))
                )
            if answers:
                conn.execute(
                    sa.update(_REPORTS)
                    .where(_REPORTS.c.id == rid)
                    .values(answers_sealed=sealing.seal_json(k(), answers), answers={})
                )
    query = sa.select(_MESSAGES.c.id, _MESSAGES.c.body).where(_MESSAGES.c.body != "")
    for rows in _batches(conn, query, _MESSAGES.c.id):
        for mid, body in rows:
            sealed = sealing.seal(k(), body, sealing.THREAD)
            conn.execute(sa.update(_MESSAGES).where(_MESSAGES.c.id == mid).values(body="", body_sealed=sealed))
    query = sa.select(_ANALYSES.c.report_id, _ANALYSES.c.result).where(_comment("reporter_comment"))
    for rows in _batches(conn, query, _ANALYSES.c.report_id):
        for rid, result in rows:
            wrapper = dict(result.get("wrapper") or {})
            comment = str(wrapper.pop("reporter_comment", ""))
            wrapper["reporter_comment_sealed"] = sealing.seal_text(k(), comment, sealing.COMMENT)
            wrapper["reporter_comment"] = ""
            conn.execute(
                sa.update(_ANALYSES).where(_ANALYSES.c.report_id == rid).values(result={**result, "wrapper": wrapper})
            )


def _unseal_existing(conn: sa.Connection) -> None:
    k = _key_source()
    query = sa.select(_REPORTS.c.id, _REPORTS.c.answers_sealed).where(_REPORTS.c.answers_sealed.is_not(None))
    for rows in _batches(conn, query, _REPORTS.c.id):
        for rid, sealed in rows:
            answers = sealing.unseal_json(k(), bytes(sealed))
            conn.execute(sa.update(_REPORTS).where(_REPORTS.c.id == rid).values(answers=answers))
    query = sa.select(_MESSAGES.c.id, _MESSAGES.c.body_sealed).where(_MESSAGES.c.body_sealed.is_not(None))
    for rows in _batches(conn, query, _MESSAGES.c.id):
        for mid, sealed in rows:
            body = sealing.unseal(k(), bytes(sealed), sealing.THREAD)
            conn.execute(sa.update(_MESSAGES).where(_MESSAGES.c.id == mid).values(body=body))
    query = sa.select(_ANALYSES.c.report_id, _ANALYSES.c.result).where(_comment("reporter_comment_sealed"))
    for rows in _batches(conn, query, _ANALYSES.c.report_id):
        for rid, result in rows:
            wrapper = dict(result.get("wrapper") or {})
            sealed = str(wrapper.pop("reporter_comment_sealed"))
            wrapper["reporter_comment"] = sealing.unseal_text(k(), sealed, sealing.COMMENT)
            conn.execute(
                sa.update(_ANALYSES).where(_ANALYSES.c.report_id == rid).values(result={**result, "wrapper": wrapper})
            )


def downgrade() -> None:
    # The sightings' own words have no plain-text column to go back to: they are dropped.
    _unseal_existing(op.get_bind())
    with op.batch_alter_table("reporter_files") as batch:
        batch.drop_index(batch.f("ix_reporter_files_submission_id"))
        batch.drop_constraint(batch.f("fk_reporter_files_submission_id_submissions"), type_="foreignkey")
        batch.drop_column("submission_id")
    for table, column in (
        ("reporter_messages", "body_sealed"),
        ("submissions", "words_sealed"),
        ("reports", "answers_sealed"),
    ):
        _drop_column(table, column)


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Natively (SQLite >= 3.35): a batch rebuild would drop and recreate `reports`, and
        # with foreign keys on, dropping it would cascade into every table that points at it.
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    else:
        op.drop_column(table, column)
