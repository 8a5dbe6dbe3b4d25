"""Sharing more than one campaign at a time: the MISP feed.

A feed holds every campaign an analyst judged malicious or suspicious (or the ones
named), each as one MISP event built exactly as the single-event export builds it
(services.bulletins.share_for_export: redacted title and subject; intel.selection:
verdict, warninglists, scrubbing; intel.misp_feed: the leak check). A campaign that
may not go (its verdict refuses it, or the leak check fails it) is left out of the
feed and named with the reason; the others still go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.config import Settings
from watchword.intel import misp, misp_feed
from watchword.intel import tlp as tlp_levels
from watchword.intel.selection import as_utc
from watchword.intel.stix_ids import StoredIds
from watchword.security.redaction import redact
from watchword.services.bulletins import campaign_context, share_for_export
from watchword.store import audit
from watchword.store.counts import NO_COUNTS, Counts, campaign_counts
from watchword.store.models import Campaign, Report, ReportIndicator

FEED_VERDICTS = ("malicious", "suspicious")
T = TypeVar("T")


@dataclass(slots=True)
class FeedExport:
    events: list[misp_feed.FeedEvent] = field(default_factory=list)
    campaigns: list[int] = field(default_factory=list)  # in the order of `events`
    left_out: dict[int, str] = field(default_factory=dict)  # campaign id -> why
    removed: list[str] = field(default_factory=list)  # event files of campaigns no longer shared


def feed_campaigns(session: Session) -> list[int]:
    """Campaigns an analyst judged malicious or suspicious, not merged into another."""
    return list(
        session.scalars(
            select(Campaign.id)
            .where(Campaign.verdict.in_(FEED_VERDICTS), Campaign.merged_into_id.is_(None))
            .order_by(Campaign.id)
        )
    )


def build_misp_feed(
    session: Session,
    settings: Settings,
    *,
    campaign_ids: Sequence[int] | None = None,
    tlp: str | None = None,
) -> FeedExport:
    if tlp is not None:
        tlp_levels.normalise(tlp)  # a wrong level refuses the whole feed, not each campaign
    out = FeedExport()
    for campaign_id in campaign_ids if campaign_ids else feed_campaigns(session):
        try:
            share, subject = share_for_export(session, settings, campaign_id=campaign_id, tlp=tlp)
            event = misp_feed.feed_event(share, subject)
        except errors.NotFound:
            raise
        except (errors.Invalid, errors.Conflict) as exc:  # ExportRefused, LeakError
            out.left_out[campaign_id] = str(exc)
            continue
        out.events.append(event)
        out.campaigns.append(campaign_id)
    return out


def misp_feed_event(session: Session, settings: Settings, event_uuid: str) -> misp_feed.FeedEvent:
    """One event file of the feed, by its uuid (the campaign found without building the others)."""
    namespace = misp.namespace_of(StoredIds(session), settings.org_name)
    for campaign_id in feed_campaigns(session):
        if misp.campaign_event_uuid(namespace, campaign_id) == event_uuid:
            share, subject = share_for_export(session, settings, campaign_id=campaign_id, tlp=read_tlp(settings))
            return misp_feed.feed_event(share, subject)
    raise errors.NotFound("No event of this feed has that uuid.")


def export_misp_feed(
    session: Session,
    settings: Settings,
    directory: Path,
    actor: str,
    *,
    campaign_ids: Sequence[int] | None = None,
    tlp: str | None = None,
) -> FeedExport:
    """Write the feed into `directory` and audit it."""
    feed = build_misp_feed(session, settings, campaign_ids=campaign_ids, tlp=tlp)
    feed.removed = misp_feed.write_feed(directory, feed.events)
    audit.record(
        session,
        actor,
        "intel.export",
        "misp_feed",
        "",
        {
            "format": "misp-feed",
            "events": len(feed.events),
            "campaigns": feed.campaigns[:500],
            "left_out": sorted(feed.left_out)[:500],
            "removed": len(feed.removed),
        },
    )
    return feed


# -- the read API for SOAR tools: what a read token may pull -------------------------------------
#
# A read token is also what a partner's TAXII client holds, so the API serves exactly what
# sharing lets out: campaigns an analyst judged malicious or suspicious, their titles
# redacted, and their indicators as an export has them (intel.selection), at the
# installation's TLP, which must be within what read tokens may receive (TAXII's ceiling).


@dataclass(frozen=True, slots=True)
class CampaignItem:
    id: int
    title: str
    approach_type: str
    verdict: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    report_count: int
    sighting_count: int
    tlp: str


@dataclass(frozen=True, slots=True)
class IndicatorItem:
    id: int | None
    type: str
    value: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    report_count: int
    campaign_id: int
    verdict: str  # the campaign's: malicious or suspicious
    to_ids: bool  # for detection (malicious) or context only (suspicious)
    tlp: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the next page, None on the last


def read_tlp(settings: Settings) -> str:
    level = tlp_levels.normalise(settings.default_tlp)
    if not tlp_levels.at_most(level, settings.taxii_max_tlp):
        raise errors.Refused(
            f"Read tokens receive at most TLP:{tlp_levels.normalise(settings.taxii_max_tlp).upper()} "
            f"(WATCHWORD_TAXII_MAX_TLP); this installation shares at TLP:{level.upper()}."
        )
    return level


def _shareable(verdict: str | None, approach_type: str | None, since: dt.datetime | None) -> Select[Campaign]:
    query = select(Campaign).where(Campaign.verdict.in_(FEED_VERDICTS), Campaign.merged_into_id.is_(None))
    if verdict:
        if verdict not in FEED_VERDICTS:
            raise errors.Invalid(f"verdict is one of {', '.join(FEED_VERDICTS)}: only those are shared.")
        query = query.where(Campaign.verdict == verdict)
    if approach_type:
        query = query.where(Campaign.approach_type == approach_type)
    if since is not None:
        query = query.where(Campaign.last_seen >= since)
    return query


def _campaign_item(
    session: Session, settings: Settings, campaign: Campaign, level: str, counts: Counts
) -> CampaignItem:
    title = redact(campaign.title or f"Campaign {campaign.id}", campaign_context(session, settings, campaign.id)).text
    return CampaignItem(
        id=campaign.id,
        title=title,
        approach_type=campaign.approach_type,
        verdict=str(campaign.verdict),
        first_seen=as_utc(campaign.first_seen),
        last_seen=as_utc(campaign.last_seen),
        # Counted as the console counts them (store/counts.py), not from the campaign's running totals,
        # which a sighting after the analysis or a merge can leave behind.
        report_count=counts.reports,
        sighting_count=counts.sightings,
        tlp=level,
    )


def shared_campaigns(
    session: Session,
    settings: Settings,
    *,
    verdict: str | None = None,
    approach_type: str | None = None,
    since: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[CampaignItem]:
    """Shared campaigns in id order, a page at a time (the cursor is the last id served)."""
    level = read_tlp(settings)
    query = _shareable(verdict, approach_type, since)
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            raise errors.Invalid("cursor is the `next` value of the previous page.")
        query = query.where(Campaign.id > int(cursor))
    rows = list(session.scalars(query.order_by(Campaign.id).limit(limit + 1)))
    counts = campaign_counts(session, [c.id for c in rows[:limit]])
    items = [_campaign_item(session, settings, c, level, counts.get(c.id, NO_COUNTS)) for c in rows[:limit]]
    return Page(items, str(rows[limit - 1].id) if len(rows) > limit else None)


def shared_campaign(session: Session, settings: Settings, campaign_id: int) -> CampaignItem:
    level = read_tlp(settings)
    campaign = session.scalar(_shareable(None, None, None).where(Campaign.id == campaign_id))
    if campaign is None:  # unknown, or not shared: the same answer, so ids are not probed
        raise errors.NotFound(f"No shared campaign {campaign_id}.")
    counts = campaign_counts(session, [campaign.id]).get(campaign.id, NO_COUNTS)
    return _campaign_item(session, settings, campaign, level, counts)


def _indicators_of(session: Session, settings: Settings, campaign_id: int, level: str) -> list[IndicatorItem]:
    share, _subject = share_for_export(session, settings, campaign_id=campaign_id, tlp=level)
    return [
        IndicatorItem(
            id=i.id,
            type=i.type,
            value=i.value,
            first_seen=i.first_seen,
            last_seen=i.last_seen,
            report_count=i.report_count,
            campaign_id=campaign_id,
            verdict=share.stance.name,
            to_ids=share.stance.to_ids,
            tlp=share.tlp,
        )
        for i in share.indicators
    ]


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    campaign, _, offset = cursor.partition(":")
    if not (campaign.isdigit() and offset.isdigit() and len(campaign) <= 18 and len(offset) <= 9):
        raise errors.Invalid("cursor is the `next` value of the previous page.")
    return int(campaign), int(offset)


def shared_indicators(
    session: Session,
    settings: Settings,
    *,
    campaign_id: int | None = None,
    types: Sequence[str] = (),
    since: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[IndicatorItem]:
    """The shared campaigns' indicators, campaign by campaign in id order; the cursor is
    "<campaign id>:<position in its list>" of the next item."""
    level = read_tlp(settings)
    start_campaign, offset = _parse_cursor(cursor)
    query = _shareable(None, None, None).where(Campaign.id >= start_campaign)
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    items: list[IndicatorItem] = []
    for campaign in session.scalars(query.order_by(Campaign.id)):
        every = _indicators_of(session, settings, campaign.id, level)
        wanted = [
            (n, i)
            for n, i in enumerate(every)
            if (not types or i.type in types) and (since is None or i.last_seen >= since)
        ]
        if campaign.id == start_campaign:
            wanted = [(n, i) for n, i in wanted if n >= offset]
        for n, item in wanted:
            if len(items) == limit:
                return Page(items, f"{campaign.id}:{n}")
            items.append(item)
    return Page(items, None)


def shared_indicator(session: Session, settings: Settings, indicator_id: int) -> tuple[IndicatorItem, list[int]]:
    """One indicator as shared (from the first shared campaign holding it) and every shared
    campaign it is shared in (at most the 20 newest are read)."""
    level = read_tlp(settings)
    holding = (
        select(Report.campaign_id)
        .join(ReportIndicator, ReportIndicator.report_id == Report.id)
        .where(ReportIndicator.indicator_id == indicator_id, Report.campaign_id.is_not(None))
        .distinct()
    )
    query = _shareable(None, None, None).where(Campaign.id.in_(holding)).order_by(Campaign.id.desc()).limit(20)
    found: list[IndicatorItem] = []
    for campaign in session.scalars(query):
        found += [i for i in _indicators_of(session, settings, campaign.id, level) if i.id == indicator_id]
    if not found:
        raise errors.NotFound(f"No shared indicator {indicator_id}.")
    found.sort(key=lambda i: i.campaign_id)
    return found[0], [i.campaign_id for i in found]
