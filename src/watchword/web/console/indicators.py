"""The indicator page: every report and campaign an indicator appears in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from sqlalchemy import func, select
from starlette.responses import Response

from watchword.intel import flags as value_flags
from watchword.intel import warninglists
from watchword.store.models import Campaign, Indicator, Report, ReportIndicator
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()

PAGE = 50
# Campaigns are gathered from this many of the newest reports: an indicator
# such as a webmail domain can sit in 100,000 reports.
CAMPAIGN_SAMPLE = 5000


@router.get("/indicators/{indicator_id}")
def indicator_page(request: Request, rt: Rt, me: Reader, indicator_id: int, before: int | None = None) -> Response:
    with rt.db.session() as session:
        indicator = session.get(Indicator, indicator_id)
        if indicator is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such indicator.")
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
        reports = session.execute(query.order_by(ReportIndicator.report_id.desc()).limit(PAGE + 1)).all()
        newest = (
            select(ReportIndicator.report_id)
            .where(ReportIndicator.indicator_id == indicator_id)
            .order_by(ReportIndicator.report_id.desc())
            .limit(CAMPAIGN_SAMPLE)
            .subquery()
        )
        campaigns = session.execute(
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
        ).all()
        flags = [
            (value_flags.KINDS[f.kind], f.actor, f.created_at, f.note)
            for f in value_flags.flags_of(session, indicator.type, indicator.value)
        ]
    return page(
        request,
        "indicator.html",
        me,
        indicator=indicator,
        reports=reports[:PAGE],
        next_before=reports[PAGE - 1].id if len(reports) > PAGE else None,
        campaigns=campaigns,
        sampled=indicator.report_count > CAMPAIGN_SAMPLE,
        first_page=before is None,
        known_lists=warninglists.known_lists(indicator.type, indicator.value),
        flags=flags,
    )


@router.post("/indicators/{indicator_id}/flag")
def indicator_flag(
    rt: Rt,
    me: Analyst,
    indicator_id: int,
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Allowlist a value or mark it a false positive (kind=clear removes both)."""
    with rt.db.write() as session:
        indicator = session.get(Indicator, indicator_id)
        if indicator is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such indicator.")
        if kind == "clear":
            value_flags.clear_flags(session, indicator.type, indicator.value, me.username)
            done = "unflagged"
        elif kind in value_flags.KINDS:
            value_flags.set_flag(session, indicator.type, indicator.value, kind, me.username, note.strip())
            done = "flagged"
        else:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Choose allowlisted or false_positive.")
    return see_other(flash_url(f"/console/indicators/{indicator_id}", done))
