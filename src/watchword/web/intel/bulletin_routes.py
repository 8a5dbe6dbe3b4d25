"""Public bulletin pages and their Atom feed: no account needed, nothing but published text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from starlette.responses import HTMLResponse, Response

from watchword.runtime import Runtime
from watchword.services import bulletins
from watchword.web.deps import runtime
from watchword.web.templating import environment

router = APIRouter(prefix="/bulletins", tags=["bulletins"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]


def _page(name: str, **context: object) -> HTMLResponse:
    return HTMLResponse(environment.get_template(name).render(**context))


@router.get("")
def bulletin_list(rt: Rt) -> HTMLResponse:
    with rt.db.session() as session:
        items = bulletins.published(session)
    return _page("bulletins/list.html", bulletins=items, org=rt.settings.org_name)


@router.get("/feed.atom")
def bulletin_feed(request: Request, rt: Rt) -> Response:
    # Links from the configuration only, never from the Host header a client chose.
    base = rt.settings.public_base_url
    if not base:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The bulletin feed needs WATCHWORD_PUBLIC_BASE_URL (this server's public address); it is not set.",
        )
    with rt.db.session() as session:
        items = bulletins.published(session)
    return Response(
        bulletins.atom_feed(items, base, rt.settings.org_name), media_type="application/atom+xml; charset=utf-8"
    )


@router.get("/{slug}")
def bulletin_page(slug: str, rt: Rt) -> HTMLResponse:
    with rt.db.session() as session:
        bulletin = bulletins.get_published(session, slug)
    if bulletin is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such bulletin.")
    return _page(
        "bulletins/show.html",
        bulletin=bulletin,
        body_html=bulletins.render_markdown(bulletin.body_md),
        org=rt.settings.org_name,
    )
