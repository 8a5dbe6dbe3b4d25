"""The campaign page: timeline, members, indicators, merge/split, verdict."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session
from starlette.responses import Response

from watchword.campaigns.services import lures
from watchword.services import queue as queue_service
from watchword.services.queue import TriageError
from watchword.store.models import Campaign, Indicator, Report, ReportIndicator
from watchword.store.models_people import Note
from watchword.web.console import campaign_ops
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()

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
class Timeline:
    unit: str  # hour | day
    bars: list[Bar]
    peak: int
    width: int
    height: int
    bar_width: float


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def timeline(session: Session, campaign_id: int, first: dt.datetime, last: dt.datetime) -> Timeline:
    """Reports per hour (campaigns shorter than three days) or per day, gaps filled;
    one GROUP BY served by the (campaign_id, created_at) index alone."""
    unit = "hour" if _aware(last) - _aware(first) <= dt.timedelta(days=3) else "day"
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps datetimes as ISO text: a prefix is the bucket.
        bucket: Any = func.substr(Report.created_at, 1, 13 if unit == "hour" else 10)
    else:
        fmt = "YYYY-MM-DD HH24" if unit == "hour" else "YYYY-MM-DD"
        bucket = func.to_char(literal_column("reports.created_at AT TIME ZONE 'UTC'"), text(f"'{fmt}'"))
    counts = {
        str(b): int(n)
        for b, n in session.execute(
            select(bucket.label("b"), func.count()).where(Report.campaign_id == campaign_id).group_by(text("b"))
        )
    }
    if not counts:
        return Timeline(unit, [], 0, 720, 140, 0)
    step = dt.timedelta(hours=1) if unit == "hour" else dt.timedelta(days=1)
    fmt = "%Y-%m-%d %H" if unit == "hour" else "%Y-%m-%d"
    keys = sorted(counts)
    start = dt.datetime.strptime(keys[0], fmt)
    end = dt.datetime.strptime(keys[-1], fmt)
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
    return Timeline(unit, bars, peak, width, height, round(max(bar_width - 1, 1), 2))


_EXPORT_LABELS = {"stix.json": "STIX 2.1 bundle", "misp.json": "MISP event", "csv": "CSV of indicators"}


def _export_links(
    request: Request, campaign_id: int, verdict: str | None = None, approach_type: str = ""
) -> list[tuple[str, str]]:
    """Links to the intel area's campaign exports (route `campaign_export`), when it is installed.

    The verdict decides what may go (intel.verdicts): none for benign or out of
    scope, no blocklists unless malicious, and without a verdict the links ask
    explicitly for an unreviewed export."""
    from starlette.routing import NoMatchFound

    try:
        from watchword.intel.formats import FORMATS
    except ImportError:  # pragma: no cover - the intel area is optional for the console
        return []
    if verdict in ("benign", "out_of_scope") or (
        approach_type in ("benign", "scam_or_spam") and verdict != "malicious"
    ):
        return []
    links = []
    for fmt in FORMATS:
        if fmt.endswith(".txt") and verdict != "malicious":
            continue
        try:
            url = str(request.app.url_path_for("campaign_export", campaign_id=str(campaign_id), fmt=fmt))
        except NoMatchFound:
            return []
        label = _EXPORT_LABELS.get(fmt, f"Blocklist: {fmt.removesuffix('.txt')}")
        if verdict is None:
            url, label = url + "?unreviewed=1", label + " (unreviewed)"
        links.append((label, url))
    return links


def load_campaign(session: Session, campaign_id: int, before: int | None) -> dict[str, Any]:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such campaign.")
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
    members = session.execute(members_query.order_by(Report.id.desc()).limit(MEMBERS_PAGE + 1)).all()
    next_before = members[MEMBERS_PAGE - 1].id if len(members) > MEMBERS_PAGE else None
    newest = (
        select(Report.id)
        .where(Report.campaign_id == campaign_id)
        .order_by(Report.id.desc())
        .limit(INDICATOR_SAMPLE)
        .scalar_subquery()
    )
    indicators = session.execute(
        select(Indicator.id, Indicator.type, Indicator.value, func.count().label("n"), Indicator.report_count)
        .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
        .where(ReportIndicator.report_id.in_(newest))
        .group_by(Indicator.id, Indicator.type, Indicator.value, Indicator.report_count)
        .order_by(text("n DESC"), Indicator.id)
        .limit(40)
    ).all()
    # One operation rotates subjects over one body and one landing page: the
    # lures it used, counted over the same newest reports as the indicators.
    subjects = lures(
        session.execute(select(Report.subject, func.count()).where(Report.id.in_(newest)).group_by(Report.subject)), 12
    )
    notes = session.scalars(
        select(Note).where(Note.object_type == "campaign", Note.object_id == campaign_id).order_by(Note.id)
    ).all()
    score, reasons = queue_service.campaign_reasons(
        campaign.facts,
        campaign.risk,
        campaign.reporter_count or campaign.sighting_count or campaign.member_count,
        campaign.surging,
    )
    return {
        "campaign": campaign,
        "timeline": timeline(session, campaign_id, campaign.first_seen, campaign.last_seen),
        "members": members[:MEMBERS_PAGE],
        "next_before": next_before,
        "indicators": indicators,
        "subjects": subjects,
        "indicator_sample": min(campaign.member_count, INDICATOR_SAMPLE) if campaign.member_count else None,
        "notes": notes,
        "priority": campaign.priority or score,
        "reasons": reasons,
    }


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, rt: Rt, me: Reader, campaign_id: int, before: int | None = None) -> Response:
    with rt.db.session() as session:
        data = load_campaign(session, campaign_id, before)
    return page(
        request,
        "campaign.html",
        me,
        verdicts=queue_service.VERDICTS,
        exports=_export_links(request, campaign_id, data["campaign"].verdict, data["campaign"].approach_type),
        **data,
    )


@router.post("/campaigns/{campaign_id}/verdict")
def campaign_verdict(
    rt: Rt,
    me: Analyst,
    campaign_id: int,
    verdict: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Set the verdict of every report in the campaign (from the campaign page or a member's report page)."""
    if verdict not in queue_service.VERDICTS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Choose a verdict.")
    with rt.db.write() as session:
        campaign_ops.set_verdict(session, campaign_id, verdict, note.strip(), me.username)
    target = back if re.fullmatch(r"/console/reports/\d+", back) else f"/console/campaigns/{campaign_id}"
    return see_other(flash_url(target, "verdict"))


@router.post("/campaigns/{campaign_id}/merge")
def campaign_merge(rt: Rt, me: Analyst, campaign_id: int, other_id: Annotated[int, Form()]) -> Response:
    """Merge campaign `other_id` into this one."""
    if other_id == campaign_id:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "A campaign cannot be merged into itself.")
    with rt.db.write() as session:
        campaign_ops.merge(session, campaign_id, other_id, me.username)
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "merged"))


@router.post("/campaigns/{campaign_id}/note")
def campaign_note(rt: Rt, me: Analyst, campaign_id: int, body: Annotated[str, Form()] = "") -> Response:
    try:
        with rt.db.write() as session:
            if session.get(Campaign, campaign_id) is None:
                raise TriageError("No such campaign.")
            queue_service.add_note(session, "campaign", campaign_id, body, me.username)
    except TriageError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "note"))
