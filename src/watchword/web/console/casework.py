"""Who works on what: assign and set the case status of a report or a campaign, bulk actions on the
queue, saved searches, and the keyboard shortcuts' help page.

Every change goes through `services.casework`, which audits it once per report or campaign; nothing
here queries the store.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from watchword import errors
from watchword.services import casework
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import SHORTCUTS, flash_url, page, see_other
from watchword.web.deps import MAX_ID

router = APIRouter()

Kind = Literal["reports", "campaigns"]
_KINDS: dict[str, casework.Kind] = {"reports": "report", "campaigns": "campaign"}


def _back(kind: str, object_id: int) -> str:
    return f"/console/{kind}/{object_id}"


@router.post("/{kind}/{object_id:id}/assign")
def assign(
    rt: Rt,
    me: Analyst,
    kind: Kind,
    object_id: int,
    assignee: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Assign to an analyst ("me" for oneself, "" for nobody)."""
    with rt.db.write() as session:
        casework.assign(session, _KINDS[kind], object_id, me.username if assignee == "me" else assignee, me.username)
    # From the queue (the "a" shortcut) the analyst stays on the queue as it was filtered.
    target = back if back == "/console/" or back.startswith("/console/?") else _back(kind, object_id)
    return see_other(flash_url(target, "assigned"))


@router.post("/{kind}/{object_id:id}/status")
def case_status(
    rt: Rt, me: Analyst, kind: Kind, object_id: int, status: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    with rt.db.write() as session:
        casework.set_case_status(session, _KINDS[kind], object_id, status, me.username)
    return see_other(flash_url(_back(kind, object_id), "case_status"))


@router.post("/queue/bulk")
async def bulk(request: Request, rt: Rt, me: Analyst) -> Response:
    """One action on the reports (or campaigns) ticked on the queue: a plain form post, so it works
    without JavaScript."""
    form = await request.form()
    if form.getlist("campaign"):
        return _bulk_campaigns(rt, me.username, [str(v) for v in form.getlist("campaign")], form)
    try:
        ids = [int(str(v)) for v in form.getlist("report")]
        campaign_text = str(form.get("campaign_id", "")).strip()
        campaign_id = int(campaign_text) if campaign_text else None
    except ValueError:
        raise errors.Invalid("Report and campaign numbers are whole numbers.") from None
    if any(not 0 <= i <= MAX_ID for i in [*ids, campaign_id or 0]):
        raise errors.Invalid("No such report or campaign.")
    back = str(form.get("back", ""))
    back = back if back.startswith("/console/?") or back == "/console/" else "/console/?view=reports"
    with rt.db.write() as session:
        result = casework.bulk(session, ids, str(form.get("do", "")), me.username, campaign_id)
    return see_other(flash_url(back, "bulk_skipped" if result.skipped else "bulk"))


def _bulk_campaigns(rt: Rt, actor: str, picked: list[str], form: Any) -> Response:
    try:
        ids = [int(v) for v in picked]
    except ValueError:
        raise errors.Invalid("Campaign numbers are whole numbers.") from None
    if any(not 0 <= i <= MAX_ID for i in ids):
        raise errors.Invalid("No such campaign.")
    back = str(form.get("back", ""))
    back = back if back.startswith("/console/?") or back == "/console/" else "/console/"
    with rt.db.write() as session:
        result = casework.bulk_campaigns(session, ids, str(form.get("do", "")), actor)
    return see_other(flash_url(back, "bulk_campaigns_skipped" if result.skipped else "bulk_campaigns"))


@router.get("/saved")
def saved_list(request: Request, rt: Rt, me: Reader) -> Response:
    with rt.db.session() as session:
        rows = casework.saved_searches(session, me.user_id or 0)
    return page(request, "saved.html", me, saved=rows)


@router.post("/saved")
def saved_save(
    rt: Rt,
    me: Analyst,
    name: Annotated[str, Form(max_length=100)] = "",
    target: Annotated[str, Form(max_length=20)] = "queue",
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save the filter the analyst is looking at under a name (saving a name again replaces it)."""
    with rt.db.write() as session:
        casework.save_search(session, me.user_id or 0, name, target, query, me.username)
    return see_other(flash_url("/console/saved", "saved"))


@router.get("/saved/{search_id:id}")
def saved_run(rt: Rt, me: Reader, search_id: int) -> Response:
    with rt.db.session() as session:
        row = casework.saved_search(session, me.user_id or 0, search_id)
    return see_other(row.url)


@router.post("/saved/{search_id:id}/delete")
def saved_delete(rt: Rt, me: Analyst, search_id: int) -> Response:
    with rt.db.write() as session:
        casework.delete_saved_search(session, me.user_id or 0, search_id, me.username)
    return see_other(flash_url("/console/saved", "unsaved"))


@router.get("/shortcuts")
def shortcuts(request: Request, me: Reader) -> Response:
    """The keyboard shortcuts as a page of their own (the "?" overlay shows the same list)."""
    return page(request, "shortcuts.html", me, shortcuts=SHORTCUTS)
