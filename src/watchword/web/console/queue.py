"""The queue (home page) and search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from watchword.services import casework
from watchword.services import queue as queue_service
from watchword.services import search as search_service
from watchword.web.console.auth import Reader, Rt
from watchword.web.console.common import page
from watchword.web.deps import Before

router = APIRouter()


@router.get("/")
def queue(request: Request, rt: Rt, me: Reader, view: str = "campaigns", after: str = "") -> Response:
    filters = queue_service.Filters.parse(dict(request.query_params), me=me.username)
    view = view if view in ("campaigns", "reports") else "campaigns"
    with rt.db.session() as session:
        if view == "campaigns":
            result = queue_service.open_campaigns(session, filters, after)
        else:
            result = queue_service.unassigned_reports(session, filters, after)
    return page(
        request,
        "queue.html",
        me,
        view=view,
        result=result,
        filters=filters,
        params={"view": view, **filters.query_params()},
        approach_types=queue_service.APPROACH_TYPES,
        channels=queue_service.CHANNELS,
        verdicts=queue_service.VERDICTS,
        case_states=queue_service.CASE_STATES,
        bulk_actions=casework.bulk_actions() if view == "reports" else casework.bulk_campaign_actions(),
        first_page=not after,
    )


@router.get("/search")
def search(request: Request, rt: Rt, me: Reader, q: str = "", before: Before = None) -> Response:
    with rt.db.session() as session:
        result = search_service.search(session, q, before=before)
        if not me.can_see_contacts:
            # Viewers see what a lure says, not whom it targeted (issue #11.4).
            result = search_service.for_viewer(session, result, rt.settings.internal_domains)
    return page(request, "search.html", me, result=result, q=q, first_page=before is None)
