"""/awareness and /awareness.json: the same numbers for people and for intranet pages. No account needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse

from watchword.runtime import Runtime
from watchword.services import awareness
from watchword.services.guidance import TYPE_NAMES
from watchword.web.deps import absolute_base, runtime
from watchword.web.templating import environment

router = APIRouter(tags=["awareness"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]


def _load(rt: Runtime) -> awareness.Awareness:
    with rt.db.session() as session:
        return awareness.summary(session, rt.settings)


@router.get("/awareness")
async def awareness_page(rt: Rt) -> HTMLResponse:
    found = await run_in_threadpool(_load, rt)
    html = environment.get_template("awareness.html").render(
        a=found,
        type_names=TYPE_NAMES,
        org=rt.settings.org_name,
        languages=[],  # English only, no switcher
    )
    return HTMLResponse(html, headers={"Cache-Control": "public, max-age=300"})


@router.get("/awareness.json")
async def awareness_json(request: Request, rt: Rt) -> JSONResponse:
    found = await run_in_threadpool(_load, rt)
    return JSONResponse(found.as_json(absolute_base(request, rt)), headers={"Cache-Control": "public, max-age=300"})
