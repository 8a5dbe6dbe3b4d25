"""Review lists beside the queue: out-of-scope reports, and analyses that failed for good."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from watchword.services import queries
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
        rows = queries.parked_jobs(session)
    return page(request, "failed.html", me, rows=rows)
