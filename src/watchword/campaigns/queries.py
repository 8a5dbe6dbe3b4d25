"""Campaign read models: what the console, the API, the CLI and exports show of a campaign.

Every page and command that shows a campaign reads it through here (the
console's campaign page, `watchword campaigns`, exports' campaign facts), so a
count is computed in one place. Writing (merge, split, verdict, recluster) is
`services.py`; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from watchword.analysis.fingerprint import normalise_subject
from watchword.campaigns.errors import CampaignNotFound
from watchword.campaigns.store import StoreBackend
from watchword.domain.states import CampaignStatus

# Reports, people and sightings have one definition, below the areas that show them.
from watchword.store.counts import NO_COUNTS, Counts, campaign_counts, report_counts  # noqa: F401
from watchword.store.models import AuditEvent, Campaign, Indicator, Report, ReportIndicator, Submission
from watchword.store.models_campaigns import CampaignMember
from watchword.store.models_people import Note


def root_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or the one it was merged into; CampaignNotFound when there is none."""
    if session.get(Campaign, campaign_id) is None:
        raise CampaignNotFound(f"campaign {campaign_id} does not exist")
    root = session.get(Campaign, StoreBackend(session).find(campaign_id))
    assert root is not None
    return root


def reporter_message(session: Session, campaign_id: int) -> str:
    """The sentence reporters are told with the campaign's outcome ("" when none); CampaignNotFound."""
    message = session.scalar(select(Campaign.verdict_note).where(Campaign.id == campaign_id))
    if message is None:
        raise CampaignNotFound(f"No campaign {campaign_id}.")
    return str(message)


def summary(campaign: Campaign, counts: Counts | None = None) -> dict[str, Any]:
    counts = counts or Counts(campaign.member_count, campaign.reporter_count, campaign.sighting_count)
    return {
        "id": campaign.id,
        "title": campaign.title,
        "status": campaign.status,
        "approach_type": campaign.approach_type,
        "risk": round(campaign.risk or 0.0, 4),
        "first_seen": campaign.first_seen.isoformat() if campaign.first_seen else None,
        "last_seen": campaign.last_seen.isoformat() if campaign.last_seen else None,
        "reports": counts.reports,
        "distinct_contents": campaign.report_count,
        "sightings": counts.sightings,
        "reporters": counts.people,
        "representative_report_id": campaign.representative_report_id,
        "verdict": campaign.verdict,
        "verdict_note": campaign.verdict_note,
        "surging": campaign.surging,
    }


def list_campaigns(session: Session, limit: int = 100, include_empty: bool = False) -> list[dict[str, Any]]:
    query = select(Campaign).where(Campaign.merged_into_id.is_(None))
    if not include_empty:
        query = query.where(Campaign.status != CampaignStatus.EMPTY, Campaign.member_count > 0)
    campaigns = list(
        session.scalars(
            query.order_by(Campaign.surging.desc(), Campaign.last_seen.desc(), Campaign.id.desc()).limit(limit)
        )
    )
    live = campaign_counts(session, [c.id for c in campaigns])
    return [summary(c, live.get(c.id)) for c in campaigns]


