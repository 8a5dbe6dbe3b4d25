"""Tables of the campaigns area: the persisted clustering index, membership,
analysts' decisions and hourly counts for surge detection.

Import Base from watchword.store.models (one metadata for the whole schema).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchword.store.models import Base, Id, utcnow


class CampaignPosting(Base):
    """One entry of the engine's posting lists: key -> (content, campaign).

    Keys are 63-bit hashes of an LSH band, a typed indicator key or an exact
    content hash (campaigns/engine.py). The engine stops adding entries to a
    key once it has been seen in more distinct contents than its cap, so a
    ubiquitous value costs a bounded number of rows, not one per report.
    `campaign_id` may name a campaign that was later merged: readers resolve
    it through `campaigns.merged_into_id`, so a merge rewrites no postings.
    """

    __tablename__ = "campaign_postings"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    content: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)


class CampaignMember(Base):
    """Why and how a report belongs to its campaign."""

    __tablename__ = "campaign_members"
    __table_args__ = (Index("ix_campaign_members_campaign_reporter", "campaign_id", "reporter_key"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(32), default="")
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)  # same normalised content as an earlier one
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # an analyst split it out: re-clustering keeps it
    # A hash of who was approached (the forwarding reporter, else the original
    # recipient); never the address itself.
    reporter_key: Mapped[str] = mapped_column(String(32), default="")
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignDecision(Base):
    """An analyst's merge, split or verdict, anchored on reports so that it survives re-clustering."""

    __tablename__ = "campaign_decisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # DecisionKind
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    other_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CampaignHour(Base):
    """Reports per hour, per campaign and (campaign_id 0) for the whole system: surge baselines."""

    __tablename__ = "campaign_hours"

    campaign_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # hours since the epoch
    count: Mapped[int] = mapped_column(Integer, default=0)


class CampaignIndexState(Base):
    """Format versions of the persisted index; a mismatch means: re-cluster, never misread."""

    __tablename__ = "campaign_index_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
