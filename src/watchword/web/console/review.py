"""Review lists beside the queue: out-of-scope reports, and analyses that failed for good."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from watchword.domain.states import JobStatus
from watchword.store.models import Job, Report
from watchword.web.console.auth import AnalystReader, Reader, Rt
from watchword.web.console.common import page

router = APIRouter()


@router.get("/restricted")
def restricted(request: Request, rt: Rt, me: AnalystReader) -> Response:
    """Reports the scope guard turned away: kept out of the queue, campaigns and search."""
    from watchword.services.followup import list_out_of_scope

    with rt.db.session() as session:
        rows = [(r.id, r.subject, r.created_at, r.channel, reason) for r, reason in list_out_of_scope(session)]
    return page(request, "restricted.html", me, rows=rows)


@router.get("/failed")
def failed(request: Request, rt: Rt, me: Reader) -> Response:
    """Analysis jobs parked after their last attempt, with the error, so nobody waits on them in silence."""
    with rt.db.session() as session:
        rows = session.execute(
            select(Job.id, Job.report_id, Job.attempts, Job.last_error, Job.finished_at, Job.created_at, Report.subject)
            .outerjoin(Report, Report.id == Job.report_id)
            .where(Job.status == JobStatus.PARKED)
            .order_by(Job.id.desc())
            .limit(200)
        ).all()
    return page(request, "failed.html", me, rows=rows)