def lures(subject_counts: Iterable[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """Subjects with counts, personalised variants together ("Invoice 4471", "RE: Invoice 4472"),
    each shown as its most common spelling, the most reported first."""
    totals: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for subject, n in subject_counts:
        key = normalise_subject(subject or "") or (subject or "")
        totals[key] += n
        spellings[key][subject or ""] += n
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(spellings[key].most_common(1)[0][0], n) for key, n in ranked]


@dataclass(frozen=True, slots=True)
class IndicatorCount:
    id: int
    type: str
    value: str
    n: int  # reports of the campaign (or of its sample) that carry it
    report_count: int  # reports in the whole store that carry it


def indicator_counts(session: Session, reports: ScalarSelect[Any] | Select[Any], limit: int) -> list[IndicatorCount]:
    """The indicators most of these reports carry, the most shared first."""
    n = func.count(ReportIndicator.report_id).label("n")
    rows = session.execute(
        select(Indicator.id, Indicator.type, Indicator.value, n, Indicator.report_count)
        .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
        .where(ReportIndicator.report_id.in_(reports))
        .group_by(Indicator.id, Indicator.type, Indicator.value, Indicator.report_count)
        .order_by(n.desc(), Indicator.type, Indicator.value)
        .limit(limit)
    )
    return [IndicatorCount(*row) for row in rows]


def subject_lures(session: Session, reports: ScalarSelect[Any] | Select[Any], limit: int) -> list[tuple[str, int]]:
    """The subjects (lures) these reports were sent under, variants together."""
    counts = session.execute(
        select(Report.subject, func.count())
        .where(Report.id.in_(reports))
        .group_by(Report.subject)
        .order_by(func.count().desc(), Report.subject)
        .limit(2000)
    )
    return lures(((subject, int(n)) for subject, n in counts), limit)


def campaign_detail(session: Session, campaign_id: int, max_reports: int = 200) -> dict[str, Any]:
    """A campaign in full, as plain data (`watchword campaigns --id`, JSON)."""
    campaign = root_campaign(session, campaign_id)
    out = summary(campaign, campaign_counts(session, [campaign.id]).get(campaign.id))
    in_campaign = select(Report.id).where(Report.campaign_id == campaign.id)
    out["indicators"] = [
        {"type": i.type, "value": i.value, "reports": i.n} for i in indicator_counts(session, in_campaign, 50)
    ]
    by_day: dict[str, int] = Counter()
    for (received,) in session.execute(select(Submission.received_at).where(Submission.report_id.in_(in_campaign))):
        by_day[received.date().isoformat()] += 1
    out["timeline"] = [{"day": day, "sightings": n} for day, n in sorted(by_day.items())]
    # The lures: one operation often rotates subjects over one body and landing page.
    out["subjects"] = [{"subject": s, "reports": n} for s, n in subject_lures(session, in_campaign, 20)]
    out["reports_list"] = [
        {
            "id": r.id,
            "public_id": r.public_id,
            "subject": r.subject,
            "created_at": r.created_at.isoformat(),
            "sightings": r.sightings,
            "verdict": r.verdict,
            "duplicate": dup,
            "pinned": pinned,
        }
        for r, dup, pinned in session.execute(
            select(Report, CampaignMember.duplicate, CampaignMember.pinned)
            .join(CampaignMember, CampaignMember.report_id == Report.id)
            .where(Report.campaign_id == campaign.id)
            .order_by(Report.id)
            .limit(max_reports)
        )
    ]
    return out


# -- the console's campaign page ---------------------------------------------------

MEMBERS_PAGE = 50
MAX_BUCKETS = 120
# Indicator counts come from the newest members only: a campaign of 50,000
# reports would otherwise cost a join over all of them on every view.
INDICATOR_SAMPLE = 500


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Mark:
    """A verdict on the timeline: where it was set, and what it was."""

    label: str  # "malicious, 2026-03-02 14:00"
    verdict: str
    x: float


@dataclass(frozen=True, slots=True)
class Timeline:
    unit: str  # hour | day
    bars: list[Bar]
    peak: int
    width: int
    height: int
    bar_width: float
    marks: list[Mark] = field(default_factory=list)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def verdict_history(session: Session, campaign_id: int, limit: int = 20) -> list[tuple[dt.datetime, str]]:
    """(when, verdict) of each verdict set on the campaign, oldest first, from the audit chain."""
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.detail)
        .where(
            AuditEvent.object_type == "campaign",
            AuditEvent.object_id == str(campaign_id),
            AuditEvent.action == "campaign.verdict",
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [(_aware(at), str((detail or {}).get("verdict", ""))) for at, detail in reversed(rows)]


def timeline(
    session: Session, campaign_id: int, first: dt.datetime, last: dt.datetime, decided: bool = True
) -> Timeline:
    """Sightings (every submission of the campaign's reports: repeats count) per hour for campaigns
    shorter than three days, else per day, gaps filled, with the verdicts set on it marked."""
    unit = "hour" if _aware(last) - _aware(first) <= dt.timedelta(days=3) else "day"
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps datetimes as ISO text: a prefix is the bucket.
        bucket: Any = func.substr(Submission.received_at, 1, 13 if unit == "hour" else 10)
    else:
        fmt = "YYYY-MM-DD HH24" if unit == "hour" else "YYYY-MM-DD"
        bucket = func.to_char(literal_column("submissions.received_at AT TIME ZONE 'UTC'"), text(f"'{fmt}'"))
    counts = {
        str(b): int(n)
        for b, n in session.execute(
            select(bucket.label("b"), func.count())
            .select_from(Submission)
            .join(Report, Report.id == Submission.report_id)
            .where(Report.campaign_id == campaign_id)
            .group_by(text("b"))
        )
    }
    if not counts:
        return Timeline(unit, [], 0, 720, 140, 0)
    step = dt.timedelta(hours=1) if unit == "hour" else dt.timedelta(days=1)
    fmt = "%Y-%m-%d %H" if unit == "hour" else "%Y-%m-%d"
    # Never decided (no verdict time on the row): no verdict to mark, and no query for it.
    verdicts = verdict_history(session, campaign_id) if decided else []
    keys = sorted(counts)
    start = dt.datetime.strptime(keys[0], fmt)
    end = dt.datetime.strptime(keys[-1], fmt)
    if verdicts:  # a verdict set after the last sighting still shows, at its own place
        end = max(end, dt.datetime.strptime(verdicts[-1][0].strftime(fmt), fmt))
    labels: list[str] = []
    at = max(start, end - step * (MAX_BUCKETS - 1))
    while at <= end:
        labels.append(at.strftime(fmt))
        at += step
    peak = max(counts.get(k, 0) for k in labels) or 1
    width, height = 720, 140
    bar_width = width / len(labels)
    bars = []
    for i, key in enumerate(labels):
        n = counts.get(key, 0)
        h = (height - 20) * n / peak
        bars.append(
            Bar(
                label=key + (":00" if unit == "hour" else ""),
                count=n,
                x=round(i * bar_width, 2),
                y=round(height - h, 2),
                height=round(h, 2),
            )
        )
    position = {key: i for i, key in enumerate(labels)}
    marks = []
    for when, verdict in verdicts:
        at_bucket = position.get(when.strftime(fmt))
        if at_bucket is None:
            continue  # before the window shown
        x = round(at_bucket * bar_width + bar_width / 2, 2)
        marks.append(Mark(f"{verdict.replace('_', ' ')}, {when:%Y-%m-%d %H:%M} UTC", verdict, x))
    return Timeline(unit, bars, peak, width, height, round(max(bar_width - 1, 1), 2), marks)


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    subject: str
    created_at: dt.datetime
    channel: str
    risk: float
    sightings: int
    verdict: str | None
    status: str


@dataclass(frozen=True, slots=True)
class CampaignPage:
    campaign: Campaign
    timeline: Timeline
    members: list[MemberRow]
    next_before: int | None  # the id to page older members from, when there are more
    indicators: list[IndicatorCount]
    subjects: list[tuple[str, int]]
    indicator_sample: int | None  # indicators and lures are counted over this many newest reports
    notes: Sequence[Note]
    counts: Counts = NO_COUNTS  # reports, people, sightings: the one definition (Counts)


def campaign_page(session: Session, campaign_id: int, before: int | None = None) -> CampaignPage:
    """The campaign page in six queries whatever the campaign's size (one of them counts: `Counts`)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound("No such campaign.")
    members_query = select(
        Report.id,
        Report.subject,
        Report.created_at,
        Report.channel,
        Report.risk,
        Report.sightings,
        Report.verdict,
        Report.status,
    ).where(Report.campaign_id == campaign_id)
    if before is not None:
        members_query = members_query.where(Report.id < before)
    members = [
        MemberRow(*row) for row in session.execute(members_query.order_by(Report.id.desc()).limit(MEMBERS_PAGE + 1))
    ]
    next_before = members[MEMBERS_PAGE - 1].id if len(members) > MEMBERS_PAGE else None
    newest = (
        select(Report.id)
        .where(Report.campaign_id == campaign_id)
        .order_by(Report.id.desc())
        .limit(INDICATOR_SAMPLE)
        .scalar_subquery()
    )
    notes = session.scalars(
        select(Note).where(Note.object_type == "campaign", Note.object_id == campaign_id).order_by(Note.id)
    ).all()
    return CampaignPage(
        campaign=campaign,
        timeline=timeline(
            session, campaign_id, campaign.first_seen, campaign.last_seen, campaign.verdict_at is not None
        ),
        members=members[:MEMBERS_PAGE],
        next_before=next_before,
        indicators=indicator_counts(session, newest, 40),
        # One operation rotates subjects over one body and one landing page: the
        # lures it used, counted over the same newest reports as the indicators.
        subjects=subject_lures(session, newest, 12),
        indicator_sample=min(campaign.member_count, INDICATOR_SAMPLE) if campaign.member_count else None,
        notes=notes,
        counts=campaign_counts(session, [campaign_id]).get(campaign_id, NO_COUNTS),
    )
