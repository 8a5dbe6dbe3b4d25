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
from watchword.services import casework, decisions
from watchword.services import queue as queue_service
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other
from watchword.web.deps import MAX_ID, Before

router = APIRouter()

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


@router.get("/campaigns/{campaign_id:id}")
def campaign_page(request: Request, rt: Rt, me: Reader, campaign_id: int, before: Before = None) -> Response:
    with rt.db.session() as session:
        view = campaign_queries.campaign_page(session, campaign_id, before)
        analysts = casework.analysts(session) if me.can_write else []
    campaign = view.campaign
    score, reasons = queue_service.campaign_reasons(
        campaign.facts,
        campaign.risk,
        view.counts.people,  # the people the page shows beside it (store/counts.py)
        campaign.surging,
    )
    return page(
        request,
        "campaign.html",
        me,
        verdicts=queue_service.VERDICTS,
        analysts=analysts,
        case_states=queue_service.CASE_STATES,
        exports=_export_links(request, campaign_id, view.campaign.verdict, view.campaign.approach_type),
        priority=campaign.priority or score,
        reasons=reasons,
        **{field: getattr(view, field) for field in view.__slots__},
    )


@router.post("/campaigns/{campaign_id:id}/verdict")
def campaign_verdict(
    rt: Rt,
    me: Analyst,
    campaign_id: int,
    verdict: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    reporter_message: Annotated[str | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Set the verdict of every report in the campaign (from the campaign page or a member's report page).

    Two different texts, never mixed: `note` is an internal note for analysts (it may name
    colleagues, extensions, tickets) and is kept as a campaign note; `reporter_message` is
    the sentence reporters are told with the outcome, on their status page and by mail. A
    form without a `reporter_message` field (the report page's) leaves the current one as it is.
    """
    if verdict not in queue_service.VERDICTS:
        raise errors.Invalid("Choose a verdict.")
    with rt.db.write() as session:
        current_message = campaign_queries.reporter_message(session, campaign_id)
        message = current_message if reporter_message is None else reporter_message.strip()
        decided = decisions.set_verdict(session, campaign_id, verdict, me.username, note=message).id
        if note.strip():
            queue_service.add_note(session, "campaign", decided, note, me.username)
    target = back if re.fullmatch(r"/console/reports/\d+", back) else f"/console/campaigns/{campaign_id}"
    return see_other(flash_url(target, "verdict"))


@router.post("/campaigns/{campaign_id:id}/merge")
def campaign_merge(rt: Rt, me: Analyst, campaign_id: int, other_id: Annotated[int, Form(ge=0, le=MAX_ID)]) -> Response:
    """Merge campaign `other_id` into this one."""
    if other_id == campaign_id:
        raise errors.Conflict("A campaign cannot be merged into itself.")
    with rt.db.write() as session:
        decisions.merge(session, campaign_id, other_id, me.username)
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "merged"))


@router.post("/campaigns/{campaign_id:id}/note")
def campaign_note(rt: Rt, me: Analyst, campaign_id: int, body: Annotated[str, Form()] = "") -> Response:
    with rt.db.write() as session:
        queue_service.add_note(session, "campaign", campaign_id, body, me.username)
    return see_other(flash_url(f"/console/campaigns/{campaign_id}", "note"))
