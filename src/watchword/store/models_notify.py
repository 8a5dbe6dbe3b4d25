"""Tables of analysts' notifications: who wants which events where, and the events to send.

An analyst's Apprise URLs (mailto://, slack://, matrix://, msteams://, json://, ...) carry
credentials, so they are sealed like TOTP secrets and reporter contacts. An event is written in
the transaction that causes it (the worker's result transaction, a reporter's message); the
worker sends it afterwards, so nothing on the way in waits for a chat service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchword.store.models import Base, Id, utcnow


class NotificationSetting(Base):
    """One analyst's notification targets and the events they want."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    urls_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # JSON list, sealed
    url_count: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[list[Any]] = mapped_column(default=list)  # surge | high_risk | reporter_reply
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationEvent(Base):
    """Something analysts may want to hear about, once: `key` makes a repeat a no-op
    ("surge:12:2026-03-02" is one surge notice per campaign and day)."""

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # surge | high_risk | reporter_reply
    campaign_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    report_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # analysts it reached
    failed: Mapped[int] = mapped_column(Integer, default=0)  # analysts whose every target failed
    last_error: Mapped[str] = mapped_column(Text, default="")
