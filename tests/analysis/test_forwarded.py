"""unwrap_forwarded: the original is analysed; the reporter's wrapper is kept apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support import mailbuilders as mb
from tests.support.cfb_writer import build_msg
from watchword.analysis.forwarded import originals_in, unwrap_forwarded
from watchword.analysis.mime import parse_mime
from watchword.domain import Document


def unwrapped(raw: bytes) -> Document:
    doc = Document(kind="email", raw=raw)
    parse_mime(doc)
    unwrap_forwarded(doc)
    return doc


def assert_is_the_original(doc: Document) -> None:
    assert doc.subject == mb.ORIGINAL_SUBJECT
    assert mb.ORIGINAL_FROM in doc.headers["from"]
    assert any(mb.ORIGINAL_URL in t for t in doc.text_parts)
    body = "\n".join(doc.text_parts + doc.html_parts)
    assert mb.SIGNATURE_URL not in body
    assert mb.DISCLAIMER not in body
    assert mb.REPORTER_COMMENT not in body
    assert doc.wrapper is not None
    assert doc.wrapper.reporter_address == mb.REPORTER


def test_forwarded_attachment_is_analysed_not_the_wrapper() -> None:
    """GIVEN a reporter's mail with the suspicious message attached as message/rfc822
    WHEN the forward is unwrapped
    THEN the document carries the original's subject, sender, links and headers,
    and the reporter's address and comment sit in doc.wrapper only."""
    doc = unwrapped(mb.attached_forward(mb.original_message()))
    assert_is_the_original(doc)
    assert doc.headers["reply-to"] == "collect@drop-box.example"
    assert doc.received and "mai1box-support" in doc.received[0]
    assert any("mai1box-support.example/verify" in h for h in doc.html_parts)
    assert doc.wrapper is not None
    assert doc.wrapper.shape == "attachment"
    assert mb.REPORTER_COMMENT in doc.wrapper.reporter_comment


def test_eml_file_attached_as_octet_stream_is_the_original() -> None:
    doc = unwrapped(mb.attached_forward(mb.original_message(), as_eml_file=True))
    assert_is_the_original(doc)


def test_msg_file_attached_by_a_report_button_is_the_original() -> None:
    msg_file = build_msg(
        subject=mb.ORIGINAL_SUBJECT,
        sender_name=mb.ORIGINAL_FROM_NAME,
        sender_email=mb.ORIGINAL_FROM,
        body=mb.ORIGINAL_BODY,
    )
    reporter_mail = mb.message(
        subject="Reported message",
        from_=f"Alice Reporter <{mb.REPORTER}>",
        body=mb.multipart(
            "mixed",
            [
                mb.part("text/plain", mb.REPORTER_COMMENT),
                mb.part("application/vnd.ms-outlook", msg_file, charset=None, cte="base64", filename="phish.msg"),
            ],
        ),
    )
    assert originals_in(reporter_mail) == [msg_file]
    doc = unwrapped(reporter_mail)
    assert_is_the_original(doc)


def test_several_attached_originals_are_all_returned_and_the_first_is_analysed() -> None:
    first = mb.original_message()
    second = mb.simple("Second suspicious message", "Wire the money to IBAN ...")
    raw = mb.attached_forward(first, second)
    assert originals_in(raw) == [first, second]  # byte for byte, to be filed as their own reports
    doc = unwrapped(raw)
    assert doc.subject == mb.ORIGINAL_SUBJECT
    assert any("2 attached messages" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("builder", "shape"),
    [
        (mb.gmail_forward, "inline-gmail"),
        (mb.apple_forward, "inline-apple"),
        (mb.thunderbird_forward, "inline-thunderbird"),
        (mb.owa_forward, "inline-outlook"),
        (lambda: mb.outlook_forward("en"), "inline-outlook"),
        (lambda: mb.outlook_forward("en", original_marker=True), "inline-outlook"),
        (lambda: mb.outlook_forward("de"), "inline-outlook"),
        (lambda: mb.outlook_forward("fr"), "inline-outlook"),
    ],
)
def test_inline_forward_is_cut_at_the_marker(builder: Callable[[], bytes], shape: str) -> None:
    """GIVEN a reporter's inline forward (text and HTML) with a comment, signature and disclaimer above
    WHEN the forward is unwrapped
    THEN text and HTML hold only the original, its header block sets from/subject,
    and the reporter's own headers are not judged as the original's."""
    doc = unwrapped(builder())
    assert_is_the_original(doc)
    assert doc.wrapper is not None
    assert doc.wrapper.shape == shape
    assert mb.REPORTER_COMMENT in doc.wrapper.reporter_comment
    assert doc.html_parts and mb.ORIGINAL_URL.replace("&", "&amp;") in doc.html_parts[0]
    assert "authentication-results" not in doc.headers  # the reporter's delivery, not the original's
    assert doc.received == []


