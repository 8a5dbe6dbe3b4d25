"""Tables of the people area: analyst accounts, their sessions, API tokens, notes.

Also the console's covering indexes on the shared `reports` and `campaigns`
tables: they exist for the queue and campaign pages, so they are declared
next to the code that needs them (Alembic sees them through `schema.py`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchword.domain.states import Role, TokenScope
from watchword.store.models import Base, Campaign, Id, Report, ReportIndicator, utcnow

ROLES = tuple(str(r) for r in Role)
TOKEN_SCOPES = tuple(str(s) for s in TokenScope)  # what each opens: domain/states.py


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="viewer")  # admin | analyst | viewer
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id, PHC string
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The TOTP secret is sealed like reporter contacts: a stolen database alone
    # must not let anyone mint second-factor codes.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last accepted TOTP time step: a code is good once, not for its whole window.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # False until the second factor is given, for accounts that have one.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Base):
    """A machine client's bearer token: shown once, stored as its SHA-256, one scope."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(20))  # submit | read | write | admin
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so a token can be recognised
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginFailure(Base):
    """One failed sign-in, kept for throttling by account and by address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # password | totp: a correct password must not wipe the second factor's failures.
    kind: Mapped[str] = mapped_column(String(10), default="password", server_default="password")


class Note(Base):
    """An analyst's note on a report or a campaign; searchable with the reports."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))  # report | campaign
    object_id: Mapped[int] = mapped_column(Id)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SavedSearch(Base):
    """A queue or search filter an analyst named to run again (issue 15); each analyst's own."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_searches_user_name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The page it runs ("queue" or "search") and its query string, as parsed filters wrote it back.
    target: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The queue lists unassigned reports by risk, newest first within equal risk:
# with this index that is an index walk that stops after one page, at any size.
Index("ix_reports_queue", Report.campaign_id, Report.risk, Report.id)
# The campaign timeline counts members per hour or day from the index alone.
Index("ix_reports_campaign_created", Report.campaign_id, Report.created_at)
# Counts (store.counts.Counts) sum a campaign's sightings from the index alone.
Index("ix_reports_campaign_sightings", Report.campaign_id, Report.sightings)
# The queue's open campaigns by priority, one index walk per page.
Index("ix_campaigns_queue", Campaign.status, Campaign.priority, Campaign.id)
# An indicator's page lists its newest reports: (indicator_id, report_id) serves that order.
Index("ix_report_indicators_indicator_report", ReportIndicator.indicator_id, ReportIndicator.report_id)
