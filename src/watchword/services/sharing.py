"""Sharing more than one campaign at a time: the MISP feed.

A feed holds every campaign an analyst judged malicious or suspicious (or the ones
named), each as one MISP event built exactly as the single-event export builds it
(services.bulletins.share_for_export: redacted title and subject; intel.selection:
verdict, warninglists, scrubbing; intel.misp_feed: the leak check). A campaign that
may not go (its verdict refuses it, or the leak check fails it) is left out of the
feed and named with the reason; the others still go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.config import Settings
from watchword.intel import misp_feed
from watchword.intel import tlp as tlp_levels
from watchword.services.bulletins import share_for_export
from watchword.store import audit
from watchword.store.models import Campaign

FEED_VERDICTS = ("malicious", "suspicious")


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
