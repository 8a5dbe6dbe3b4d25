"""A campaign's stored priority, which the queue's index orders by: risk x reach x surge, plus what
known-bad matches added.

Reach is the people count every page shows (store/counts.py). It lives in the store, below the
areas, because it changes where reports arrive as well as where they are analysed: a sighting of
an analysed report is one more person, and intake (intake/writer.py) refreshes the priority of
the campaigns its commit sighted, once per commit, so the queue's order never lags its numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword.store.counts import NO_COUNTS, Counts, campaign_counts
from watchword.store.models import Campaign, Report
from watchword.store.pgarray import among_ids

SURGE_FACTOR = 2.0
CHUNK = 500


def priority(risk: float, reach: int, surging: bool) -> tuple[float, list[str]]:
    """Score and human-readable reasons.

    Reach grows with the logarithm of the people who reported it: the 200th
    reporter adds less than the 2nd. Surge doubles a campaign that is arriving
    faster than usual right now.
    """
    reach = max(reach, 1)
    reach_factor = 1.0 + math.log2(reach)
    surge = SURGE_FACTOR if surging else 1.0
    score = round(risk * reach_factor * surge, 4)
    reasons = [f"risk {risk:.2f}"]
    reasons.append(f"reach {reach} {'person' if reach == 1 else 'people'} (x{reach_factor:.1f})")
    if surging:
        reasons.append(f"surging now (x{SURGE_FACTOR:g})")
    return score, reasons


def intel_boost(facts: Any) -> float:
    """What known-bad matches added (intel/retrohunt.py keeps it in facts["intel"])."""
    intel = facts.get("intel") if isinstance(facts, dict) else None
    try:
        return float(intel.get("boost", 0)) if isinstance(intel, dict) else 0.0
    except (TypeError, ValueError):
        return 0.0


def refresh_one(session: Session, campaign_id: int, counts: Counts | None = None) -> None:
    """Store one campaign's priority; its counts are read here unless the caller has them."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    if counts is None:
        counts = campaign_counts(session, [campaign_id]).get(campaign_id)
    reach = counts.people if counts is not None else (campaign.sighting_count or campaign.member_count)
    score, _ = priority(campaign.risk or 0.0, reach, bool(campaign.surging))
    campaign.priority = round(score + intel_boost(campaign.facts), 4)


def refresh(session: Session, campaign_ids: Iterable[int]) -> None:
    """`refresh_one` for many campaigns: their rows and their counts in two queries per 500."""
    ids = sorted(set(campaign_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # Campaigns already in the session (a worker's batch holds its own) are not read again.
        held = [i for i in chunk if session.identity_map.get(session.identity_key(Campaign, i)) is not None]
        missing = sorted(set(chunk) - set(held))
        rows = (
            session.scalars(select(Campaign).where(among_ids(Campaign.id, missing, session))).all() if missing else []
        )
        counts = campaign_counts(session, chunk)
        for campaign_id in sorted([*held, *(c.id for c in rows)]):
            refresh_one(session, campaign_id, counts.get(campaign_id, NO_COUNTS))  # in the session: no read


def refresh_for_reports(session: Session, report_ids: Iterable[int]) -> None:
    """The campaigns of these reports (those already in one), refreshed: after sightings arrive."""
    ids = sorted(set(report_ids))
    campaigns: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        campaigns.update(
            session.scalars(
                select(Report.campaign_id)
                .where(Report.id.in_(ids[start : start + CHUNK]), Report.campaign_id.is_not(None))
                .distinct()
            )
        )
    if campaigns:
        refresh(session, campaigns)
