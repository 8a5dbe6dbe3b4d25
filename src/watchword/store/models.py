"""SQLAlchemy 2 models: the one schema for SQLite and PostgreSQL.

The raw submission (a content-addressed blob plus the reporter's words) is the
source of truth; analyses, indicators and campaign membership are derived and
can be recomputed from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from watchword import clock
from watchword.domain.states import CampaignStatus, CaseStatus, JobStatus, ReportStatus

# Named constraints so that Alembic migrations are identical on both backends.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite's INTEGER PRIMARY KEY is its rowid: BigInteger there would lose that.
Id = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return clock.now()  # not datetime.now(): tests move time forward through watchword.clock


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JsonType, list[Any]: JsonType}


class Blob(Base):
    """A raw submission's bytes live on disk under their SHA-256; this row records them."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Campaign(Base):
    """Reports that belong to one operation: one wave, one persona, one lure."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.OPEN, index=True)  # CampaignStatus
    approach_type: Mapped[str] = mapped_column(String(40), default="benign", index=True)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    sighting_count: Mapped[int] = mapped_column(Integer, default=0)
    reporter_count: Mapped[int] = mapped_column(Integer, default=0)
    representative_report_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    verdict_note: Mapped[str] = mapped_column(Text, default="")
    verdict_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    surging: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    priority: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), nullable=True)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # priority reasons, top indicators
    # Clustering state (campaigns/engine.py): the risk class that namespaces
    # its keys, and how many reports (sightings of one content included) it holds.
    risk_class: Mapped[str] = mapped_column(String(8), default="high")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    # The analyst's work on it (migration 0014): who has it, and new / in progress / closed.
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    case_status: Mapped[str] = mapped_column(
        String(20), default=CaseStatus.NEW, server_default=str(CaseStatus.NEW), index=True
    )  # CaseStatus


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    # received -> analysed | failed. A parked analysis job leaves the report "failed".
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.RECEIVED, index=True)  # ReportStatus
    # Equal for the same raw bytes (or, for text-only reports, the same normalised
    # text): a repeat becomes a sighting of this report, not a second analysis.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    raw_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    approach_hint: Mapped[str] = mapped_column(String(40), default="")
    # Kept empty: the answers are sealed in `answers_sealed` (security/sealing.py), because
    # free-text answers are the reporter's own words. Reports stored before migration 0004
    # had them here in plain text; that migration sealed them.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    source_name: Mapped[str] = mapped_column(String(500), default="")
    # The reporter's language (a shipped one, "" when unknown): the page they used, their mail's
    # Content-Language, or a guess from their words; the console lays the text out by it.
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Reporter contact details, AES-GCM encrypted with the configured key; never in lists.
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    last_sighted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Denormalised from the analysis for lists and queues.
    subject: Mapped[str] = mapped_column(String(500), default="")
    approach_type: Mapped[str] = mapped_column(String(40), default="", index=True)
    scope: Mapped[str] = mapped_column(String(20), default="in_scope", index=True)
    risk: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    # No index of its own: ix_reports_queue and ix_reports_campaign_created lead with it (migration 0019).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    # The analyst's work on it (migration 0014): who has it, and new / in progress / closed.
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    case_status: Mapped[str] = mapped_column(
        String(20), default=CaseStatus.NEW, server_default=str(CaseStatus.NEW), index=True
    )  # CaseStatus

    analysis: Mapped[AnalysisRecord | None] = relationship(back_populates="report", uselist=False)


class Submission(Base):
    """Each time someone submitted a report: the first one and every sighting.

    Each keeps everything its reporter wrote (`words_sealed`: their text, the
    approach they picked and their answers, sealed), so that a sighting of a
    report already stored loses none of its reporter's words.
    """

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(500), default="")
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    words_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class AnalysisRecord(Base):
    __tablename__ = "analyses"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    result: Mapped[dict[str, Any]] = mapped_column()
    # What the pipeline was given, hashed (services/processing.py input_key): a
    # later report with the same input reuses this analysis instead of re-running it.
    input_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)

    report: Mapped[Report] = relationship(back_populates="analysis")


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("type", "value", name="uq_indicators_type_value"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(2048))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    report_count: Mapped[int] = mapped_column(Integer, default=0)


class ReportIndicator(Base):
    __tablename__ = "report_indicators"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    # No index of its own: ix_report_indicators_indicator_report leads with it (migration 0019).
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True)


class Job(Base):
    """A durable unit of background work, committed with what it works on."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claimable", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # queued -> running -> done, or back to queued with backoff, or parked after max attempts.
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)  # domain/states.py
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_by: Mapped[str] = mapped_column(String(100), default="")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    """Append-only and hash-chained: each event's hash covers the previous one's."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
