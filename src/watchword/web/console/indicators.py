"""The indicator page: every report and campaign an indicator appears in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from watchword.services import queries
from watchword.web.console.auth import Reader, Rt
from watchword.web.console.common import page
from watchword.web.deps import Before

router = APIRouter()


@router.get("/indicators/{indicator_id:id}")
def indicator_page(request: Request, rt: Rt, me: Reader, indicator_id: int, before: Before = None) -> Response:
    with rt.db.session() as session:
        view = queries.indicator_view(session, indicator_id, before)
    return page(request, "indicator.html", me, first_page=before is None, **queries.as_dict(view))
