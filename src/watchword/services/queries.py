"""Report and indicator read models: what the console, the API and the CLI show of them.

Typed views, read in a fixed number of queries whatever the report or
indicator. Pages and commands render these; they do not query the store.
(Campaigns have theirs in `campaigns/queries.py`, the queue in `services/queue.py`.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain.states import JobStatus
from watchword.security.sealing import COMMENT, key_of, unseal_text
from watchword.services.render import MessageView, message_view
from watchword.store.counts import NO_COUNTS, Counts, campaign_counts, report_counts
from watchword.store.models import AnalysisRecord, Campaign, Indicator, Job, Report, ReportIndicator
from watchword.store.models_people import Note
from watchword.store.models_reporter import ThreadMessage


class ReportNotFound(errors.NotFound):
    pass


@dataclass(frozen=True, slots=True)
class ReportStatusView:
    """Where a report stands, as the API tells whoever holds its public id."""

    public_id: str
    status: str
    sightings: int
    approach_type: str
    verdict: str | None
    scope: str
    id: int


def report_status(session: Session, public_id: str) -> ReportStatusView:
    row = session.execute(
        select(
            Report.public_id,
            Report.status,
            Report.sightings,
            Report.approach_type,
            Report.verdict,
            Report.scope,
            Report.id,
        ).where(Report.public_id == public_id)
    ).first()
    if row is None:
        raise ReportNotFound("No such report.")
    return ReportStatusView(*row)


@dataclass(frozen=True, slots=True)
class ReportIndicatorRow:
    id: int
    type: str
    value: str
    report_count: int


@dataclass(frozen=True, slots=True)
class ReportCampaign:
    id: int
    title: str
    status: str
    verdict: str | None
    report_count: int
    verdict_note: str


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything the report page shows."""

    report: Report
    message: MessageView
    indicators: list[ReportIndicatorRow]
    notes: Sequence[Note]
    campaign: ReportCampaign | None
    has_raw: bool
    has_contact: bool
    thread_count: int
    submission_count: int  # the first report and every sighting of it
    verdict: str | None  # the report's own, else its campaign's
    counts: Counts = NO_COUNTS  # this report's reports / people / sightings (store.counts.Counts)
    campaign_counts: Counts | None = None  # its campaign's, when it is in one


