"""Tables of the reporter area: anonymous receipts, the two-way thread, files, restricted reports.

A receipt belongs to one person's submission, not to the report: when 500
people report the same message there is one report and 500 receipts, and each
person's thread with the analysts stays their own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchword.store.models import Base, Id, utcnow


class ReporterReceipt(Base):
    """What an anonymous reporter holds: a receipt code and a passphrase.

    Only hashes are stored. The code has 100 bits of randomness, so its plain
    SHA-256 is a safe lookup key; the passphrase, which a person may choose
    and reuse, gets Argon2id.
    """

    __tablename__ = "reporter_receipts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    passphrase_hash: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(40), default="")  # which guided form the reporter used
    # True when we made up the passphrase (derived from the form's nonce, like the code), so that a form
    # sent twice can show it again; a passphrase the reporter chose is never shown.
    passphrase_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The page's language when they reported: their status page and outcome are written in it.
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_visit_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Failed passphrases in a row; a receipt pauses after too many (see services.receipts).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ThreadMessage(Base):
    """One message between a reporter and the analysts.

    Each message belongs to one person's thread: a receipt (`receipt_id`) or a
    mail reporter (`mail_reporter_hash`, the keyed hash of their address, as on
    `mail_messages`). Nothing written to one reporter is shown to another, even
    when their identical emails became one report. Rows with neither were
    written before migration 0011, when an analyst could only write "to every
    reporter of this report"; they stay visible to the web reporters they were
    shown to then, and no new one is written.
    """

    __tablename__ = "reporter_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(
        ForeignKey("reporter_receipts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    mail_reporter_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    author_kind: Mapped[str] = mapped_column(String(10))  # AuthorKind
    author: Mapped[str] = mapped_column(String(100), default="")  # analyst's name; never shown to reporters
    # Empty: the message is sealed in `body_sealed` (security/sealing.py); rows written before
    # migration 0004 had it here, and that migration sealed them.
    body: Mapped[str] = mapped_column(Text, default="")
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ReporterFile(Base):
    """A screenshot or other file a reporter attached beside (or instead of) the message itself."""

    __tablename__ = "reporter_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    # The submission (the first one or a sighting) whose reporter attached it.
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RestrictedReport(Base):
    """A report the scope guard turned away: kept apart, out of campaigns and search, deleted early.

    Written as soon as the instant check or the stored analysis says out of
    scope; `Report.scope == "out_of_scope"` says the same for reports from
    other channels. Analysts see these only in their own review list.
    """

    __tablename__ = "restricted_reports"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="")  # instant | analysis
    restricted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
