"""What report buttons send to a reporting mailbox: the original unwrapped, the reporter's choice kept.

Fixtures follow the published shapes. Microsoft 365 ("User reported message settings",
*Message submission format*): the original attached as an uncompressed .eml or .msg, the
Subject `SafetyAPIAction|NetworkMessageId|SenderIp|FromAddress|(Message Subject)` with
1 = junk, 2 = not junk, 3 = phishing. KnowBe4's Phish Alert Button, Cofense Reporter and
Gmail report add-ons forward the reported message attached as .eml, under a subject the
administrator sets (docs/report-buttons.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.cfb_writer import build_msg
from tests.support.settings import make_settings
from watchword.intake import report_buttons
from watchword.intake.mail import take_mail
from watchword.runtime import Runtime, open_runtime
from watchword.security import sealing
from watchword.store.models import Indicator, Report, ReportIndicator, Submission
from watchword.worker import Worker

REPORTER = "sam.jones@corp-mail.org"
ORIGINAL_FROM = "it-support@password-expiry-notice.top"
ORIGINAL_SUBJECT = "Your password expires today"
ORIGINAL_URL = "https://password-expiry-notice.top/keep/8812"
ORIGINAL_TEXT = f"Your password expires today. Keep it here: {ORIGINAL_URL}\n\nIT Support\n"


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(make_settings(tmp_path, smtp_addresses=("reported@corp.example",)), migrate=True)
    yield runtime
    runtime.close()


def _original() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"IT Support <{ORIGINAL_FROM}>"
    msg["To"] = REPORTER
    msg["Subject"] = ORIGINAL_SUBJECT
    msg["Date"] = "Thu, 03 Dec 2026 08:01:00 +0000"
    msg["Message-ID"] = "<expiry-8812@password-expiry-notice.top>"
    msg.set_content(ORIGINAL_TEXT)
    return msg


def _wrapper(subject: str, body: str, attach_msg_file: bool = False) -> bytes:
    report = EmailMessage()
    report["From"] = f"Sam Jones <{REPORTER}>"
    report["To"] = "reported@corp.example"
    report["Subject"] = subject
    report["Date"] = "Thu, 03 Dec 2026 08:05:00 +0000"
    report.set_content(body)
    if attach_msg_file:
        outlook = build_msg(
            subject=ORIGINAL_SUBJECT,
            sender_name="IT Support",
            sender_email=ORIGINAL_FROM,
            to=[("Sam Jones", REPORTER)],
            body=ORIGINAL_TEXT,
        )
        report.add_attachment(outlook, maintype="application", subtype="vnd.ms-outlook", filename="reported.msg")
    else:
        # As an uncompressed .eml file, the way the buttons attach it.
        report.add_attachment(
            bytes(_original()), maintype="message", subtype="rfc822", filename=f"{ORIGINAL_SUBJECT}.eml"
        )
    return report.as_bytes(policy=SMTP_POLICY)


def _microsoft_subject(action: int) -> str:
    return f"{action}|49871234-6dc6-43e8-abcd-08d797f20abe|167.220.232.101|{ORIGINAL_FROM}|({ORIGINAL_SUBJECT})"


SHAPES = {
    "microsoft365-phishing-eml": (_microsoft_subject(3), "", False, "phishing"),
    "microsoft365-junk-msg": (_microsoft_subject(1), "", True, "junk"),
    "microsoft365-not-junk-eml": (_microsoft_subject(2), "", False, "not junk"),
    "knowbe4-phish-alert": ("Phish Alert: " + ORIGINAL_SUBJECT, "Reported by the Phish Alert Button.", False, ""),
    "cofense-reporter": ("[Suspicious Email] " + ORIGINAL_SUBJECT, "User comment: asked for my password", False, ""),
    "gmail-report-add-on": ("Reported message: " + ORIGINAL_SUBJECT, "", False, ""),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_button_shape_is_unwrapped_and_the_choice_is_kept_for_analysts(rt: Runtime, shape: str) -> None:
    subject, body, as_msg, choice = SHAPES[shape]
    result = take_mail(rt, _wrapper(subject, body, as_msg), via="imap", envelope_from=REPORTER)
    assert len(result.receipts) == 1
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        report = session.scalars(select(Report)).one()
        assert report.subject == ORIGINAL_SUBJECT  # the original, not the button's wrapper
        values = set(
            session.scalars(select(Indicator.value).join(ReportIndicator).where(ReportIndicator.report_id == report.id))
        )
        submission = session.scalars(select(Submission).where(Submission.report_id == report.id)).one()
        words = sealing.unseal_json(rt.contact_key, submission.words_sealed) if submission.words_sealed else {}
    assert ORIGINAL_URL in values and "password-expiry-notice.top" in values
    assert not any("corp-mail.org" in v for v in values)  # the reporter is never an indicator
    comment = str(words.get("comment") or "")
    if choice:
        assert f"as: {choice}." in comment
        assert ORIGINAL_FROM in comment
    else:
        assert "Reported with" not in comment
    if body:
        assert body in comment


def test_the_microsoft_subject_is_read_exactly_and_anything_else_is_no_choice() -> None:
    def parsed(subject: str) -> report_buttons.ButtonReport | None:
        msg = EmailMessage()
        msg["Subject"] = subject
        return report_buttons.recognise(msg)

    found = parsed(_microsoft_subject(3))
    assert found is not None and found.choice == "phishing" and found.original_subject == ORIGINAL_SUBJECT
    assert parsed("4|x|1.2.3.4|a@b.c|(x)") is None  # no such action
    assert parsed("3|phish me") is None
    assert parsed("Fwd: " + _microsoft_subject(3)) is None
    assert parsed("3|" + "a" * 5000) is None  # bounded: no backtracking over a long subject
