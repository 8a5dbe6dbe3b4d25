"""Tables of the intel area: known-bad indicators from feeds, their matches,
the TAXII object store and awareness bulletins.

Import Base from watchword.store.models (one metadata for the whole schema).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from watchword.domain.states import BulletinStatus
from watchword.store.models import Base, Id, utcnow


class KnownBad(Base):
    """An indicator someone else told us is bad: one row per (type, value, source).

    Values are normalised exactly as the pipeline normalises what it extracts,
    so that matching is an equality join on (type, value) and nothing more; a network
    range is type "cidr" (`198.51.0.0/16`, `2001:db8::/32`), matched by containment
    (intel.retrohunt).
    """

    __tablename__ = "intel_known_bad"
    __table_args__ = (
        UniqueConstraint("type", "value", "source", name="uq_intel_known_bad_type_value_source"),
        # The lookup every analysed report makes, and the retro-hunt's join key.
        Index("ix_intel_known_bad_type_value", "type", "value"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(2048))
    source: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[int] = mapped_column(Integer, default=50)  # 0-100, as in STIX
    description: Mapped[str] = mapped_column(Text, default="")
    # The TLP 2.0 level the source marked it with (None: unmarked). Shown with every match, and
    # an export never sends the value at a wider level (intel.selection).
    tlp: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The import that last (re)asserted this row: the retro-hunt runs over one batch.
    batch_id: Mapped[int] = mapped_column(ForeignKey("intel_import_batches.id"), index=True)
    first_imported: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_imported: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportBatch(Base):
    """One feed import: what came in, from where, and what the retro-hunt found."""

    __tablename__ = "intel_import_batches"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))  # stix | misp | misp-feed | csv
    origin: Mapped[str] = mapped_column(String(500), default="")  # file name, for the analyst
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    indicator_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    retrohunt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IntelMatch(Base):
    """A stored report that carries a known-bad indicator (found live or by retro-hunt)."""

    __tablename__ = "intel_matches"
    __table_args__ = (UniqueConstraint("known_bad_id", "report_id", name="uq_intel_matches_known_bad_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    known_bad_id: Mapped[int] = mapped_column(ForeignKey("intel_known_bad.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(Id, nullable=True, index=True)
    via: Mapped[str] = mapped_column(String(20), default="live")  # live | retrohunt
    matched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TaxiiObject(Base):
    """One version of one STIX object in one TAXII collection.

    Object ids are deterministic (uuid5), so publishing the same campaign again
    adds only the objects whose `modified` moved: (collection, id, version) is
    unique and a re-publish of an unchanged object is a no-op.
    """

    __tablename__ = "taxii_objects"
    __table_args__ = (
        UniqueConstraint("collection", "stix_id", "version", name="uq_taxii_objects_collection"),
        # Objects and manifest endpoints page through a collection in insertion order.
        Index("ix_taxii_objects_collection_seq", "collection", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    collection: Mapped[str] = mapped_column(String(64))
    stix_id: Mapped[str] = mapped_column(String(100))
    stix_type: Mapped[str] = mapped_column(String(50))
    version: Mapped[str] = mapped_column(String(40))  # the object's `modified` (or `created`)
    date_added: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    body: Mapped[dict[str, Any]] = mapped_column()
    # The campaign whose publication added this version: a withdrawn verdict revokes its objects.
    campaign_id: Mapped[int | None] = mapped_column(Id, nullable=True, index=True)


class TaxiiStatus(Base):
    """The status resource of one TAXII Add Objects request (TAXII 2.1 section 4.3).

    Objects are processed before the 202 answer, so a status is complete when
    written; `details` holds the successes, failures and pendings lists."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUIDv4, the resource's id
    collection: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    request_timestamp: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(Id, nullable=True)  # the import batch the objects landed in
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FeedPull(Base):
    """Where pulling one configured remote feed got to, so the next pull asks only for what is new.

    TAXII: `cursor` is the last X-TAXII-Date-Added-Last seen (sent back as added_after).
    MISP feed: `state` maps each event uuid to the manifest timestamp last imported."""

    __tablename__ = "intel_feed_pulls"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # taxii | misp
    cursor: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_ok_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class Bulletin(Base):
    """A plain-language awareness bulletin drafted from a campaign and published by an analyst."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), nullable=True, index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=BulletinStatus.DRAFT, index=True)  # BulletinStatus
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(100), default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    # What the automatic redaction replaced in the draft (counts by kind, never the values).
    redactions: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ValueFlag(Base):
    """An analyst's word on a value: `allowlisted` (legitimate: never shared as bad)
    or `false_positive` (this indicator was wrong). Either keeps the value out of
    every export; who said so and why is in the row and in the audit chain."""

    __tablename__ = "intel_value_flags"
    __table_args__ = (UniqueConstraint("type", "value", "kind", name="uq_intel_value_flags_type_value_kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(20))  # allowlisted | false_positive
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StixIdentity(Base):
    """The STIX id an object got at its first export, kept so that every later export
    reuses it: `created` stays, `modified` moves when the content digest changes,
    `revoked` when the verdict behind it is withdrawn. Keys are ours (`campaign|35`,
    `indicator|url|<sha256 of the value>`, `identity|self` for the installation)."""

    __tablename__ = "intel_stix_ids"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    stix_id: Mapped[str] = mapped_column(String(100), unique=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    modified: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    digest: Mapped[str] = mapped_column(String(64), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
