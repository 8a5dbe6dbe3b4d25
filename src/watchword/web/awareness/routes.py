"""/awareness and /awareness.json: the same numbers for people and for intranet pages. No account needed.

The page speaks the reporter pages' languages (the same switcher, cookie and Accept-Language);
the JSON's names and note follow `?lang=` or Accept-Language, its numbers never change with it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse

from watchword.runtime import Runtime
from watchword.services import awareness
from watchword.services.guidance import TYPE_NAMES
from watchword.web.deps import absolute_base, runtime
from watchword.web.templating import LANGUAGE_COOKIE, choose_language, environment_for

router = APIRouter(tags=["awareness"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]
# Shared caches may keep a page for five minutes, one copy per language asked for.
CACHING = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Language, Cookie"}


def _load(rt: Runtime) -> awareness.Awareness:
    with rt.db.session() as session:
        return awareness.summary(session, rt.settings)


def _language(request: Request) -> str:
    return choose_language(
        request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


@router.get("/awareness")
async def awareness_page(request: Request, rt: Rt) -> HTMLResponse:
    found = await run_in_threadpool(_load, rt)
    language = _language(request)
    html = (
        environment_for(language)
        .get_template("awareness.html")
        .render(a=found, type_names=TYPE_NAMES, org=rt.settings.org_name, request=request)
    )
    response = HTMLResponse(html, headers=CACHING)
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


@router.get("/awareness.json")
async def awareness_json(request: Request, rt: Rt) -> JSONResponse:
    found = await run_in_threadpool(_load, rt)
    body = found.as_json(absolute_base(request, rt), _language(request))
    return JSONResponse(body, headers=CACHING)
