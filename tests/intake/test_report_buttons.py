"""What report buttons send to a reporting mailbox: the original unwrapped, the reporter's choice kept.

Fixtures follow the published shapes. Microsoft 365 ("User reported message settings",
*Message submission format*): the original attached as an uncompressed .eml or .msg, the
Subject `SafetyAPIAction|NetworkMessageId|SenderIp|FromAddress|(Message Subject)` with
1 = junk, 2 = not junk, 3 = phishing. KnowBe4's Phish Alert Button, Cofense Reporter and
Gmail report add-ons forward the reported message attached as .eml, under a subject the
administrator sets; the PAB with comments and disposition enabled adds one of its three
dispositions (Phish/Suspicious, Spam/Junk, Unknown) beside the comment, and Cofense Reporter
marks its mail with its own X-Cofense header. A Google Workspace routing rule's copy is the
suspicious message itself, with the X-Gm-Original-To, X-Gm-Spam and X-Gm-Phishy headers the
rule can add (docs/report-buttons.md).
"""

from __future__ import annotations

import smtplib
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
from watchword.intake.smtp import SmtpListener
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
    with open_runtime(make_settings(tmp_path, smtp_addresses=("reported@corp.example",)), migrate=True) as runtime:
        yield runtime


def _original() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"IT Support <{ORIGINAL_FROM}>"
    msg["To"] = REPORTER
    msg["Subject"] = ORIGINAL_SUBJECT
    msg["Date"] = "Thu, 03 Dec 2026 08:01:00 +0000"
    msg["Message-ID"] = "<expiry-8812@password-expiry-notice.top>"
    msg.set_content(ORIGINAL_TEXT)
    return msg


def _wrapper(subject: str, body: str, attach_msg_file: bool = False, headers: tuple[str, ...] = ()) -> bytes:
    report = EmailMessage()
    report["From"] = f"Sam Jones <{REPORTER}>"
    report["To"] = "reported@corp.example"
    report["Subject"] = subject
    report["Date"] = "Thu, 03 Dec 2026 08:05:00 +0000"
    for header in headers:
        name, _, value = header.partition(": ")
        report[name] = value
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


