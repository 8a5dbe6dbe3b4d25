"""Threads per person: each reporter of a report has their own thread, and nothing written to one reaches another.

End to end: two people report the same email (through the web form, and by mail),
which becomes one report; an analyst writes to one of them from the console; only
that person sees it (status page) or is sent it (a real local SMTP relay).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.console import add_user, console_client, csrf_of, sign_in
from tests.support.mailbuilders import forwarded_by, password_phish
from tests.support.reporter import fast_settings, receipt_of, report, text_of
from tests.support.smtp_sink import REPORT_TO, Sink, replying_to
from watchword.intake.mail import take_mail
from watchword.runtime import Runtime, open_runtime
from watchword.services import mail_replies
from watchword.store.models import Report
from watchword.store.models_mail import MailOutbox
from watchword.store.models_reporter import ReporterReceipt, ThreadMessage
from watchword.web.app import create_app

PHISH = (
    "Dear user, your mailbox will be closed today. Verify your password now at "
    "http://micros0ft-login.example/owa/login or lose access."
)
PRIVATE = "Please check whether you also entered it on your personal Gmail account."


@pytest.fixture(params=["sqlite", "postgresql"])
def trt(request: pytest.FixtureRequest, tmp_path: Path, sink: Sink) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(
        fast_settings(
            tmp_path,
            database_url=url,
            **replying_to(sink),
        ),
        migrate=True,
    ) as runtime:
        yield runtime


def _status(web: TestClient, code: str, phrase: str) -> str:
    page = web.post("/report/status", data={"code": code, "passphrase": phrase}, follow_redirects=True)
    assert page.status_code == 200
    return page.text


def _analyst(rt: Runtime) -> TestClient:
    add_user(rt, "ana")
    client = console_client(rt)
    assert sign_in(client, "ana").status_code == 303
    return client


def _forms(html: str) -> dict[str, str]:
    """The thread page's reply forms: the reporter label on each button -> its hidden `to` value."""
    return {
        label: to
        for to, label in re.findall(
            r'name="to" value="([^"]+)">.*?<button type="submit">Send to ([^<]+)</button>', html, re.S
        )
    }


def test_two_web_reporters_of_one_email_each_have_their_own_thread(trt: Runtime) -> None:
    """GIVEN two people who pasted the same phishing email (one report, two receipts)
    WHEN an analyst writes to the first from the console
    THEN the first sees it on their status page, the second does not, and the console shows two threads."""
    with TestClient(create_app(trt)) as web:
        first = receipt_of(report(web, "email", {"text": PHISH}).text)
        second = receipt_of(report(web, "email", {"text": PHISH}).text)
    with trt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
        report_id = session.scalars(select(Report.id)).one()
        assert session.scalar(select(func.count()).select_from(ReporterReceipt)) == 2
    analyst = _analyst(trt)
    threads = analyst.get(f"/console/reports/{report_id}/thread")
    forms = _forms(threads.text)
    assert list(forms) == ["Reporter 1 (web form)", "Reporter 2 (web form)"]
    assert "every reporter of this report" not in threads.text
    sent = analyst.post(
        f"/console/reports/{report_id}/thread",
        data={"csrf": csrf_of(threads.text), "to": forms["Reporter 1 (web form)"], "body": PRIVATE},
    )
    assert sent.status_code == 303
    with TestClient(create_app(trt)) as web:
        assert PRIVATE in _status(web, *first)
        web.post("/report/status/leave")
        assert PRIVATE not in _status(web, *second)
    # The console shows it in the first person's thread only: the second's says nothing yet.
    page = text_of(analyst.get(f"/console/reports/{report_id}/thread").text)
    first_thread, second_thread = page.split("Reporter 2 (web form)", 1)
    assert PRIVATE in first_thread and PRIVATE not in second_thread and "No messages yet" in second_thread


def test_a_message_must_name_one_reporter_of_this_report(trt: Runtime) -> None:
    """Without a recipient, or with another report's reporter, nothing is stored and the analyst is told why."""
    with TestClient(create_app(trt)) as web:
        report(web, "email", {"text": PHISH})
        report(web, "other", {"text": "A man at the fair asked about our pilot line yields."})
    with trt.db.session() as session:
        first_id, second_id = session.scalars(select(Report.id).order_by(Report.id)).all()
        other_receipt = session.scalars(select(ReporterReceipt.id).where(ReporterReceipt.report_id == second_id)).one()
    analyst = _analyst(trt)
    csrf = csrf_of(analyst.get(f"/console/reports/{first_id}/thread").text)
    nobody = analyst.post(f"/console/reports/{first_id}/thread", data={"csrf": csrf, "body": PRIVATE})
    assert nobody.status_code == 400 and "Choose the reporter" in nobody.text
    stranger = analyst.post(
        f"/console/reports/{first_id}/thread", data={"csrf": csrf, "to": f"r{other_receipt}", "body": PRIVATE}
    )
    assert stranger.status_code == 404 and "did not report this report" in stranger.text
    with trt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ThreadMessage)) == 0


def test_two_mail_reporters_of_one_email_each_get_only_their_own_messages(trt: Runtime, sink: Sink) -> None:
    """GIVEN the same phishing email forwarded by alice and by bob (one report)
    WHEN an analyst writes to alice's thread
    THEN alice is sent it by mail, bob is sent nothing of it, and bob's thread in the console stays empty."""
    first = take_mail(
        trt,
        forwarded_by(password_phish(), "alice@corp.example", 1, REPORT_TO),
        via="smtp",
        envelope_from="alice@corp.example",
    )
    take_mail(
        trt,
        forwarded_by(password_phish(), "bob@corp.example", 2, REPORT_TO),
        via="smtp",
        envelope_from="bob@corp.example",
    )
    report_id = first.receipts[0].report_id
    analyst = _analyst(trt)
    threads = analyst.get(f"/console/reports/{report_id}/thread")
    forms = _forms(threads.text)
    assert list(forms) == ["Reporter 1 (by mail)", "Reporter 2 (by mail)"]
    # The addresses are not on the page: the thread is named, the person is not.
    assert "alice@corp.example" not in threads.text and "bob@corp.example" not in threads.text
    sent = analyst.post(
        f"/console/reports/{report_id}/thread",
        data={"csrf": csrf_of(threads.text), "to": forms["Reporter 1 (by mail)"], "body": PRIVATE},
    )
    assert sent.status_code == 303
    mail_replies.deliver_due(trt)
    to_alice = [m for m in sink.to("alice@corp.example") if m["Subject"] == "About your report"]
    assert len(to_alice) == 1 and PRIVATE in " ".join(to_alice[0].get_content().split())
    assert all(PRIVATE not in m.get_content() for m in sink.to("bob@corp.example"))
    with trt.db.session() as session:
        kinds = session.scalars(select(MailOutbox.kind).where(MailOutbox.kind == "message")).all()
        assert kinds == ["message"]
        # The message is sealed in the thread like every reporter's words.
        (stored,) = session.scalars(select(ThreadMessage)).all()
        assert stored.body == "" and stored.mail_reporter_hash is not None and stored.receipt_id is None
    page = text_of(analyst.get(f"/console/reports/{report_id}/thread").text)
    alice_thread, bob_thread = page.split("Reporter 2 (by mail)", 1)
    assert PRIVATE in alice_thread and PRIVATE not in bob_thread
