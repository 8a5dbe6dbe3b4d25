"""The JSON API, version 1. Its OpenAPI document is served at /api/v1/openapi.json."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from watchword import errors
from watchword.analysis.language import detect_language
from watchword.analysis.scope import NEEDS_DETAIL_QUESTION
from watchword.domain import ApproachType, Channel, IncomingReport
from watchword.intake.submit import Receipt, submit, submit_async
from watchword.runtime import Runtime
from watchword.services import detail, queries
from watchword.services.detail import MAX_DETAIL_CHARS
from watchword.translation import supported
from watchword.web.deps import runtime
from watchword.web.errors import NOT_TEXT, PROBLEM_JSON, has_surrogate

router = APIRouter(prefix="/api/v1", tags=["reports"])
# The guided forms' keys (web/reporter/forms.py): the context a report is read in.
FormKey = Literal["email", "social", "in_person", "device", "visitor", "other"]


# A guided form asks a handful of short questions; without bounds one answer could carry megabytes
# past the text's own limit into the store and the reading.
MAX_ANSWERS = 20
AnswerKey = Annotated[str, Field(min_length=1, max_length=64)]
AnswerText = Annotated[str, Field(max_length=5_000)]


# What `intake.submit.validate` asks of a report, in the schema's own terms, so a client (or a
# schema-driven test generator) can tell an empty report before sending it: words that are not all
# white space, or a message, or an answer to one of the form's questions (the form's own key is
# context, not an answer).
_BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_SAYS_SOMETHING = r"\S"
_NOT_EMPTY: JsonDict = {
    "anyOf": [
        {"required": ["text"], "properties": {"text": {"pattern": _SAYS_SOMETHING}}},
        {"required": ["raw_email_base64"], "properties": {"raw_email_base64": {"type": "string", "minLength": 4}}},
        {
            "required": ["answers"],
            "properties": {
                "answers": {
                    "minProperties": 1,
                    "propertyNames": {"not": {"const": "form"}},
                    "additionalProperties": {"pattern": _SAYS_SOMETHING},
                }
            },
        },
    ]
}


class ReportIn(BaseModel):
    """A report: what happened in the reporter's words, and/or the suspicious email itself."""

    model_config = ConfigDict(json_schema_extra=_NOT_EMPTY)

    text: str = Field("", max_length=100_000, description="What happened, in the reporter's words.")
    approach_type: ApproachType | None = Field(None, description="The reporter's own choice, if any.")
    answers: dict[AnswerKey, AnswerText] = Field(
        default_factory=dict,
        max_length=MAX_ANSWERS,
        description="Answers to a guided form's questions (short: where, when, who they claimed to be).",
    )
    form: FormKey | None = Field(None, description="The guided form the report follows, if any: read as context.")
    contact: str | None = Field(None, max_length=500, description="Optional contact; encrypted at rest.")
    # The pattern is documented, not enforced by pydantic: the route refuses bad base64 itself, in a
    # sentence rather than a regular expression.
    raw_email_base64: str | None = Field(
        None,
        json_schema_extra={"pattern": _BASE64},
        description="The suspicious message (RFC 822 or .msg), base64 with its padding.",
    )


class Problem(BaseModel):
    """Why a request was refused (RFC 9457), with `detail` in words to show a person."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def _problem(description: str) -> dict[str, object]:
    # Refusals are application/problem+json (web/errors.py), not FastAPI's application/json.
    return {"description": description, "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}


# Refusals the schema cannot express (an empty report, undecodable base64, a message over the
# size limit, a flood, a busy store): each documented, each with a sentence a person can act on.
REFUSALS: dict[int | str, dict[str, object]] = {
    400: _problem("The report is empty or its message cannot be decoded."),
    413: _problem("The message is larger than the configured limit."),
    429: _problem("Too many reports from this client just now; see Retry-After."),
    503: _problem("The report could not be stored just now; nothing was kept: send it again."),
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
    scope: str = Field(
        description="in_scope, out_of_scope, or needs_detail: the report does not yet say what was done "
        "(answer `question` with POST .../detail)."
    )
    question: str | None = Field(None, description="Asked when scope is needs_detail.")


class DetailIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_DETAIL_CHARS, description="The answer to the question.")


def _receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.public_id,
        duplicate=receipt.duplicate,
        sightings=receipt.sightings,
        status_url=f"/api/v1/reports/{receipt.public_id}",
    )


def _receipt_json(receipt: Receipt) -> dict[str, object]:
    """`ReceiptOut` as JSON, field for field."""
    return {
        "id": receipt.public_id,
        "duplicate": receipt.duplicate,
        "sightings": receipt.sightings,
        "status_url": f"/api/v1/reports/{receipt.public_id}",
    }


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
            raise errors.Invalid(
                "raw_email_base64 is not valid base64: the standard alphabet, with its = padding, no line breaks."
            ) from exc
    incoming = IncomingReport(
        channel=Channel.API,
        text=body.text,
        raw_email=raw,
        approach_hint=str(body.approach_type) if body.approach_type else None,
        answers={**body.answers, "form": body.form} if body.form else body.answers,
        contact=body.contact,
        language=supported(detect_language(body.text)),
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
                "message/rfc822": {"schema": {"type": "string", "format": "binary", "minLength": 1}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}},
            },
        }
    },
)
async def create_email_report(request: Request) -> Response:
    """File a raw RFC 822 message (or an Outlook .msg) sent as the request body."""
    # The busiest route there is (issue 14): no dependency to solve, no thread-pool hop (the
    # writer wakes the loop when the report is durable), and the receipt written directly
    # rather than validated against `ReceiptOut` again (the schema still documents it).
    rt: Runtime = request.app.state.rt
    raw = await request.body()
    if not raw.strip():
        raise errors.Invalid("The request body is empty: send the raw message.")
    receipt = await submit_async(rt, IncomingReport(channel=Channel.API, raw_email=raw))
    return JSONResponse(_receipt_json(receipt), status_code=status.HTTP_201_CREATED)


@router.get(
    "/reports/{public_id}",
    response_model=ReportStatusOut,
    responses={404: _problem("No report has this id.")},
)
def report_status(public_id: str, rt: Annotated[Runtime, Depends(runtime)]) -> ReportStatusOut:
    """Where a report stands. Knowing its 128-bit id is what grants this view."""
    with rt.db.session() as session:
        view = queries.report_status(session, public_id)
    return ReportStatusOut(
        id=view.public_id,
        status=view.status,
        sightings=view.sightings,
        approach_type=view.approach_type,
        verdict=view.verdict,
        scope=view.scope,
        question=NEEDS_DETAIL_QUESTION if view.scope == "needs_detail" else None,
    )


@router.post(
    "/reports/{public_id}/detail",
    response_model=ReportStatusOut,
    responses={
        400: _problem("The answer is empty or too long."),
        404: _problem("No report has this id."),
        409: _problem("The report does not need detail (its scope is not needs_detail)."),
        429: REFUSALS[429],
    },
)
def add_report_detail(public_id: str, body: DetailIn, rt: Annotated[Runtime, Depends(runtime)]) -> ReportStatusOut:
    """Answer "What did they do or ask you for?": the text is added to the same report, analysed again."""
    with rt.db.write() as session:
        view = queries.report_status(session, public_id)
        if view.scope != "needs_detail":
            raise errors.Conflict("This report does not need more detail.")
        detail.add_detail(session, view.id, body.text)
    return report_status(public_id, rt)


@router.get("/health", tags=["operations"])
def health(rt: Annotated[Runtime, Depends(runtime)]) -> dict[str, str]:
    rt.db.ping()
    return {"status": "ok"}