def test_outlook_mailto_addresses_are_normalised() -> None:
    doc = unwrapped(mb.outlook_forward("en"))
    assert doc.headers["from"] == f"{mb.ORIGINAL_FROM_NAME} <{mb.ORIGINAL_FROM}>"


def test_a_reply_quoting_an_outlook_block_is_not_a_forward() -> None:
    raw = mb.outlook_forward("en", original_marker=True).replace(
        f"Subject: FW: {mb.ORIGINAL_SUBJECT}".encode(), b"Subject: RE: lunch on Friday?"
    )
    doc = unwrapped(raw)
    assert doc.wrapper is None
    assert doc.subject == "RE: lunch on Friday?"
    assert any(mb.REPORTER_COMMENT in t for t in doc.text_parts)


def test_a_gmail_reply_is_not_a_forward() -> None:
    text = "Sounds good.\n\nOn Tue, 5 Mar 2024 at 09:12, Bob <bob@example.org> wrote:\n> From: the team\n> lunch?\n"
    doc = unwrapped(mb.simple("Re: lunch", text))
    assert doc.wrapper is None
    assert doc.text_parts[0].startswith("Sounds good.")


def test_marker_without_a_header_block_is_not_a_forward() -> None:
    text = "Please forward this.\n---------- Forwarded message ---------\nnothing here\n"
    assert unwrapped(mb.simple("Fwd: odd", text)).wrapper is None


def test_html_only_gmail_forward_is_unwrapped() -> None:
    raw = mb.gmail_forward()
    doc = Document(kind="email", raw=raw)
    parse_mime(doc)
    doc.text_parts = []
    unwrap_forwarded(doc)
    assert doc.wrapper is not None
    assert doc.subject == mb.ORIGINAL_SUBJECT
    assert mb.SIGNATURE_URL not in doc.html_parts[0]
    assert mb.ORIGINAL_URL.replace("&", "&amp;") in doc.html_parts[0]


def test_delivery_report_is_not_unwrapped() -> None:
    body = mb.multipart("report", [mb.part("text/plain", "Delivery failed"), mb.rfc822(mb.simple("lost", "x"))])
    assert unwrapped(mb.message(subject="Undeliverable", body=body)).wrapper is None


def test_a_forward_of_a_forward_is_unwrapped_to_the_innermost_original() -> None:
    """GIVEN a colleague's Outlook forward that the reporter forwarded again from Gmail
    THEN the innermost message is analysed, and the reporter (not the colleague) is the wrapper."""
    colleague_note = "Bob: got this today, is it ours?"
    text = (
        f"{mb.REPORTER_COMMENT}\n\n---------- Forwarded message ---------\n"
        "From: Bob Colleague <bob@corp.example>\nDate: Tue, 5 Mar 2024 at 10:00\n"
        f"Subject: FW: {mb.ORIGINAL_SUBJECT}\nTo: <alice.reporter@corp.example>\n\n"
        f"{colleague_note}\n\n-----Original Message-----\n"
        f"From: {mb.ORIGINAL_FROM_NAME} [mailto:{mb.ORIGINAL_FROM}]\nSent: Tuesday, March 5, 2024 9:12 AM\n"
        f"To: Bob Colleague\nSubject: {mb.ORIGINAL_SUBJECT}\n\n{mb.ORIGINAL_BODY}"
    )
    doc = unwrapped(mb.simple(f"Fwd: FW: {mb.ORIGINAL_SUBJECT}", text, from_=f"Alice <{mb.REPORTER}>"))
    assert doc.subject == mb.ORIGINAL_SUBJECT
    assert mb.ORIGINAL_FROM in doc.headers["from"]
    assert colleague_note not in doc.text_parts[0]
    assert mb.ORIGINAL_URL in doc.text_parts[0]
    assert doc.wrapper is not None
    assert doc.wrapper.reporter_address == mb.REPORTER
    assert doc.wrapper.shape == "inline-gmail"
    assert mb.REPORTER_COMMENT in doc.wrapper.reporter_comment
