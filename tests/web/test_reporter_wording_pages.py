"""The words issue 15 (item 7) found wrong, read on the pages a reporter actually gets.

tests/web/test_reporter_wording.py checks the functions; here each wording is followed through the
form, the worker and the status page, so that a page showing another text would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import analyse_all
from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword.campaigns.services import set_verdict
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Report
from watchword.web.app import create_app

FREEMAIL_REPLY = (
    b"From: Payroll Team <payroll@corp-payroll.example>\r\nReply-To: payroll.desk.corp@gmail.com\r\n"
    b"To: staff@corp.example\r\nSubject: Update your salary account today\r\nMessage-ID: <a1@corp-payroll.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nYour salary payment is on hold. Reply with your bank account "
    b"details and confirm your login password today or your salary will be delayed.\r\n"
)


@pytest.fixture
def web_rt(tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime, TestClient(create_app(runtime)) as web:
        yield web, runtime


def _status(web: TestClient, code: str, phrase: str) -> str:
    page = web.post("/report/status", data={"code": code, "passphrase": phrase}, follow_redirects=True)
    assert page.status_code == 200
    return text_of(page.text)


def test_a_finding_with_its_own_subject_gets_no_it_and_a_reply_without_sharing_no_password_advice(
    web_rt: tuple[TestClient, Runtime],
) -> None:
    """GIVEN an email whose replies go to a free-mail address, reported with "I replied"
    THEN the thank-you page reads "Replies go to…" (not "It replies go to…") and tells them what to do
    after replying, without "change that password now"."""
    web, _ = web_rt
    sent = report(web, "email", {"did": "replied"}, files=[("files", ("salary.eml", FREEMAIL_REPLY, "message/rfc822"))])
    assert sent.status_code == 201
    page = text_of(sent.text)
    assert "Replies go to a free-mail address." in page
    assert "It replies" not in page and "It questions" not in page
    assert "You said you replied" in page and "change that password" not in page


def test_in_person_questions_read_as_a_sentence_and_replying_asks_for_no_password_change(
    web_rt: tuple[TestClient, Runtime],
) -> None:
    web, _ = web_rt
    sent = report(
        web,
        "in_person",
        {
            "wants": "info",
            "did": "replied",
            "text": "At the industry conference a man who said he was a journalist kept asking which labs work on "
            "our encryption module, who leads them, and when the next test campaign is.",
        },
    )
    page = text_of(sent.text)
    assert "Asked about work, colleagues, security or access" in page
    assert not [w for w in ("It questions", "It asked about", "It replies") if w in page]
    assert "change that password" not in page and "You said you replied" in page


def test_a_found_usb_stick_is_told_about_plugging_in_not_clicking_links(web_rt: tuple[TestClient, Runtime]) -> None:
    """GIVEN a found USB stick reported through the device form, in a campaign judged suspicious
    THEN the reporter's status page speaks of plugging it in, never of clicking a link; and before any
    person decided, it never says that anyone has looked."""
    web, rt = web_rt
    sent = report(web, "device", {"what": "found", "used": "no", "text": "A USB stick labelled 'Salaries 2026'."})
    code, phrase = receipt_of(sent.text)
    analyse_all(rt)
    before = _status(web, code, phrase)
    assert "We have looked" not in before and "automatic checks" in before
    web.post("/report/status/leave")
    with rt.db.write() as session:
        stick = session.scalars(select(Report)).one()
        assert stick.campaign_id is not None
        set_verdict(session, stick.campaign_id, "suspicious", "analyst-bo")
    after = _status(web, code, phrase)
    assert "If it was plugged in, switched on or connected" in after
    assert "clicked a link" not in after and "If you clicked" not in after
