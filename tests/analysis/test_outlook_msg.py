"""Outlook .msg: read through olefile into the same document fields as an .eml."""

from __future__ import annotations

from io import BytesIO

import olefile

from tests.support.cfb_writer import build_cfb, build_msg
from watchword.analysis.attachments import describe_attachments
from watchword.analysis.mime import parse_mime
from watchword.domain import Document

HTML = "<html><body><p>Grüße — sign in <a href='https://evil.example/login'>here</a></p></body></html>"
TRANSPORT = (
    "Received: from mx.evil.example ([198.51.100.7]) by mx.corp.example\r\n"
    "Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=evil.example\r\n"
    "From: Payroll <payroll@evil.example>\r\n"
    "To: bob@corp.example\r\n"
    "Subject: =?utf-8?Q?Gehaltsabrechnung_M=C3=A4rz?=\r\n"
    "Content-Type: multipart/alternative; boundary=xyz\r\n"
)


def parsed(raw: bytes) -> Document:
    doc = Document(kind="email", raw=raw)
    parse_mime(doc)
    return doc


def test_the_test_writer_makes_files_olefile_reads() -> None:
    data = build_cfb({"small": b"abc", "big": b"z" * 10_000, "store/inner": b"deep"})
    ole = olefile.OleFileIO(BytesIO(data))
    assert ole.openstream("small").read() == b"abc"
    assert ole.openstream("big").read() == b"z" * 10_000
    assert ole.openstream("store/inner").read() == b"deep"


def test_msg_properties_fill_the_document_like_an_eml() -> None:
    raw = build_msg(
        subject="Gehaltsabrechnung März",
        sender_name="Payroll",
        sender_email="payroll@evil.example",
        to=[("Bob", "bob@corp.example"), ("Carol", "carol@corp.example")],
        body="Sign in at https://evil.example/login",
        html=HTML.encode("utf-8"),
        attachments=[
            ("Gehalt.pdf.exe", "application/pdf", b"MZ" + b"\x00" * 5000),
            ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ],
    )
    doc = parsed(raw)
    describe_attachments(doc)
    assert doc.subject == "Gehaltsabrechnung März"
    assert doc.headers["from"] == '"Payroll" <payroll@evil.example>'
    assert doc.headers["to"] == '"Bob" <bob@corp.example>, "Carol" <carol@corp.example>'
    assert doc.text_parts == ["Sign in at https://evil.example/login"]
    assert doc.html_parts == [HTML]
    assert [a.filename for a in doc.attachments] == ["Gehalt.pdf.exe", "logo.png"]
    assert doc.attachments[0].sniffed_type == "exe"
    assert "double_extension" in doc.attachments[0].risk_flags
    assert doc.attachments[1].sniffed_type == "png"
    assert doc.warnings == []


def test_transport_headers_give_the_original_internet_headers() -> None:
    raw = build_msg(subject="ignored when headers exist", body="x", transport_headers=TRANSPORT)
    doc = parsed(raw)
    assert doc.subject == "Gehaltsabrechnung März"
    assert doc.headers["authentication-results"] == "mx.corp.example; spf=fail smtp.mailfrom=evil.example"
    assert doc.received == ["from mx.evil.example ([198.51.100.7]) by mx.corp.example"]
    # The body structure comes from the .msg streams, not from the stale header.
    assert "boundary=xyz" not in doc.headers.get("content-type", "")
    assert doc.text_parts == ["x"]


def test_msg_magic_with_a_broken_body_warns_and_does_not_raise() -> None:
    doc = parsed(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert any(".msg" in w for w in doc.warnings)
    doc = parsed(build_cfb({"not_a_message": b"hello"}))
    assert doc.subject == ""
    assert doc.text_parts == []


def test_a_message_attached_inside_a_msg_is_listed_and_flagged_not_opened() -> None:
    streams = {
        "__properties_version1.0": b"\x00" * 32,
        "__substg1.0_0037001F": "Fwd: invoice".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__properties_version1.0": b"\x00" * 8,
        "__attach_version1.0_#00000000/__substg1.0_3707001F": "invoice".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_3701000D/__substg1.0_0037001F": "inner".encode("utf-16-le"),
    }
    doc = parsed(build_cfb(streams))
    assert doc.subject == "Fwd: invoice"
    assert [(a.filename, a.declared_type) for a in doc.attachments] == [("invoice.msg", "application/vnd.ms-outlook")]
    assert any("embedded message" in w for w in doc.warnings)
