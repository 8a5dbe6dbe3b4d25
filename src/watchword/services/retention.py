"""Retention: reports past their category's retention are deleted, raw bytes and everything derived.

Categories (days from the settings, `WATCHWORD_RETENTION_*`):
- out_of_scope: reports the scope guard turned away, from when they arrived;
- benign: reports an analyst found genuine (their own verdict or their campaign's), from the last sighting;
- closed_campaign: reports of campaigns closed and quiet for that long, from the campaign's last sighting.

Deleting a report cascades in the database to its analysis, submissions,
indicator links, jobs, receipts, messages and files; indicator counts are
decremented first, and a blob is deleted once nothing refers to it any more
(any table's foreign key to `blobs` counts). A reporter's mail record (its
wrapper bytes and sealed address) goes with the last report it carried, and
replies sent longer ago than the benign retention go too. Each run that deletes anything
writes one audit event with the counts and report ids (never content).
The campaign rows of closed campaigns stay as the aggregate record. Each sweep
also removes blob files staged by a process that died before committing them
(`FileBlobStore.sweep_pending`): no row points to them.

Analysts' notification events go after `retention_notification_days`, sent or
not: their rows say which reports and campaigns caused a notice and would
otherwise grow with every surge and reply, forever. A notice whose key was
pruned may be sent again if its cause recurs (a campaign's first high-risk
report, a month on): the better failure than a table that never shrinks.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Select, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from watchword.domain.states import CampaignStatus, JobKind, JobStatus
from watchword.runtime import Runtime
from watchword.store import audit, jobs
from watchword.store.models import Blob, Campaign, Indicator, Job, Report, ReportIndicator, utcnow
from watchword.store.models_mail import MailMessage, MailMessageReport, MailOutbox
from watchword.store.models_notify import NotificationEvent
from watchword.store.models_reporter import ReporterFile, RestrictedReport
from watchword.store.schema import metadata

log = logging.getLogger("watchword.retention")

JOB_KIND = JobKind.RETENTION
BATCH = 500  # reports per transaction: keeps SQLite's write lock short for the intake beside us


@dataclass
class RetentionPlan:
    """What is past retention: report ids per category."""

    cutoffs: dict[str, dt.datetime]
    reports: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.reports.values())


@dataclass
class RetentionResult:
    plan: RetentionPlan
    reports_deleted: int = 0
    blobs_deleted: int = 0
    notifications_deleted: int = 0
    staged_files_removed: int = 0


def _cutoffs(rt: Runtime, now: dt.datetime) -> dict[str, dt.datetime]:
    s = rt.settings
    return {
        "out_of_scope": now - dt.timedelta(days=s.retention_out_of_scope_days),
        "benign": now - dt.timedelta(days=s.retention_benign_days),
        "closed_campaign": now - dt.timedelta(days=s.retention_closed_campaign_days),
    }


def _queries(cutoffs: dict[str, dt.datetime]) -> dict[str, Select[Any]]:
    restricted = exists().where(RestrictedReport.report_id == Report.id)
    campaign_benign = exists().where(Campaign.id == Report.campaign_id, Campaign.verdict == "benign")
    closed = exists().where(
        Campaign.id == Report.campaign_id,
        Campaign.status == CampaignStatus.CLOSED,
        Campaign.last_seen < cutoffs["closed_campaign"],
    )
    return {
        "out_of_scope": select(Report.id).where(
            or_(Report.scope == "out_of_scope", restricted), Report.created_at < cutoffs["out_of_scope"]
        ),
        "benign": select(Report.id).where(
            or_(Report.verdict == "benign", campaign_benign), Report.last_sighted_at < cutoffs["benign"]
        ),
        "closed_campaign": select(Report.id).where(closed),
    }


def plan(rt: Runtime, now: dt.datetime | None = None) -> RetentionPlan:
    cutoffs = _cutoffs(rt, now or utcnow())
    result = RetentionPlan(cutoffs=cutoffs)
    seen: set[int] = set()
    with rt.db.session() as session:
        for category, query in _queries(cutoffs).items():
            ids = [int(i) for i in session.scalars(query.order_by(Report.id)) if i not in seen]
            seen.update(ids)
            result.reports[category] = ids
    return result


def _blob_references() -> list[Column[Any]]:
    """Every column, in any area's table, that is a foreign key to a blob."""
    return [
        fk.parent
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "blobs" and table.name != "blobs"
    ]


