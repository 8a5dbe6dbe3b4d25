"""Analysts' decisions on campaigns, as every caller should make them.

The campaigns area decides what a merge, a split or a verdict means for the
campaigns themselves. Around it, the rest of the system must follow in the same
transaction: the queue's stored priority, the search index, and — for a
verdict — the outcome queued for every reporter who wrote from an address, and
(when the campaign is published over TAXII) the worker's follow-up that
republishes or revokes what partners were given (services.taxii_follow).
The console and the CLI both call these functions, so neither can forget a step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from watchword.campaigns import services as campaigns
from watchword.campaigns.errors import CampaignError
from watchword.replies import outbox
from watchword.services import queue, search, taxii_follow
from watchword.store.models import Campaign, Report

__all__ = ["CampaignError"]


def _follow(session: Session, *campaign_ids: int | None) -> None:
    session.flush()
    for campaign_id in {c for c in campaign_ids if c is not None}:
        queue.refresh_priority(session, campaign_id)
        search.index_campaign(session, campaign_id)


def merge(session: Session, keep_id: int, gone_id: int, actor: str, note: str = "") -> Campaign:
    campaign = campaigns.merge_campaigns(session, keep_id, gone_id, actor, note)
    _follow(session, campaign.id, keep_id, gone_id)
    if campaign.verdict is not None:
        # The merged-in reporters now belong to a campaign with an outcome.
        outbox.notify_campaign_outcome(session, campaign.id)
    # What the merged-in campaign published is revoked; the campaign it joined takes its place.
    taxii_follow.queue_if_published(session, gone_id)
    return campaign


def split(session: Session, report_id: int, actor: str, note: str = "") -> Campaign:
    report = session.get(Report, report_id)
    old_campaign = report.campaign_id if report is not None else None
    campaign = campaigns.split_report(session, report_id, actor, note)
    _follow(session, campaign.id, old_campaign)
    return campaign


def add_report(session: Session, report_id: int, campaign_id: int, actor: str) -> Campaign:
    campaign = campaigns.add_report(session, report_id, campaign_id, actor)
    _follow(session, campaign.id)
    search.reindex_report(session, report_id)
    if campaign.verdict is not None:
        outbox.notify_campaign_outcome(session, campaign.id)  # the joiner's reporters learn the outcome
    return campaign


def set_verdict(session: Session, campaign_id: int, verdict: str, actor: str, note: str = "") -> Campaign:
    campaign = campaigns.set_verdict(session, campaign_id, verdict, actor, note)
    _follow(session, campaign.id)
    outbox.notify_campaign_outcome(session, campaign.id)
    taxii_follow.queue_if_published(session, campaign.id)
    return campaign


def tell_late_joiners(session: Session, report: Report, _analysis: object) -> None:
    """After-analysis step: a report that joins a campaign with a verdict gets its outcome too."""
    if report.campaign_id is not None and report.verdict is not None:
        outbox.notify_campaign_outcome(session, report.campaign_id)
