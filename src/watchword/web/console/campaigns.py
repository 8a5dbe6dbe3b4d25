"""The campaign page: timeline, members, indicators, merge/split, verdict.

What it shows is read by `campaigns/queries.py:campaign_page`; what it changes
goes through `services` (decisions, notes). No query is written here.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from watchword import errors
from watchword.campaigns import queries as campaign_queries
from watchword.services import queue as queue_service
from watchword.web.console import campaign_ops
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()

_EXPORT_LABELS = {"stix.json": "STIX 2.1 bundle", "misp.json": "MISP event", "csv": "CSV of indicators"}


def _export_links(request: Request, campaign_id: int) -> list[tuple[str, str]]:
    """Links to the intel area's campaign exports (route `campaign_export`), when it is installed."""
    from starlette.routing import NoMatchFound

    try:
        from watchword.intel.formats import FORMATS
    except ImportError:  # pragma: no cover - the intel area is optional for the console
        return []
    links = []
    for fmt in FORMATS:
        try:
            url = str(request.app.url_path_for("campaign_export", campaign_id=str(campaign_id), fmt=fmt))
        except NoMatchFound:
            return []
        links.append((_EXPORT_LABELS.get(fmt, f"Blocklist: {fmt.removesuffix('.txt')}"), url))
    return links


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, rt: Rt, me: Reader, campaign_id: int, before: int | None = None) -> Response:
    with rt.db.session() as session:
        view = campaign_queries.campaign_page(session, campaign_id, before)
    campaign = view.campaign
    score, reasons = queue_service.campaign_reasons(
        campaign.facts,
        campaign.risk,
        campaign.reporter_count or campaign.sighting_count or campaign.member_count,
        campaign.surging,
    )
    return page(
        request,
        "campaign.html",
        me,
        verdicts=queue_service.VERDICTS,
        exports=_export_links(request, campaign_id),
        priority=campaign.priority or score,
        reasons=reasons,
        **{field: getattr(view, field) for field in view.__slots__},
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
        raise errors.Invalid("Choose a verdict.")
    with rt.db.write() as session:
        campaign_ops.set_verdict(session, campaign_id, verdict, note.strip(), me.username)
    target = back if re.fullmatch(r"/console/reports/\d+", back) else f"/console/campaigns/{campaign_id}"
    return see_other(flash_url(target, "verdict"))


@router.post("/campaigns/{campaign_id}/merge")
def campaign_merge(rt: Rt, me: Analyst, campaign_id: int, other_id: Annotated[int, Form()]) -> Response:
    """Merge campaign `other_id` into this one."""
    if other_id == campaign_id:
        raise errors.Conflict("A campaign cannot be merged into itself.")
    with rt.db.write() as session:
        campaign_ops.merge(session, campaign_id, other_id, me.username)
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "merged"))


@router.post("/campaigns/{campaign_id}/note")
def campaign_note(rt: Rt, me: Analyst, campaign_id: int, body: Annotated[str, Form()] = "") -> Response:
    with rt.db.write() as session:
        queue_service.add_note(session, "campaign", campaign_id, body, me.username)
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "note"))
