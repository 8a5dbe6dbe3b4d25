"""Every common shape of a forwarded report, through the mail channel to the stored analysis.

Each mail is built here by hand the way the client builds it. The reporter's
signature and disclaimer carry URLs, a phone number and addresses of their
own: the stored analysis must carry the original's indicators and none of
those, and the reporter's address must be kept (sealed) as reporter metadata.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.cfb_writer import build_msg
from tests.support.settings import make_settings
from watchword.intake.mail import MailResult, take_mail
from watchword.runtime import Runtime, open_runtime
from watchword.security.sealing import unseal
from watchword.store.models import AnalysisRecord, Report
from watchword.worker import Worker

REPORTER = "alice.smith@corp-mail.org"
ORIGINAL_FROM = "docs@docusign-secure.top"
ORIGINAL_URL = "https://docusign-secure.top/review/7f3a9c"
ORIGINAL_SUBJECT = "Please review and sign: Q3 bonus letter"
ORIGINAL_TEXT = (
    "Hello,\n\nYou have a document waiting for your signature.\n\n"
    f"Review it here: {ORIGINAL_URL}\n\nIf the link does not work call 0800 555 0199.\n\nDocuSign\n"
)
ORIGINAL_HTML = (
    "<html><body><p>Hello,</p><p>You have a document waiting for your signature.</p>"
    f'<p><a href="{ORIGINAL_URL}">REVIEW DOCUMENT</a></p><p>DocuSign</p></body></html>'
)
COMMENT = "Hi team, got this just now - looks dodgy. I did not click anything."
SIGNATURE = (
    "Alice Smith | Finance Director | Corp Ltd\n"
    "https://www.corp-signature.co.uk/alice | +44 20 7946 0958 | alice.smith@corp-mail.org\n"
)
DISCLAIMER = (
    "This e-mail and any attachments are confidential. If you received it in error, tell the sender "
    "and delete it. Our privacy notice: https://disclaimer.corp-legal.net/privacy - "
    "report concerns to compliance@corp-legal.net.\n"
)
WRAPPER_ONLY = ("corp-signature.co.uk", "corp-legal.net", "compliance@corp-legal.net")
DATE = "Mon, 10 Nov 2025 09:14:02 +0000"


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(make_settings(tmp_path, smtp_addresses=("report@corp.example",)), migrate=True) as runtime:
        yield runtime


@functools.cache  # one fixed boundary: the same original must be the same bytes every time
def original(n: int = 0, url: str = ORIGINAL_URL) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"DocuSign <{ORIGINAL_FROM}>"
    msg["To"] = REPORTER
    msg["Subject"] = ORIGINAL_SUBJECT if not n else f"{ORIGINAL_SUBJECT} ({n})"
    msg["Date"] = DATE
    msg["Message-ID"] = f"<sig-{n}@docusign-secure.top>"
    msg.set_content(ORIGINAL_TEXT.replace(ORIGINAL_URL, url))
    msg.add_alternative(ORIGINAL_HTML.replace(ORIGINAL_URL, url), subtype="html")
    return msg.as_bytes(policy=SMTP_POLICY)


def wrapper(subject: str, text: str, html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Alice Smith <{REPORTER}>"
    msg["To"] = "report@corp.example"
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = f"<wrap-{abs(hash(subject + text)) % 10**9}@corp.example>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def analysed(rt: Runtime, result: MailResult) -> list[dict[str, Any]]:
    Worker(rt).run_until_idle()
    out = []
    with rt.db.session() as session:
        for receipt in result.receipts:
            record = session.get(AnalysisRecord, receipt.report_id)
            assert record is not None, "the report was not analysed"
            out.append(record.result)
    return out


def values(analysis: dict[str, Any]) -> set[str]:
    return {i["value"] for i in analysis["indicators"]}


def assert_original_not_wrapper(analysis: dict[str, Any]) -> None:
    found = values(analysis)
    assert any("docusign-secure.top/review/7f3a9c" in v for v in found), sorted(found)
    assert "docusign-secure.top" in found
    leaked = [v for v in found if any(w in v for w in WRAPPER_ONLY) or "7946" in v.replace(" ", "")]
    assert leaked == [], f"the reporter's signature or disclaimer leaked into the analysis: {leaked}"


def assert_reporter_kept(rt: Runtime, result: MailResult) -> None:
    assert result.reporter_known
    with rt.db.session() as session:
        for receipt in result.receipts:
            sealed = session.scalar(select(Report.contact_sealed).where(Report.id == receipt.report_id))
            assert sealed is not None and REPORTER.encode() not in sealed  # encrypted at rest
            assert unseal(rt.contact_key, sealed) == REPORTER


def take(rt: Runtime, msg: EmailMessage | bytes) -> MailResult:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=SMTP_POLICY)
    return take_mail(rt, raw, via="smtp", envelope_from=REPORTER)


# -- inline forwards -----------------------------------------------------------------------------


def outlook_inline() -> EmailMessage:
    block = (
        f"From: DocuSign <{ORIGINAL_FROM}>\nSent: Monday, November 10, 2025 9:14 AM\n"
        f"To: Alice Smith <{REPORTER}>\nSubject: {ORIGINAL_SUBJECT}\n"
    )
    text = f"{COMMENT}\n\n{SIGNATURE}\n{DISCLAIMER}\n________________________________\n{block}\n{ORIGINAL_TEXT}"
    html = (
        "<html><body><div>" + COMMENT + "</div><div>Alice Smith | Finance Director | Corp Ltd<br>"
        '<a href="https://www.corp-signature.co.uk/alice">corp-signature.co.uk</a> | +44 20 7946 0958</div>'
        '<div style="font-size:8pt">'
        + DISCLAIMER.replace(
            "https://disclaimer.corp-legal.net/privacy",
            '<a href="https://disclaimer.corp-legal.net/privacy">privacy notice</a>',
        )
        + "</div>"
        '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
        f'<font face="Calibri, sans-serif" style="font-size:11pt"><b>From:</b> DocuSign &lt;{ORIGINAL_FROM}&gt;<br>'
        "<b>Sent:</b> Monday, November 10, 2025 9:14 AM<br>"
        f"<b>To:</b> Alice Smith &lt;{REPORTER}&gt;<br><b>Subject:</b> {ORIGINAL_SUBJECT}</font><div>&nbsp;</div></div>"
        + ORIGINAL_HTML.replace("<html><body>", "<div>").replace("</body></html>", "</div>")
        + "</body></html>"
    )
    return wrapper(f"FW: {ORIGINAL_SUBJECT}", text, html)


def gmail_inline() -> EmailMessage:
    block = (
        f"From: DocuSign <{ORIGINAL_FROM}>\nDate: Mon, Nov 10, 2025 at 9:14 AM\n"
        f"Subject: {ORIGINAL_SUBJECT}\nTo: <{REPORTER}>\n"
    )
    text = f"{COMMENT}\n\n{SIGNATURE}\n{DISCLAIMER}\n---------- Forwarded message ---------\n{block}\n\n{ORIGINAL_TEXT}"
    html = (
        f'<div dir="ltr">{COMMENT}<br clear="all"><div><div dir="ltr" class="gmail_signature">'
        'Alice Smith | <a href="https://www.corp-signature.co.uk/alice">corp-signature.co.uk</a> | '
        "+44 20 7946 0958</div></div><div>"
        + DISCLAIMER.replace(
            "https://disclaimer.corp-legal.net/privacy",
            '<a href="https://disclaimer.corp-legal.net/privacy">privacy notice</a>',
        )
        + "</div>"
        '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        f'From: <strong class="gmail_sendername" dir="auto">DocuSign</strong> <span dir="auto">&lt;{ORIGINAL_FROM}'
        "&gt;</span><br>Date: Mon, Nov 10, 2025 at 9:14 AM<br>"
        f"Subject: {ORIGINAL_SUBJECT}<br>To: &lt;{REPORTER}&gt;<br></div><br><br>"
        + ORIGINAL_HTML.replace("<html><body>", "<div>").replace("</body></html>", "</div>")
        + "</div></div>"
    )
    return wrapper(f"Fwd: {ORIGINAL_SUBJECT}", text, html)


def apple_inline() -> EmailMessage:
    block = (
        f"From: DocuSign <{ORIGINAL_FROM}>\nSubject: {ORIGINAL_SUBJECT}\n"
        f"Date: 10 November 2025 at 09:14:02 GMT\nTo: Alice Smith <{REPORTER}>\n"
    )
    text = f"{COMMENT}\n\n{SIGNATURE}\n{DISCLAIMER}\n\nBegin forwarded message:\n\n{block}\n{ORIGINAL_TEXT}"
    return wrapper(f"Fwd: {ORIGINAL_SUBJECT}", text)


def thunderbird_inline() -> EmailMessage:
    block = (
        f"Subject: \t{ORIGINAL_SUBJECT}\nDate: \tMon, 10 Nov 2025 09:14:02 +0000\n"
        f"From: \tDocuSign <{ORIGINAL_FROM}>\nTo: \t{REPORTER}\n"
    )
    marker = "-------- Forwarded Message --------"
    text = f"{COMMENT}\n\n-- \n{SIGNATURE}\n{DISCLAIMER}\n\n{marker}\n{block}\n\n{ORIGINAL_TEXT}"
    return wrapper(f"Fwd: {ORIGINAL_SUBJECT}", text)


@pytest.mark.parametrize(
    ("shape", "build"),
    [
        ("inline-outlook", outlook_inline),
        ("inline-gmail", gmail_inline),
        ("inline-apple", apple_inline),
        ("inline-thunderbird", thunderbird_inline),
    ],
)
def test_inline_forward_is_analysed_as_the_original(rt: Runtime, shape: str, build: Any) -> None:
    """GIVEN an inline forward with the reporter's comment, signature and disclaimer above the marker
    WHEN it arrives by mail THEN the analysis has the original's link and sender, none of the wrapper's."""
    result = take(rt, build())
    assert len(result.receipts) == 1
    [analysis] = analysed(rt, result)
    assert_original_not_wrapper(analysis)
    assert analysis["wrapper"]["shape"] == shape
    assert analysis["wrapper"]["reporter_address"] == REPORTER
    assert ORIGINAL_FROM in analysis["headers"].get("from", "")
    assert_reporter_kept(rt, result)


# -- attached originals ----------------------------------------------------------------------------


def signed_wrapper_with(*parts: tuple[bytes, str, str, str | None]) -> EmailMessage:
    """The reporter's own mail, signature and disclaimer included, with originals attached."""
    msg = wrapper(
        "Suspicious messages",
        f"{COMMENT}\n\n-- \n{SIGNATURE}\n{DISCLAIMER}",
        f"<p>{COMMENT}</p><p>Alice Smith | "
        '<a href="https://www.corp-signature.co.uk/alice">corp-signature.co.uk</a></p>'
        f"<p><small>{DISCLAIMER}</small></p>",
    )
    for data, maintype, subtype, filename in parts:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def test_forward_as_attachment_wrapped_in_a_signed_mail_yields_the_original(rt: Runtime) -> None:
    result = take(rt, signed_wrapper_with((original(), "message", "rfc822", None)))
    [analysis] = analysed(rt, result)
    assert_original_not_wrapper(analysis)
    assert analysis["subject"] == ORIGINAL_SUBJECT
    assert_reporter_kept(rt, result)
    with rt.db.session() as session:
        raw_sha = session.scalar(select(Report.raw_sha256))
    assert rt.blobs.get(raw_sha or "") == original()  # the report's source of truth is the original


