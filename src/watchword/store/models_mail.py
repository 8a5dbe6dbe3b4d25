"""Tables of the mail area: reporters' mails as received, the reply outbox, opt-outs.

A reporter's mail (the "wrapper") is kept whole as a blob: it is the source of
truth for what the reporter sent, even when each original attached to it
became a report of its own. Reporter addresses are sealed (AES-GCM) like every
contact detail; `reporter_hash` is a keyed hash of the normalised address so
that opt-outs and rate limits work without decrypting anything.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchword.domain.states import MailStatus
from watchword.store.models import Base, Id, utcnow


class MailMessage(Base):
    """One reporter's mail, recorded once it and all its reports are durable.

    The unique wrapper hash is what makes mail intake idempotent: the same
    bytes delivered again (an SMTP client retrying after a lost "250", an IMAP
    message fetched again after a crash) are recognised and not counted twice.
    """

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_imap_uid", "imap_mailbox", "imap_uidvalidity", "imap_uid"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    wrapper_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), unique=True)
    via: Mapped[str] = mapped_column(String(10))  # smtp | imap
    source: Mapped[str] = mapped_column(String(500), default="")  # peer or mailbox URL, for the analyst
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # attachment | inline-<client> | direct | opt-out | opt-in
    shape: Mapped[str] = mapped_column(String(40), default="")
    originals: Mapped[int] = mapped_column(Integer, default=0)
    reporter_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reporter_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The language replies to this reporter are written in (Content-Language or a guess from the mail).
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    imap_mailbox: Mapped[str | None] = mapped_column(String(200), nullable=True)
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    imap_uid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MailMessageReport(Base):
    """Which reports a mail produced: how an outcome finds its way back to each reporter."""

    __tablename__ = "mail_message_reports"

    mail_message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)  # 1-based order of the original in the mail


class MailOutbox(Base):
    """A reply waiting to be sent. Written in the transaction that causes it, so none is lost."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "send_after"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # MailKind: ack | outcome | message
    # Equal for the same reply to the same reporter: a verdict set twice, or an
    # intake retried, queues nothing new.
    dedupe: Mapped[str] = mapped_column(String(64), unique=True)
    reporter_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_hash: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[str] = mapped_column(String(300), default="")
    # queued -> sending -> sent | suppressed (opted out, rate-limited ack) | failed
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.QUEUED)  # MailStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class MailOptOut(Base):
    """A reporter who asked for no more mail. Only the keyed hash of the address is kept."""

    __tablename__ = "mail_opt_outs"

    reporter_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    via: Mapped[str] = mapped_column(String(20), default="mail")  # mail | web | cli
