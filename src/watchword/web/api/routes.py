"""The JSON API, version 1. Its OpenAPI document is served at /api/v1/openapi.json."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from watchword import errors
from watchword.domain import ApproachType, Channel, IncomingReport
from watchword.intake.submit import Receipt, submit
from watchword.runtime import Runtime
from watchword.store.models import Report
from watchword.web.deps import runtime
from watchword.web.errors import NOT_TEXT, has_surrogate

router = APIRouter(prefix="/api/v1", tags=["reports"])


class ReportIn(BaseModel):
    """A report: what happened in the reporter's words, and/or the suspicious email itself."""

    text: str = Field("", max_length=100_000, description="What happened, in the reporter's words.")
    approach_type: ApproachType | None = Field(None, description="The reporter's own choice, if any.")
    answers: dict[str, str] = Field(default_factory=dict, description="Answers to a guided form's questions.")
    contact: str | None = Field(None, max_length=500, description="Optional contact; encrypted at rest.")
    raw_email_base64: str | None = Field(None, description="The suspicious message (RFC 822 or .msg), base64.")


class Problem(BaseModel):
    """Why a request was refused, in words to show a person."""

    detail: str


# Refusals the schema cannot express (an empty report, undecodable base64, a message over the
# size limit, a flood): each documented, each with a sentence a person can act on.
REFUSALS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "The report is empty or its message cannot be decoded."},
    413: {"model": Problem, "description": "The message is larger than the configured limit."},
    429: {"model": Problem, "description": "Too many reports from this client just now; see Retry-After."},
}


class ReceiptOut(BaseModel):
    id: str = Field(description="The report's public id.")
    duplicate: bool = Field(description="True when the same content was already reported: counted as a sighting.")
    sightings: int
    status_url: str


class ReportStatusOut(BaseModel):
    id: str
    status: str
    sightings: int
    approach_type: str
    verdict: str | None


def _receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.public_id,
        duplicate=receipt.duplicate,
        sightings=receipt.sightings,
        status_url=f"/api/v1/reports/{receipt.public_id}",
    )


def _submit(rt: Runtime, incoming: IncomingReport) -> ReceiptOut:
    # Refusals (empty, too large, store busy) are watchword.errors: web/errors.py writes them.
    return _receipt_out(submit(rt, incoming))


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut, responses=REFUSALS)
def create_report(body: ReportIn, rt: Annotated[Runtime, Depends(runtime)]) -> ReceiptOut:
    """File a free-text or structured report, optionally with the raw suspicious email."""
    if has_surrogate(body.model_dump()):  # dict keys pass pydantic's string checks unexamined
        raise errors.Invalid(NOT_TEXT)
    raw = None
    if body.raw_email_base64:
        try:
            raw = base64.b64decode(body.raw_email_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.Invalid("raw_email_base64 is not valid base64") from exc
    incoming = IncomingReport(
        channel=Channel.API,
        text=body.text,
        raw_email=raw,
        approach_hint=str(body.approach_type) if body.approach_type else None,
        answers=body.answers,
        contact=body.contact,
    )
    return _submit(rt, incoming)


@router.post(
    "/reports/email",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptOut,
    responses=REFUSALS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def create_email_report(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> ReceiptOut:
    """File a raw RFC 822 message (or an Outlook .msg) sent as the request body."""
    raw = await request.body()
    if not raw.strip():
        raise errors.Invalid("The request body is empty: send the raw message.")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_submit, rt, IncomingReport(channel=Channel.API, raw_email=raw))


@router.get(
    "/reports/{public_id}",
    response_model=ReportStatusOut,
    responses={404: {"model": Problem, "description": "No report has this id."}},
)
def report_status(public_id: str, rt: Annotated[Runtime, Depends(runtime)]) -> ReportStatusOut:
    """Where a report stands. Knowing its 128-bit id is what grants this view."""
    with rt.db.session() as session:
        row = session.execute(
            select(Report.public_id, Report.status, Report.sightings, Report.approach_type, Report.verdict).where(
                Report.public_id == public_id
            )
        ).first()
    if row is None:
        raise errors.NotFound("No such report.")
    return ReportStatusOut(id=row[0], status=row[1], sightings=row[2], approach_type=row[3], verdict=row[4])


@router.get("/health", tags=["operations"])
def health(rt: Annotated[Runtime, Depends(runtime)]) -> dict[str, str]:
    from sqlalchemy import text

    with rt.db.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
