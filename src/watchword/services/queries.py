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
from watchword.store.models_reporter import ReporterFile, ThreadMessage


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


def reporter_file(session: Session, report_id: int, file_id: int) -> ReporterFile:
    """A file a reporter sent with this report, detached from the session (its name, type, size and
    blob hash); NotFound when it is not this report's."""
    found = session.get(ReporterFile, file_id)
    if found is None or found.report_id != report_id:
        raise errors.NotFound("No such file on this report.")
    session.expunge(found)
    return found


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


# -- the indicators list ---------------------------------------------------------------

INDICATOR_LIST_PAGE = 50
# Known-legitimate is a warninglist lookup in Python, not a column: with that filter the list
# reads candidates a chunk at a time and stops after this many, offering to read on.
KNOWN_SCAN_CHUNK = 500
KNOWN_SCAN_LIMIT = 20_000
FLAG_FILTERS = ("any", "allowlisted", "false_positive", "none")
KNOWN_FILTERS = ("yes", "no")


@dataclass(frozen=True, slots=True)
class IndicatorFilters:
    q: str = ""  # a substring of the value, case-insensitive
    type: str = ""
    verdict: str = ""  # a verdict one of its reports' campaigns has, or "none": in an undecided campaign
    known: str = ""  # yes | no: on a warninglist of known-legitimate values
    flag: str = ""  # any | allowlisted | false_positive | none
    seen_from: dt.date | None = None  # last seen on or after
    seen_to: dt.date | None = None  # first seen on or before

    @classmethod
    def parse(cls, params: dict[str, str], verdicts: Sequence[str]) -> IndicatorFilters:
        from watchword.domain.model import INDICATOR_TYPES

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(name, "").strip())
            except ValueError:
                return None

        type_ = params.get("type", "")
        verdict = params.get("verdict", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            type=type_ if type_ in INDICATOR_TYPES else "",
            verdict=verdict if verdict in (*verdicts, "none") else "",
            known=params.get("known", "") if params.get("known", "") in KNOWN_FILTERS else "",
            flag=params.get("flag", "") if params.get("flag", "") in FLAG_FILTERS else "",
            seen_from=day("from"),
            seen_to=day("to"),
        )

    def query_params(self) -> dict[str, str]:
        out = {"q": self.q, "type": self.type, "verdict": self.verdict, "known": self.known, "flag": self.flag}
        out["from"] = self.seen_from.isoformat() if self.seen_from else ""
        out["to"] = self.seen_to.isoformat() if self.seen_to else ""
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True, slots=True)
class IndicatorListRow:
    id: int
    type: str
    value: str
    report_count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    known_as: str  # the first warninglist it is on, "" when none
    flags: tuple[str, ...]  # allowlisted / false_positive


@dataclass(frozen=True, slots=True)
class IndicatorList:
    rows: list[IndicatorListRow]
    next_before: int | None  # the id to read older indicators from, when there may be more
    scanned_out: bool  # the known-legitimate filter stopped after KNOWN_SCAN_LIMIT candidates


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def indicator_list(session: Session, filters: IndicatorFilters, before: int | None = None) -> IndicatorList:
    """Indicators newest first (by id), a page at a time, filtered in SQL except for known-legitimate."""
    from watchword.known.warninglists import known_legitimate
    from watchword.store.models_intel import ValueFlag

    query = select(
        Indicator.id,
        Indicator.type,
        Indicator.value,
        Indicator.report_count,
        Indicator.first_seen,
        Indicator.last_seen,
    )
    if filters.q:
        query = query.where(func.lower(Indicator.value).contains(filters.q.lower(), autoescape=True))
    if filters.type:
        query = query.where(Indicator.type == filters.type)
    if filters.seen_from:
        query = query.where(Indicator.last_seen >= _day_start(filters.seen_from))
    if filters.seen_to:
        query = query.where(Indicator.first_seen < _day_start(filters.seen_to + dt.timedelta(days=1)))
    if filters.verdict:
        in_campaigns = (
            select(ReportIndicator.report_id)
            .join(Report, Report.id == ReportIndicator.report_id)
            .join(Campaign, Campaign.id == Report.campaign_id)
            .where(ReportIndicator.indicator_id == Indicator.id)
        )
        verdict_is = Campaign.verdict.is_(None) if filters.verdict == "none" else Campaign.verdict == filters.verdict
        query = query.where(in_campaigns.where(verdict_is).exists())
    if filters.flag:
        flagged = select(ValueFlag.id).where(ValueFlag.type == Indicator.type, ValueFlag.value == Indicator.value)
        if filters.flag in ("allowlisted", "false_positive"):
            query = query.where(flagged.where(ValueFlag.kind == filters.flag).exists())
        elif filters.flag == "any":
            query = query.where(flagged.exists())
        else:
            query = query.where(~flagged.exists())
    query = query.order_by(Indicator.id.desc())

    picked: list[tuple[Any, str]] = []
    next_before: int | None = None
    scanned_out = False
    if not filters.known:
        rows = session.execute(
            (query.where(Indicator.id < before) if before else query).limit(INDICATOR_LIST_PAGE + 1)
        ).all()
        picked = [(r, known_legitimate(r.type, r.value) or "") for r in rows[:INDICATOR_LIST_PAGE]]
        if len(rows) > INDICATOR_LIST_PAGE:
            next_before = rows[INDICATOR_LIST_PAGE - 1].id
    else:
        want_known = filters.known == "yes"
        cursor, scanned = before, 0
        while len(picked) < INDICATOR_LIST_PAGE:
            chunk = session.execute(
                (query.where(Indicator.id < cursor) if cursor else query).limit(KNOWN_SCAN_CHUNK)
            ).all()
            for r in chunk:
                cursor = r.id
                label = known_legitimate(r.type, r.value) or ""
                if bool(label) == want_known:
                    picked.append((r, label))
                    if len(picked) == INDICATOR_LIST_PAGE:
                        break
            scanned += len(chunk)
            if len(chunk) < KNOWN_SCAN_CHUNK and len(picked) < INDICATOR_LIST_PAGE:
                cursor = None  # the end of the list
                break
            if scanned >= KNOWN_SCAN_LIMIT and len(picked) < INDICATOR_LIST_PAGE:
                scanned_out = True
                break
        next_before = cursor if cursor is not None and (scanned_out or len(picked) == INDICATOR_LIST_PAGE) else None

    flags: dict[tuple[str, str], list[str]] = {}
    values = {r.value for r, _ in picked}
    if values:
        for type_, value, kind in session.execute(
            select(ValueFlag.type, ValueFlag.value, ValueFlag.kind).where(ValueFlag.value.in_(values))
        ):
            flags.setdefault((type_, value), []).append(kind)
    return IndicatorList(
        rows=[
            IndicatorListRow(
                r.id,
                r.type,
                r.value,
                r.report_count,
                r.first_seen,
                r.last_seen,
                label,
                tuple(sorted(flags.get((r.type, r.value), []))),
            )
            for r, label in picked
        ],
        next_before=next_before,
        scanned_out=scanned_out,
    )
