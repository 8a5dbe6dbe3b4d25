"""Webhooks for SMS gateways: a text forwarded to the organisation's number becomes a report.

The signature is checked on the raw body before anything is parsed as a
report; a bad one gets 403 and nothing is stored. A good one is answered only
after `submit()` returned, i.e. once the report is durable: a gateway that
sees anything else retries. There is no per-client rate limit here (one
gateway relays everybody's texts from a few addresses): the signature is the
gate, and a body is capped at `MAX_BODY_BYTES`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from watchword import errors
from watchword.intake import sms
from watchword.intake.submit import Receipt, submit
from watchword.runtime import Runtime
from watchword.web.deps import absolute_base, runtime

router = APIRouter(prefix="/intake/sms", tags=["text messages"])

TWILIO_PATH = "/intake/sms/twilio"
# An empty TwiML answer: Twilio sends no reply text (a reply would cost the organisation, and
# could tell someone watching the forwarder's phone that they reported).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > sms.MAX_BODY_BYTES:
        raise errors.TooLarge(f"A text-message report is at most {sms.MAX_BODY_BYTES // 1024} KB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > sms.MAX_BODY_BYTES:
            raise errors.TooLarge(f"A text-message report is at most {sms.MAX_BODY_BYTES // 1024} KB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _twilio_url(request: Request, rt: Runtime) -> str:
    if rt.settings.sms_twilio_url:
        return rt.settings.sms_twilio_url
    query = request.url.query
    return absolute_base(request, rt) + TWILIO_PATH + (f"?{query}" if query else "")


def _file(rt: Runtime, message: sms.TextMessage) -> Receipt:
    return submit(rt, sms.to_incoming(message))


@router.post("/twilio", include_in_schema=False)
async def twilio(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Twilio's Messaging webhook (form-encoded, signed with X-Twilio-Signature)."""
    if not rt.settings.sms_twilio_auth_token:
        raise errors.NotFound("The Twilio text-message intake is not configured.")
    body = await _body(request)

    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.Invalid("The body is not a form-encoded Twilio request.") from exc
    sms.check_twilio(
        rt.settings.sms_twilio_auth_token,
        _twilio_url(request, rt),
        params,
        request.headers.get("x-twilio-signature", ""),
    )
    message = sms.from_twilio(dict(params))
    await run_in_threadpool(_file, rt, message)
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/json", include_in_schema=False)
async def generic_json(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Any gateway: a JSON object signed with X-Watchword-Signature (see intake/sms.py)."""
    if not rt.settings.sms_json_secret:
        raise errors.NotFound("The JSON text-message intake is not configured.")
    body = await _body(request)
    sms.check_json(
        rt.settings.sms_json_secret,
        request.headers.get("x-watchword-timestamp", ""),
        body,
        request.headers.get("x-watchword-signature", ""),
    )
    receipt = await run_in_threadpool(_file, rt, sms.from_json(body))
    return JSONResponse(
        {"id": receipt.public_id, "duplicate": receipt.duplicate, "sightings": receipt.sightings}, status_code=201
    )
