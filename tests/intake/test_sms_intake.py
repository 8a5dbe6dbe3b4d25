"""Text messages through an SMS gateway's webhook, against a real `watchword serve`.

Twilio's requests are signed by Twilio's own library (`twilio.request_validator`),
exactly as Twilio signs them; the generic JSON format by an HMAC-SHA256 written
here from its documented definition. A valid signature gives a stored report
(the 2xx comes after the commit), an invalid one 403 and nothing stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from tests.support.live_server import LiveServer, serve
from tests.support.settings import make_settings
from watchword.intake import sms
from watchword.runtime import Runtime, open_runtime
from watchword.security.sealing import unseal
from watchword.store.models import Indicator, Report, ReportIndicator
from watchword.worker import build_worker

# A real `watchword serve` process, one per module: its tests stay on one xdist worker so it starts once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sms-serve")]

TWILIO_TOKEN = "twilio-auth-token-for-tests-0123456789"
JSON_SECRET = "json-gateway-secret-for-tests"
FORWARDER = "+447911123456"  # the person who forwards the text: never an indicator
SCAM_TEXT = (
    "Royal Mail: your parcel is held, a fee of 1.45 GBP is due. Pay at https://royalmail-redelivery-fee.com/pay "
    "or call +44 20 7946 0958. Forwarded by me, reach me on +44 7911 123456."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("sms")
    make_settings(data_dir)  # the migrated empty store the server opens
    with serve(data_dir, SMS_TWILIO_AUTH_TOKEN=TWILIO_TOKEN, SMS_JSON_SECRET=JSON_SECRET) as live:
        yield live


def _open(data_dir: Path) -> Runtime:
    return open_runtime(make_settings(data_dir))


def _count(data_dir: Path) -> int:
    with _open(data_dir) as rt, rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def _twilio_params(body: str, sid: str) -> dict[str, str]:
    return {
        "ToCountry": "GB",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "FromCountry": "GB",
        "To": "+447700900999",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": FORWARDER,
        "ApiVersion": "2010-04-01",
    }


def _post_twilio(server: LiveServer, params: dict[str, str], signature: str | None = None) -> httpx.Response:
    url = f"{server.base}/intake/sms/twilio"
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature or signed}, timeout=30)


def test_a_twilio_text_signed_as_twilio_signs_is_stored_and_its_numbers_and_links_become_indicators(
    server: LiveServer,
) -> None:
    before = _count(server.data_dir)
    response = _post_twilio(server, _twilio_params(SCAM_TEXT, "SM" + "1" * 32))
    assert response.status_code == 200, response.text
    assert "<Response>" in response.text and response.headers["content-type"].startswith("application/xml")
    # Acknowledged means durable: a fresh process sees the report at once.
    assert _count(server.data_dir) == before + 1

    with _open(server.data_dir) as rt:
        build_worker(rt).run_until_idle()
        with rt.db.session() as session:
            report = session.scalars(select(Report).where(Report.source_name == "twilio:SM" + "1" * 32)).one()
            assert report.channel == "sms"
            assert FORWARDER not in report.text and "123456" not in report.text
            assert sms.FORWARDER_PLACEHOLDER in report.text
            assert report.contact_sealed is not None
            assert unseal(rt.contact_key, report.contact_sealed) == FORWARDER
            found = {
                (i.type, i.value)
                for i in session.scalars(
                    select(Indicator).join(ReportIndicator).where(ReportIndicator.report_id == report.id)
                )
            }
    assert ("phone", "+442079460958") in found
    assert any(t == "url" and "royalmail-redelivery-fee.com" in v for t, v in found)
    assert ("phone", FORWARDER) not in found


def test_a_twilio_request_with_a_wrong_signature_is_refused_and_nothing_is_stored(server: LiveServer) -> None:
    before = _count(server.data_dir)
    params = _twilio_params("Your bank account is locked: https://bank-unlock.example", "SM" + "2" * 32)
    wrong_key = RequestValidator("not-the-token").compute_signature(f"{server.base}/intake/sms/twilio", params)
    assert _post_twilio(server, params, wrong_key).status_code == 403
    # Signed for other content: a changed Body is caught.
    url = f"{server.base}/intake/sms/twilio"
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    tampered = {**params, "Body": params["Body"] + " and https://evil.example"}
    assert _post_twilio(server, tampered, signed).status_code == 403
    # Signed for another URL (a replay against another endpoint).
    elsewhere = RequestValidator(TWILIO_TOKEN).compute_signature(url + "?x=1", params)
    assert _post_twilio(server, params, elsewhere).status_code == 403
    assert httpx.post(url, data=params, timeout=30).status_code == 403  # no signature at all
    assert _count(server.data_dir) == before


def _post_json(server: LiveServer, payload: object, secret: str = JSON_SECRET, at: int | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    timestamp = str(at if at is not None else int(time.time()))
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return httpx.post(
        f"{server.base}/intake/sms/json",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Watchword-Timestamp": timestamp,
            "X-Watchword-Signature": f"sha256={mac}",
        },
        timeout=30,
    )


def test_the_generic_json_format_stores_sender_text_and_time_and_refuses_bad_signatures(server: LiveServer) -> None:
    payload = {
        "text": "Hi Mum, new phone, can you pay this for me? https://pay-mum-now.net/now (sent on by +447911123457)",
        "sender": "+44 7400 123456",
        "sent_at": "2026-12-05T18:20:00Z",
        "reporter": "+447911123457",
        "app": "WhatsApp",
        "id": "gw-42",
    }
    before = _count(server.data_dir)
    assert _post_json(server, payload, secret="wrong").status_code == 403
    assert _post_json(server, payload, at=int(time.time()) - 3600).status_code == 403  # a replay an hour later
    assert _count(server.data_dir) == before

    response = _post_json(server, payload)
    assert response.status_code == 201, response.text
    assert _count(server.data_dir) == before + 1
    with _open(server.data_dir) as rt:
        build_worker(rt).run_until_idle()
        with rt.db.session() as session:
            report = session.scalars(select(Report).where(Report.public_id == response.json()["id"])).one()
            assert report.source_name == "json:gw-42"
            found = {
                (i.type, i.value)
                for i in session.scalars(
                    select(Indicator).join(ReportIndicator).where(ReportIndicator.report_id == report.id)
                )
            }
            assert unseal(rt.contact_key, report.contact_sealed or b"") == "+447911123457"
    assert ("phone", "+447400123456") in found  # the sender of the suspicious text
    assert ("phone", "+447911123457") not in found  # the forwarder
    assert any(t == "url" and "pay-mum-now.net" in v for t, v in found)


def test_bad_bodies_get_clear_refusals(server: LiveServer) -> None:
    before = _count(server.data_dir)
    assert _post_json(server, ["not", "an", "object"]).status_code == 400
    assert _post_json(server, {"text": "   "}).status_code == 400
    assert _post_json(server, {"text": {"nested": 1}}).status_code == 400
    too_big = httpx.post(
        f"{server.base}/intake/sms/json", content=b"x" * (sms.MAX_BODY_BYTES + 1), timeout=30
    ).status_code
    assert too_big == 413
    assert _count(server.data_dir) == before


def test_scrubbing_finds_the_forwarders_number_however_it_is_written() -> None:
    for writing in ("+44 7911 123456", "07911-123456", "(07911) 123 456", "447911123456"):
        assert "123" not in sms.scrub_number(f"call me on {writing} please", FORWARDER)
    assert "+44 20 7946 0958" in sms.scrub_number("call +44 20 7946 0958", FORWARDER)


def test_an_unconfigured_gateway_answers_404(client: TestClient) -> None:
    # The app as `serve` builds it, in this process: which routes answer depends on the settings
    # alone (no gateway secret here), not on uvicorn, so a second server process would add nothing.
    assert client.post("/intake/sms/twilio", data={"Body": "x"}).status_code == 404
    assert client.post("/intake/sms/json", content=b"{}").status_code == 404
