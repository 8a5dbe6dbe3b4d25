"""The JSON API and the reporter form: acknowledged only when durable, clear errors for bad input."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, select

from tests.support.settings import make_settings
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Job, Report, Submission

RAW = b"From: Support <help@paypa1-secure.example>\r\nSubject: Account locked\r\n\r\nVerify at http://paypa1-secure.example/x\r\n"


def _count(rt: Runtime, model: type) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_acknowledged_report_is_durable_with_its_job(client: Any, rt: Runtime) -> None:
    response = client.post("/api/v1/reports", json={"text": "Someone asked for our floor plans", "contact": "me@x.org"})
    assert response.status_code == 201
    body = response.json()
    # A second process opening the same files sees the report and its job: it was committed before 201.
    with open_runtime(rt.settings) as other, other.db.session() as session:
        report = session.scalars(select(Report).where(Report.public_id == body["id"])).one()
        assert report.contact_sealed and b"me@x.org" not in report.contact_sealed  # sealed, not plain
        assert session.scalars(select(Job).where(Job.report_id == report.id)).one().status == "queued"
    status = client.get(body["status_url"]).json()
    assert status["status"] == "received"


def test_raw_email_body_and_base64_email_are_the_same_report(client: Any, rt: Runtime) -> None:
    first = client.post("/api/v1/reports/email", content=RAW, headers={"content-type": "message/rfc822"})
    again = client.post("/api/v1/reports", json={"raw_email_base64": base64.b64encode(RAW).decode()})
    assert first.status_code == again.status_code == 201
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert again.json()["sightings"] == 2
    assert _count(rt, Report) == 1 and _count(rt, Submission) == 2 and _count(rt, Job) == 1


def test_oversized_upload_gets_413_and_loses_nothing_already_accepted(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from watchword.web.app import create_app

    with open_runtime(make_settings(tmp_path, max_upload_bytes=1024 * 1024), migrate=True) as rt:
        with TestClient(create_app(rt)) as client:
            accepted = client.post("/api/v1/reports/email", content=RAW, headers={"content-type": "message/rfc822"})
            assert accepted.status_code == 201
            big = b"Subject: big\r\n\r\n" + b"A" * (3 * 1024 * 1024)
            response = client.post("/api/v1/reports/email", content=big, headers={"content-type": "message/rfc822"})
            assert response.status_code == 413
            assert "1 MB limit" in response.json()["detail"]
            # Just over the message limit but within the transport allowance: refused by the funnel, same clarity.
            nearly = b"Subject: big\r\n\r\n" + b"A" * (1024 * 1024 + 10)
            response = client.post("/api/v1/reports/email", content=nearly, headers={"content-type": "message/rfc822"})
            assert response.status_code == 413
        assert _count(rt, Report) == 1


def test_bad_requests_get_clear_errors(client: Any, rt: Runtime) -> None:
    assert client.post("/api/v1/reports", json={"text": "   "}).status_code == 400
    bad64 = client.post("/api/v1/reports", json={"raw_email_base64": "not base64!!"})
    assert bad64.status_code == 400 and "base64" in bad64.text
    empty = client.post("/api/v1/reports/email", content=b"", headers={"content-type": "message/rfc822"})
    assert empty.status_code == 400
    assert client.post("/api/v1/reports", json={"text": "x", "approach_type": "gossip"}).status_code == 422
    assert client.get("/api/v1/reports/doesnotexist").status_code == 404
    # A form's answers are short: a huge answer, an empty key or a flood of keys is refused, saying where.
    huge = client.post("/api/v1/reports", json={"text": "x", "answers": {"where": "y" * 2_000_000}})
    assert huge.status_code == 422 and "where" in huge.text
    assert client.post("/api/v1/reports", json={"text": "x", "answers": {"": "y"}}).status_code == 422
    many = {f"q{n}": "y" for n in range(21)}
    assert client.post("/api/v1/reports", json={"text": "x", "answers": many}).status_code == 422
    assert _count(rt, Report) == 0
    ok = client.post(
        "/api/v1/reports", json={"text": "a stranger asked me for my badge", "answers": {"where": "y" * 5000}}
    )
    assert ok.status_code == 201


def test_non_email_upload_is_accepted_and_analysed_without_crashing(client: Any, rt: Runtime) -> None:
    from watchword.worker import Worker

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    response = client.post("/api/v1/reports/email", content=png, headers={"content-type": "application/octet-stream"})
    assert response.status_code == 201
    assert Worker(rt).run_until_idle() == 1
    assert client.get(response.json()["status_url"]).json()["status"] == "analysed"


def test_openapi_document_lists_the_intake_routes(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/reports", "/api/v1/reports/email", "/api/v1/reports/{public_id}"} <= set(paths)


def test_every_response_carries_the_security_headers(client: Any) -> None:
    for path in ("/", "/api/v1/health", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_submit_token_is_exempt_from_the_per_client_limit_and_a_revoked_one_is_not(tmp_path: Any) -> None:
    """GIVEN a public API limited to 3 reports a minute per client WHEN an integration sends
    with a submit-scoped token THEN it is not held to that limit; once revoked, it is."""
    from fastapi.testclient import TestClient

    from watchword.services.accounts import create_token, revoke_token
    from watchword.web.app import create_app

    with open_runtime(make_settings(tmp_path, rate_api_per_client_per_minute=3), migrate=True) as rt:
        with rt.db.write() as session:
            token, row = create_token(session, "gateway", "submit", actor="test")
            token_id = row.id
        with TestClient(create_app(rt)) as client:
            auth = {"authorization": f"Bearer {token}"}
            codes = [
                client.post("/api/v1/reports", json={"text": f"report {n}"}, headers=auth).status_code for n in range(6)
            ]
            assert codes == [201] * 6
            anonymous = [client.post("/api/v1/reports", json={"text": f"anon {n}"}).status_code for n in range(5)]
            assert anonymous.count(429) >= 2
            bogus = client.post("/api/v1/reports", json={"text": "x"}, headers={"authorization": "Bearer ww_nope"})
            assert bogus.status_code == 429
        with rt.db.write() as session:
            revoke_token(session, token_id, actor="test")
        with TestClient(create_app(rt)) as client:  # a new app: no cached trust
            codes = [
                client.post("/api/v1/reports", json={"text": f"late {n}"}, headers=auth).status_code for n in range(4)
            ]
            assert 429 in codes


def test_a_report_needing_detail_shows_the_question_and_takes_the_answer(client: Any, rt: Runtime) -> None:
    """GIVEN a report by API that says no act WHEN the worker reads it THEN its status is needs_detail
    with the question; the answer posted to .../detail joins the same report and is read again."""
    from watchword.worker import Worker

    body = client.post("/api/v1/reports", json={"text": "Something strange happened at the expo.", "form": "in_person"})
    assert body.status_code == 201
    status_url = body.json()["status_url"]
    Worker(rt).run_until_idle()
    status = client.get(status_url).json()
    assert status["scope"] == "needs_detail" and status["question"] == "What did they do or ask you for?"
    assert status["approach_type"] == "undetermined"

    assert client.post(status_url + "/detail", json={"text": ""}).status_code == 422
    answered = client.post(status_url + "/detail", json={"text": "He asked me to read out the code from my app."})
    assert answered.status_code == 200
    Worker(rt).run_until_idle()
    status = client.get(status_url).json()
    assert status["scope"] == "in_scope" and status["question"] is None
    assert status["approach_type"] == "credential_phishing"
    assert _count(rt, Report) == 1
    # Answered once: the report no longer needs detail, so a second answer is refused.
    assert client.post(status_url + "/detail", json={"text": "More."}).status_code == 409
    assert client.post("/api/v1/reports/" + "0" * 32 + "/detail", json={"text": "x"}).status_code == 404
