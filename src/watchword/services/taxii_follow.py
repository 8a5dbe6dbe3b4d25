"""What TAXII serves follows the analyst's verdict, after it was published.

When a published campaign's verdict changes, the worker brings every
collection that holds its objects up to date (a job queued in the verdict's
own transaction, so it cannot be forgotten and never blocks the verdict):

* a verdict that still shares (malicious, suspicious): the campaign is
  published again at that collection's level, so its indicators get a new
  version with a later `modified` and the new `indicator_types`
  (malicious-activity / anomalous-activity, intel.verdicts);
* a verdict that no longer does (benign, out of scope, spam): each of its
  objects gets a last version with `revoked: true` (intel.taxii.revoke_campaign).
* a campaign merged into another: its objects are revoked (their claims now
  belong to the campaign it joined), and that campaign, if its verdict shares,
  is published at the same levels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword.config import Settings
from watchword.domain.states import JobKind
from watchword.intel.verdicts import ExportRefused, stance_for
from watchword.store import jobs
from watchword.store.models import Campaign
from watchword.store.models_intel import TaxiiObject

log = logging.getLogger(__name__)

JOB_KIND = JobKind.TAXII_FOLLOW


@dataclass(slots=True)
class Followed:
    republished: int = 0  # new object versions from publishing again
    revoked: int = 0  # revoked versions added


def queue_if_published(session: Session, campaign_id: int) -> bool:
    """In the verdict's transaction: queue the follow-up when the campaign is in a TAXII collection."""
    published = session.scalar(select(TaxiiObject.id).where(TaxiiObject.campaign_id == campaign_id).limit(1))
    if published is None:
        return False
    jobs.enqueue(session, JOB_KIND, payload={"campaign_id": campaign_id})
    return True


def follow_verdict(session: Session, settings: Settings, campaign_id: int, actor: str) -> Followed:
    """Publish the campaign again where it was published, or revoke it there (see the module)."""
    # Imported here, not at the top: every worker and every verdict path imports this module
    # (services/decisions, the worker's job kinds), and the TAXII server's modules bring stix2,
    # requests and the bulletin renderer, ~0.3-0.4 s of CPU at each worker's start (issue 14);
    # a follow-up runs only for a campaign published to a collection.
    from watchword.intel import taxii
    from watchword.services.bulletins import share_for_export

    done = Followed()
    campaign = session.get(Campaign, campaign_id)
    collections = taxii.published_collections(session, campaign_id)
    if not collections:
        return done
    target, visited = campaign, {campaign_id}
    while target is not None and target.merged_into_id is not None and target.merged_into_id not in visited:
        visited.add(target.merged_into_id)  # a merged campaign lives on in the one it joined
        target = session.get(Campaign, target.merged_into_id)
    shared = target is not None and _shares(target)
    if target is not campaign or not shared:
        done.revoked = taxii.revoke_campaign(session, campaign_id, actor)
    if target is None or not shared:
        return done
    org, ceiling = settings.org_name, settings.taxii_max_tlp
    for collection_id in collections:
        collection = taxii.collection_by_id(org, collection_id, ceiling)
        if collection is None or collection.writable:
            # A level no longer served (the ceiling lowered): what is there stays as it was published.
            log.warning("campaign %s: collection %s is not served any more", campaign_id, collection_id)
            continue
        share, _subject = share_for_export(session, settings, campaign_id=target.id, tlp=collection.level)
        done.republished += taxii.publish(session, share, actor, ceiling)
    return done


def _shares(campaign: Campaign) -> bool:
    try:
        stance_for(campaign.verdict, campaign.approach_type)
    except ExportRefused:
        return False
    return True


def run_job(rt: Any, job: Any) -> None:
    """Worker handler: follow up in the same transaction as finishing the job, under its lease."""
    with rt.db.write() as session:
        if not jobs.finish(session, job, job.locked_by):
            return
        followed = follow_verdict(session, rt.settings, int(job.payload["campaign_id"]), actor="worker")
    log.info(
        "campaign %s: TAXII follows its verdict (%s versions republished, %s revoked)",
        job.payload["campaign_id"],
        followed.republished,
        followed.revoked,
    )


def install(worker: object) -> None:
    """Give a `watchword.worker.Worker` the follow-up job: `taxii_follow.install(worker)` where it is built."""
    handlers = getattr(worker, "extra_handlers")  # noqa: B009 - typed loosely to keep services below worker
    handlers[JOB_KIND] = run_job
