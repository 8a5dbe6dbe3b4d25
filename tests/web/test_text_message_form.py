"""The text-message report type on the reporter pages: sender, app, time and the text itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword.runtime import Runtime, open_runtime
from watchword.security import sealing
from watchword.store.models import Indicator, Report, ReportIndicator
from watchword.web.app import create_app
from watchword.worker import build_worker


@pytest.fixture
def frt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path)) as runtime:
        yield runtime


@pytest.fixture
def web(frt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(frt)) as test_client:
        yield test_client


def test_the_choice_screen_offers_a_text_message_report(web: TestClient) -> None:
    page = web.get("/")
    assert 'href="/report/text_message"' in page.text
    form = web.get("/report/text_message").text
    for field in ('name="sender"', 'name="app"', 'name="when"', 'name="text"'):
        assert field in form


def test_a_reported_text_keeps_sender_app_and_time_and_the_sender_becomes_an_indicator(
    web: TestClient, frt: Runtime
) -> None:
    fields = {
        "sender": "(650) 253-0000",  # as a phone shows a national number: no +, no phone word
        "app": "SMS",
        "when": "today at 9:40",
        "wants": "sign_in",
        "did": "nothing",
        "text": "USPS: your package is on hold, confirm your address at https://usps-redelivery-care.com/track",
    }
    sent = report(web, "text_message", fields)
    assert sent.status_code == 201, text_of(sent.text)
    receipt_of(sent.text)
    build_worker(frt).run_until_idle()
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.approach_hint == "credential_phishing"
        answers = sealing.unseal_json(frt.contact_key, stored.answers_sealed or b"")
        assert answers["sender"] == "(650) 253-0000" and answers["app"] == "SMS" and answers["when"] == "today at 9:40"
        found = {
            (i.type, i.value)
            for i in session.scalars(
                select(Indicator).join(ReportIndicator).where(ReportIndicator.report_id == stored.id)
            )
        }
    assert ("phone", "+16502530000") in found
    assert any(t == "url" and "usps-redelivery-care.com" in v for t, v in found)