def test_several_attached_originals_become_several_reports(rt: Runtime) -> None:
    urls = [f"https://docusign-secure.top/review/{n}aa" for n in range(3)]
    result = take(
        rt, signed_wrapper_with(*[(original(n + 1, url), "message", "rfc822", None) for n, url in enumerate(urls)])
    )
    assert len(result.receipts) == 3
    analyses = analysed(rt, result)
    for url, analysis in zip(urls, analyses, strict=True):
        found = values(analysis)
        assert any(url in v for v in found), sorted(found)
        assert not any(w in v for v in found for w in WRAPPER_ONLY)
        others = [u for u in urls if u != url]
        assert not any(o in v for v in found for o in others)  # each report is its own original


def test_report_button_eml_attachment_is_the_original(rt: Runtime) -> None:
    msg = signed_wrapper_with((original(), "application", "octet-stream", "Please review and sign.eml"))
    result = take(rt, msg)
    [analysis] = analysed(rt, result)
    assert_original_not_wrapper(analysis)
    assert_reporter_kept(rt, result)


def test_report_button_outlook_msg_attachment_is_the_original(rt: Runtime) -> None:
    msg_file = build_msg(
        subject=ORIGINAL_SUBJECT,
        sender_name="DocuSign",
        sender_email=ORIGINAL_FROM,
        to=[("Alice Smith", REPORTER)],
        body=ORIGINAL_TEXT,
    )
    result = take(rt, signed_wrapper_with((msg_file, "application", "vnd.ms-outlook", "suspicious.msg")))
    assert len(result.receipts) == 1
    [analysis] = analysed(rt, result)
    assert_original_not_wrapper(analysis)
    assert_reporter_kept(rt, result)


def test_the_same_original_forwarded_by_many_is_one_analysis(rt: Runtime) -> None:
    results = []
    for n in range(5):
        msg = signed_wrapper_with((original(), "message", "rfc822", None))
        msg.replace_header("Message-ID", f"<many-{n}@corp.example>")
        results.append(take(rt, msg))
    assert len({r.receipts[0].report_id for r in results}) == 1
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        assert session.scalar(select(Report.sightings)) == 5
        assert len(session.scalars(select(AnalysisRecord)).all()) == 1