def _delete_batch(session: Session, ids: list[int]) -> list[str]:
    """Delete reports; return the blobs they alone referred to (to remove after commit)."""
    blobs = set(session.scalars(select(Report.raw_sha256).where(Report.id.in_(ids), Report.raw_sha256.is_not(None))))
    blobs.update(session.scalars(select(ReporterFile.sha256).where(ReporterFile.report_id.in_(ids))))
    counts = session.execute(
        select(ReportIndicator.indicator_id, func.count())
        .where(ReportIndicator.report_id.in_(ids))
        .group_by(ReportIndicator.indicator_id)
    ).all()
    for indicator_id, n in counts:
        session.execute(
            update(Indicator).where(Indicator.id == indicator_id).values(report_count=Indicator.report_count - n)
        )
    mail_ids = set(
        session.scalars(select(MailMessageReport.mail_message_id).where(MailMessageReport.report_id.in_(ids)))
    )
    # Jobs and everything else hang off reports with ON DELETE CASCADE.
    session.execute(delete(Job).where(Job.report_id.in_(ids)))
    session.execute(delete(Report).where(Report.id.in_(ids)))
    if mail_ids:
        # A reporter's mail (its wrapper bytes and sealed address) goes with the last report it carried.
        emptied = session.execute(
            select(MailMessage.id, MailMessage.wrapper_sha256).where(
                MailMessage.id.in_(mail_ids),
                ~exists().where(MailMessageReport.mail_message_id == MailMessage.id),
            )
        ).all()
        if emptied:
            session.execute(delete(MailMessage).where(MailMessage.id.in_([mid for mid, _sha in emptied])))
            blobs.update(sha for _mid, sha in emptied)
    orphans = []
    refs = _blob_references()
    for sha in sorted(b for b in blobs if b):
        used = any(session.scalar(select(column).where(column == sha).limit(1)) is not None for column in refs)
        if not used:
            session.execute(delete(Blob).where(Blob.sha256 == sha))
            orphans.append(sha)
    return orphans


def run(
    rt: Runtime, dry_run: bool = False, actor: str = "retention", now: dt.datetime | None = None
) -> RetentionResult:
    """Delete what is past retention (or, with `dry_run`, only say what would go)."""
    the_plan = plan(rt, now)
    result = RetentionResult(plan=the_plan)
    if dry_run:
        return result
    for category, ids in the_plan.reports.items():
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            with rt.db.write() as session:
                orphans = _delete_batch(session, batch)
                audit.record(
                    session,
                    actor,
                    "retention.deleted",
                    "reports",
                    category,
                    {
                        "category": category,
                        "reports": batch,
                        "blobs": len(orphans),
                        "cutoff": the_plan.cutoffs[category].isoformat(),
                    },
                )
            # Files go only after the rows are committed: a crash leaves an unreferenced file, never a
            # row pointing at nothing.
            for sha in orphans:
                rt.blobs.delete(sha)
            result.reports_deleted += len(batch)
            result.blobs_deleted += len(orphans)
    with rt.db.write() as session:
        # Replies already sent keep a sealed address and a text about a report: they go after the
        # shortest ordinary retention (their dedupe key only matters while reports are fresh).
        gone = session.execute(
            delete(MailOutbox).where(MailOutbox.sent_at.is_not(None), MailOutbox.sent_at < the_plan.cutoffs["benign"])
        ).rowcount  # type: ignore[attr-defined]
        if gone:
            audit.record(session, actor, "retention.replies_deleted", "mail_outbox", "", {"replies": gone})
        result.notifications_deleted = prune_notifications(session, rt, now or utcnow(), actor)
    result.staged_files_removed = rt.blobs.sweep_pending()
    log.info("retention: %s reports and %s blobs deleted", result.reports_deleted, result.blobs_deleted)
    return result


def prune_notifications(session: Session, rt: Runtime, now: dt.datetime, actor: str = "retention") -> int:
    """Delete notification events older than the setting, in bounded statements; one audit event if any went.

    A queued delivery job whose event is gone finds nothing to send and finishes (notifications.deliver).
    """
    cutoff = now - dt.timedelta(days=rt.settings.retention_notification_days)
    gone = 0
    while True:
        ids = list(
            session.scalars(select(NotificationEvent.id).where(NotificationEvent.created_at < cutoff).limit(BATCH))
        )
        if not ids:
            break
        session.execute(delete(NotificationEvent).where(NotificationEvent.id.in_(ids)))
        gone += len(ids)
    if gone:
        detail = {"events": gone, "cutoff": cutoff.isoformat()}
        audit.record(session, actor, "retention.notifications_deleted", "notification_events", "", detail)
    return gone


# -- as a scheduled job on the worker ------------------------------------------------------


def run_job(rt: Runtime, job: Job) -> None:
    """Worker handler: sweep, then schedule the next sweep in the same transaction as finishing this one."""
    run(rt)
    with rt.db.write() as session:
        if not jobs.finish(session, job, job.locked_by):
            return
        nxt = jobs.enqueue(session, JOB_KIND)
        nxt.run_after = utcnow() + dt.timedelta(hours=rt.settings.retention_interval_hours)


def ensure_scheduled(rt: Runtime) -> None:
    """Queue the first sweep unless one is already waiting or running."""
    with rt.db.write() as session:
        pending = session.scalar(
            select(exists().where(Job.kind == JOB_KIND, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))
        )
        if not pending:
            jobs.enqueue(session, JOB_KIND)


def install(worker: object) -> None:
    """Give a `watchword.worker.Worker` the retention job: `retention.install(worker)` where it is built."""
    handlers = getattr(worker, "extra_handlers")  # noqa: B009 - typed loosely to keep services below worker
    handlers[JOB_KIND] = run_job
    ensure_scheduled(getattr(worker, "rt"))  # noqa: B009