def _unsealed_comment(session: Session, result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reporter's forwarding comment is sealed at rest; the page shows it."""
    wrapper = (result or {}).get("wrapper") or {}
    if not result or not wrapper.get("reporter_comment_sealed"):
        return result
    comment = unseal_text(key_of(session), str(wrapper["reporter_comment_sealed"]), COMMENT)
    shown = {k: v for k, v in wrapper.items() if k != "reporter_comment_sealed"}
    return {**result, "wrapper": {**shown, "reporter_comment": comment}}


def report_view(session: Session, report_id: int) -> ReportView:
    """The report page in six queries whatever the report (two of them count: `Counts`)."""
    row = session.execute(
        select(
            Report,
            AnalysisRecord.result,
            Campaign.title,
            Campaign.status,
            Campaign.verdict,
            Campaign.member_count,
            Campaign.verdict_note,
        )
        .outerjoin(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .outerjoin(Campaign, Campaign.id == Report.campaign_id)
        .where(Report.id == report_id)
    ).first()
    if row is None:
        raise ReportNotFound("No such report.")
    report, result, c_title, c_status, c_verdict, c_count, c_note = row
    result = _unsealed_comment(session, result)
    indicators = [
        ReportIndicatorRow(*r)
        for r in session.execute(
            select(Indicator.id, Indicator.type, Indicator.value, Indicator.report_count)
            .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
            .where(ReportIndicator.report_id == report_id)
            .order_by(Indicator.type, Indicator.value)
            .limit(500)
        )
    ]
    notes = session.scalars(
        select(Note).where(Note.object_type == "report", Note.object_id == report_id).order_by(Note.id)
    ).all()
    campaign = None
    if report.campaign_id is not None:
        campaign = ReportCampaign(report.campaign_id, c_title, c_status, c_verdict, c_count, c_note or "")
    thread_count = session.scalar(
        select(func.count()).select_from(ThreadMessage).where(ThreadMessage.report_id == report_id)
    )
    return ReportView(
        report=report,
        message=message_view(result, report.subject),
        indicators=indicators,
        notes=notes,
        campaign=campaign,
        has_raw=report.raw_sha256 is not None,
        has_contact=report.contact_sealed is not None,
        thread_count=thread_count or 0,
        submission_count=report.sightings,
        verdict=report.verdict or c_verdict,
        counts=report_counts(session, [report_id]).get(report_id, NO_COUNTS),
        campaign_counts=campaign_counts(session, [report.campaign_id]).get(report.campaign_id)
        if report.campaign_id is not None
        else None,
    )


def raw_sha256(session: Session, report_id: int) -> str:
    """The hash of a report's raw message; NotFound when the report or its message is gone."""
    sha = session.scalar(select(Report.raw_sha256).where(Report.id == report_id))
    if sha is None:
        raise ReportNotFound("This report has no raw message.")
    return sha


def require_report(session: Session, report_id: int) -> None:
    if session.get(Report, report_id) is None:
        raise ReportNotFound("No such report.")


@dataclass(frozen=True, slots=True)
class IndicatorReportRow:
    id: int
    subject: str
    created_at: dt.datetime
    approach_type: str
    risk: float
    campaign_id: int | None
    verdict: str | None


@dataclass(frozen=True, slots=True)
class IndicatorCampaignRow:
    id: int
    title: str
    status: str
    verdict: str | None
    report_count: int
    n: int  # of the sampled reports carrying the indicator, how many are in this campaign


@dataclass(frozen=True, slots=True)
class IndicatorView:
    indicator: Indicator
    reports: list[IndicatorReportRow]
    next_before: int | None
    campaigns: list[IndicatorCampaignRow]
    sampled: bool  # campaigns were gathered from the newest reports only


INDICATOR_PAGE = 50
# Campaigns are gathered from this many of the newest reports: an indicator
# such as a webmail domain can sit in 100,000 reports.
CAMPAIGN_SAMPLE = 5000


def indicator_view(session: Session, indicator_id: int, before: int | None = None) -> IndicatorView:
    """Every report (a page at a time, newest first) and campaign an indicator appears in."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise errors.NotFound("No such indicator.")
    query = (
        select(
            Report.id,
            Report.subject,
            Report.created_at,
            Report.approach_type,
            Report.risk,
            Report.campaign_id,
            Report.verdict,
        )
        .join(ReportIndicator, ReportIndicator.report_id == Report.id)
        .where(ReportIndicator.indicator_id == indicator_id)
    )
    if before is not None:
        query = query.where(ReportIndicator.report_id < before)
    reports = [
        IndicatorReportRow(*r)
        for r in session.execute(query.order_by(ReportIndicator.report_id.desc()).limit(INDICATOR_PAGE + 1))
    ]
    newest = (
        select(ReportIndicator.report_id)
        .where(ReportIndicator.indicator_id == indicator_id)
        .order_by(ReportIndicator.report_id.desc())
        .limit(CAMPAIGN_SAMPLE)
        .subquery()
    )
    campaigns = [
        IndicatorCampaignRow(*r)
        for r in session.execute(
            select(
                Campaign.id,
                Campaign.title,
                Campaign.status,
                Campaign.verdict,
                Campaign.member_count.label("report_count"),
                func.count().label("n"),
            )
            .join(Report, Report.campaign_id == Campaign.id)
            .join(newest, newest.c.report_id == Report.id)
            .group_by(Campaign.id, Campaign.title, Campaign.status, Campaign.verdict, Campaign.member_count)
            .order_by(func.count().desc())
            .limit(100)
        )
    ]
    return IndicatorView(
        indicator=indicator,
        reports=reports[:INDICATOR_PAGE],
        next_before=reports[INDICATOR_PAGE - 1].id if len(reports) > INDICATOR_PAGE else None,
        campaigns=campaigns,
        sampled=indicator.report_count > CAMPAIGN_SAMPLE,
    )


@dataclass(frozen=True, slots=True)
class ParkedJobRow:
    id: int
    report_id: int | None
    attempts: int
    last_error: str
    finished_at: dt.datetime | None
    created_at: dt.datetime
    subject: str | None


def parked_jobs(session: Session, limit: int = 200) -> list[ParkedJobRow]:
    """Analysis jobs parked after their last attempt, newest first, with the error."""
    rows = session.execute(
        select(Job.id, Job.report_id, Job.attempts, Job.last_error, Job.finished_at, Job.created_at, Report.subject)
        .outerjoin(Report, Report.id == Job.report_id)
        .where(Job.status == JobStatus.PARKED)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return [ParkedJobRow(*r) for r in rows]


def as_dict(view: Any) -> dict[str, Any]:
    """A view's fields by name, for a template's context."""
    return {name: getattr(view, name) for name in view.__slots__}


def reported_email(session: Session, report_id: int) -> tuple[str | None, dict[str, Any]] | None:
    """The stored email's blob hash and the analysis of it, or None when no such report."""
    row = session.execute(
        select(Report.raw_sha256, AnalysisRecord.result)
        .outerjoin(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .where(Report.id == report_id)
    ).first()
    if row is None:
        return None
    return row.raw_sha256, dict(row.result or {})