PAB_PHISH = "Comments: It wants my password and the link is not ours.\nDisposition: Phish/Suspicious"
COFENSE = ("X-Cofense-Reporter: Cofense Reporter for Outlook",)
# subject, the forwarding mail's text, .msg instead of .eml, the choice kept, the button named, its headers
SHAPES: dict[str, tuple[str, str, bool, str, str, tuple[str, ...]]] = {
    "microsoft365-phishing-eml": (_microsoft_subject(3), "", False, "phishing", "Microsoft 365", ()),
    "microsoft365-junk-msg": (_microsoft_subject(1), "", True, "junk", "Microsoft 365", ()),
    "microsoft365-not-junk-eml": (_microsoft_subject(2), "", False, "not junk", "Microsoft 365", ()),
    "knowbe4-phish-alert": ("Phish Alert: " + ORIGINAL_SUBJECT, "Reported by the Phish Alert Button.", False, "", "",
                            ()),
    "knowbe4-phish-suspicious": ("Phish Alert: " + ORIGINAL_SUBJECT, PAB_PHISH, False, "phishing", "KnowBe4", ()),
    "knowbe4-spam-junk-msg": ("Phish Alert: " + ORIGINAL_SUBJECT, "Disposition: Spam/Junk", True, "junk", "KnowBe4",
                              ()),
    "knowbe4-unknown": ("Phish Alert: " + ORIGINAL_SUBJECT, "Disposition: Unknown", False, "unsure", "KnowBe4", ()),
    "cofense-reporter": (
        "[Suspicious Email] " + ORIGINAL_SUBJECT, "User comment: asked for my password", False, "suspicious",
        "Cofense Reporter", COFENSE,
    ),
    "gmail-report-add-on": ("Reported message: " + ORIGINAL_SUBJECT, "", False, "", "", ()),
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_button_shape_is_unwrapped_and_the_choice_is_kept_for_analysts(rt: Runtime, shape: str) -> None:
    subject, body, as_msg, choice, button, headers = SHAPES[shape]
    result = take_mail(rt, _wrapper(subject, body, as_msg, headers), via="imap", envelope_from=REPORTER)
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
        assert f"as: {choice}." in comment and button in comment
        assert (ORIGINAL_FROM in comment) == (button == "Microsoft 365")  # only Microsoft's subject names it
    else:
        assert "Reported with" not in comment
    if body:
        assert " ".join(body.split()) in " ".join(comment.split())


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


def test_the_phish_alert_dispositions_are_read_only_from_their_own_line() -> None:
    def read(text: str) -> str:
        found = report_buttons.recognise(EmailMessage(), text)
        return found.choice if found is not None else ""

    assert read("Disposition: Phish/Suspicious") == "phishing"
    assert read("Comments: odd\r\nEmail Disposition:  Spam / Junk\r\n") == "junk"
    assert read("disposition: unknown") == "unsure"
    assert read("The disposition: Phish/Suspicious is what I chose") == ""  # not a line of its own
    assert read("Disposition: malicious") == ""  # not one of the button's three
    assert read("x" * 30000 + "\nDisposition: Unknown") == ""  # only the top of the text is read


def _gmail_copy(phishy: str) -> bytes:
    msg = _original()
    # What an Admin console routing rule adds when asked to (Add X-Gm-Original-To / X-Gm-Spam and X-Gm-Phishy).
    msg["X-Gm-Original-To"] = REPLIED_TO
    msg["X-Gm-Spam"] = "0"
    msg["X-Gm-Phishy"] = phishy
    return msg.as_bytes(policy=SMTP_POLICY)


REPLIED_TO = "sam.jones@corp-mail.org"


def test_a_google_workspace_copy_is_the_message_itself_with_gmails_classification(rt: Runtime) -> None:
    """GIVEN a routing rule's copy of a message Gmail classed as phishing WHEN it arrives THEN it is
    the report (no wrapper to take off), nobody is answered (nobody reported it), and Gmail's
    classification is kept for the analyst, never analysed."""
    result = take_mail(rt, _gmail_copy("1"), via="smtp", envelope_from="bounces@corp-mail.org")
    assert len(result.receipts) == 1 and result.shape == "direct" and not result.reporter_known
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        report = session.scalars(select(Report)).one()
        submission = session.scalars(select(Submission)).one()
        words = sealing.unseal_json(rt.contact_key, submission.words_sealed) if submission.words_sealed else {}
        values = set(session.scalars(select(Indicator.value)))
    assert report.subject == ORIGINAL_SUBJECT and ORIGINAL_URL in values
    assert not any("corp-mail.org" in v for v in values)  # the person it was sent to is no indicator
    assert "Copied to us by a Google Workspace routing rule; Gmail had classed it as: phishing." in words["comment"]
    unclassed = report_buttons.recognise_copy(_headers(_gmail_copy("0")))
    assert unclassed is not None and unclassed.choice == "not spam"
    assert report_buttons.recognise_copy(_headers(bytes(_original()))) is None  # no rule's headers: no copy


def _headers(raw: bytes) -> EmailMessage:
    from email import message_from_bytes
    from email.policy import default

    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_phish_alert_report_delivered_over_smtp_reaches_the_console_with_its_disposition(rt: Runtime) -> None:
    """The Phish Alert Button's mail, sent by a real SMTP client to Watchword's SMTP intake."""
    listener = SmtpListener(rt, host="127.0.0.1", port=0).start()
    try:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            refused = client.sendmail(
                REPORTER, ["reported@corp.example"], _wrapper("Phish Alert: " + ORIGINAL_SUBJECT, PAB_PHISH)
            )
    finally:
        listener.stop()
    assert refused == {}
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        report = session.scalars(select(Report)).one()
        submission = session.scalars(select(Submission)).one()
        words = sealing.unseal_json(rt.contact_key, submission.words_sealed)
    assert report.subject == ORIGINAL_SUBJECT and report.channel == "email"
    assert words["comment"].startswith("Reported with KnowBe4's Phish Alert Button as: phishing.")
    assert "It wants my password" in words["comment"]
