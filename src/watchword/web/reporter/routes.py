"""Reporter pages: server-rendered, work without JavaScript, no account needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import IntakeError, TooLarge, submit
from watchword.runtime import Runtime
from watchword.web.deps import runtime
from watchword.web.templating import templates

router = APIRouter(tags=["reporter pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def report_form(request: Request) -> Response:
    return templates.TemplateResponse(request, "report_form.html", {})


@router.post("/report", response_class=HTMLResponse)
async def post_report(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    text: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    email_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    raw = await email_file.read() if email_file is not None and email_file.filename else None
    incoming = IncomingReport(
        channel=Channel.WEB,
        text=text,
        raw_email=raw or None,
        contact=contact.strip() or None,
        source_name=(email_file.filename if email_file is not None else None) or None,
    )
    try:
        receipt = await run_in_threadpool(submit, rt, incoming)
    except IntakeError as exc:
        code = status.HTTP_413_CONTENT_TOO_LARGE if isinstance(exc, TooLarge) else status.HTTP_422_UNPROCESSABLE_CONTENT
        return templates.TemplateResponse(request, "report_form.html", {"error": str(exc), "text": text},
                                          status_code=code)
    return templates.TemplateResponse(
        request, "report_thanks.html",
        {"public_id": receipt.public_id, "duplicate": receipt.duplicate}, status_code=status.HTTP_201_CREATED,
    )
