"""Bulletins in the console: the list, a draft from a campaign, the editor with its preview,
publish and withdraw.

Everything a bulletin does is `services.bulletins` (redaction of what comes from reports, the
leak check before publishing, the audit events); this module only shows and routes it.
Viewers may read the list and the drafts; only analysts draft, edit, publish and withdraw.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from watchword import errors
from watchword.services import bulletins
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()

STATUSES = ("draft", "published", "withdrawn")


@router.get("/bulletins")
def bulletin_list(request: Request, rt: Rt, me: Reader, status: str = "") -> Response:
    status = status if status in STATUSES else ""
    with rt.db.session() as session:
        items = bulletins.listing(session, status or None, limit=200)
    return page(request, "bulletins.html", me, bulletins=items, status=status, statuses=STATUSES)


@router.post("/campaigns/{campaign_id:id}/bulletin")
def bulletin_draft(rt: Rt, me: Analyst, campaign_id: int) -> Response:
    """A new draft from the campaign, its report text redacted; the editor opens on it."""
    with rt.db.write() as session:
        bulletin = bulletins.draft_from_campaign(session, rt.settings, campaign_id, me.username)
        bulletin_id = bulletin.id
    return see_other(flash_url(f"/console/bulletins/{bulletin_id}", "drafted"))


def _editor(request: Request, rt: Rt, me: Reader, bulletin_id: int, shown: bulletins.Preview | None) -> Response:
    with rt.db.session() as session:
        bulletin = bulletins.get(session, bulletin_id)
        if shown is None:
            shown = bulletins.preview(
                session,
                rt.settings,
                bulletin_id,
                title=bulletin.title,
                summary=bulletin.summary,
                body_md=bulletin.body_md,
            )
    return page(
        request,
        "bulletin.html",
        me,
        bulletin=bulletin,
        shown=shown,
        can_publish=bool(rt.settings.public_base_url),
        public_url=f"/bulletins/{bulletin.slug}",
    )


@router.get("/bulletins/{bulletin_id:id}")
def bulletin_page(request: Request, rt: Rt, me: Reader, bulletin_id: int) -> Response:
    return _editor(request, rt, me, bulletin_id, None)


@router.post("/bulletins/{bulletin_id:id}")
def bulletin_edit(
    request: Request,
    rt: Rt,
    me: Analyst,
    bulletin_id: int,
    title: Annotated[str, Form(max_length=300)] = "",
    summary: Annotated[str, Form(max_length=500)] = "",
    body_md: Annotated[str, Form(max_length=100_000)] = "",
    action: Annotated[str, Form()] = "save",
) -> Response:
    """`action=preview` shows the edited text as readers would see it, with what the publish check
    would refuse, and saves nothing (the editor keeps the text); `action=save` saves it."""
    if action == "preview":
        with rt.db.session() as session:
            shown = bulletins.preview(session, rt.settings, bulletin_id, title=title, summary=summary, body_md=body_md)
        return _editor(request, rt, me, bulletin_id, shown)
    if action != "save":
        raise errors.Invalid("Choose Preview or Save.")
    with rt.db.write() as session:
        bulletins.update(session, bulletin_id, me.username, title=title, summary=summary, body_md=body_md)
    return see_other(flash_url(f"/console/bulletins/{bulletin_id}", "bulletin_saved"))


@router.post("/bulletins/{bulletin_id:id}/preview")
def bulletin_preview_fragment(
    request: Request,
    rt: Rt,
    me: Analyst,
    bulletin_id: int,
    title: Annotated[str, Form(max_length=300)] = "",
    summary: Annotated[str, Form(max_length=500)] = "",
    body_md: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """The preview alone, for the editor's script to refresh as the analyst types (the Preview
    button does the same without JavaScript)."""
    with rt.db.session() as session:
        shown = bulletins.preview(session, rt.settings, bulletin_id, title=title, summary=summary, body_md=body_md)
    return page(request, "bulletin_preview.html", me, shown=shown)


@router.post("/bulletins/{bulletin_id:id}/publish")
def bulletin_publish(rt: Rt, me: Analyst, bulletin_id: int, force: Annotated[bool, Form()] = False) -> Response:
    """Refused (with the reason) without WATCHWORD_PUBLIC_BASE_URL, or while the text still leaks."""
    with rt.db.write() as session:
        bulletins.publish(session, rt.settings, bulletin_id, me.username, force=force)
    return see_other(flash_url(f"/console/bulletins/{bulletin_id}", "bulletin_published"))


@router.post("/bulletins/{bulletin_id:id}/withdraw")
def bulletin_withdraw(rt: Rt, me: Analyst, bulletin_id: int) -> Response:
    with rt.db.write() as session:
        bulletins.withdraw(session, bulletin_id, me.username)
    return see_other(flash_url(f"/console/bulletins/{bulletin_id}", "bulletin_withdrawn"))
