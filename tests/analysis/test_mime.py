"""parse_mime: headers, bodies and attachments decoded the way a careful reader would."""

from __future__ import annotations

import base64

from tests.support import mailbuilders as mb
from watchword.analysis.mime import decode_header, parse_bytes, parse_mime
from watchword.domain import Document


def parsed(raw: bytes) -> Document:
    doc = Document(kind="email", raw=raw)
    parse_mime(doc)
    return doc


def test_rfc2047_subjects_in_several_charsets_are_decoded() -> None:
    cases = {
        "=?UTF-8?B?" + base64.b64encode("Rechnung für März ✓".encode()).decode() + "?=": "Rechnung für März ✓",
        "=?iso-8859-1?Q?Facture_impay=E9e?=": "Facture impayée",
        "=?koi8-r?B?" + base64.b64encode("Счёт".encode("koi8-r")).decode() + "?=": "Счёт",
        "=?shift_jis?B?" + base64.b64encode("請求書".encode("shift_jis")).decode() + "?=": "請求書",
        "=?windows-1252?Q?=93quoted=94?= and plain": "\u201cquoted\u201d and plain",
    }
    for encoded, expected in cases.items():
        doc = parsed(mb.message(subject=encoded))
        assert doc.subject == expected
        assert doc.headers["subject"] == expected


def test_adjacent_encoded_words_join_and_a_split_character_survives() -> None:
    data = "Zahlungsaufforderung €".encode()
    first, second = data[:-2], data[-2:]  # the euro sign is cut between two words
    value = f"=?utf-8?B?{base64.b64encode(first).decode()}?=\r\n =?utf-8?B?{base64.b64encode(second).decode()}?="
    assert decode_header(value) == "Zahlungsaufforderung €"


def test_broken_encoded_words_do_not_raise_and_keep_what_is_readable() -> None:
    assert decode_header("=?utf-8?B?SGVsbG8gV29ybGQ?=") == "Hello World"  # padding missing
    assert decode_header("=?x-unknown-charset?Q?caf=C3=A9?=") == "café"  # unknown charset: UTF-8
    assert decode_header("=?utf-8?Q?unterminated_word") == "unterminated word"
    assert decode_header("=?utf-8?B?!!!!?=") == ""
    assert "\x00" not in decode_header("=?utf-8?Q?nul=00byte?=")


def test_raw_8bit_headers_are_decoded_as_utf8_or_cp1252() -> None:
    raw = mb.message(subject="x").replace(b"Subject: x", "Subject: Überweisung prüfen".encode())
    assert parsed(raw).subject == "Überweisung prüfen"
    raw = mb.message(subject="x").replace(b"Subject: x", "Subject: Überweisung prüfen".encode("latin-1"))
    assert parsed(raw).subject == "Überweisung prüfen"


def test_body_declared_latin1_that_is_really_utf8_is_decoded_as_utf8() -> None:
    text = "Grüße, your café order ☕ is ready"
    raw = mb.message(body=mb.part("text/plain", text.encode("utf-8"), charset="iso-8859-1", cte="8bit"))
    assert parsed(raw).text_parts == [text]


def test_body_in_an_unknown_charset_falls_back_and_warns() -> None:
    raw = mb.message(body=mb.part("text/plain", "naïve".encode("latin-1"), charset="x-bogus", cte="8bit"))
    doc = parsed(raw)
    assert doc.text_parts == ["naïve"]
    assert any("charset" in w for w in doc.warnings)


def test_quoted_printable_html_leaves_no_soft_break_debris_in_long_urls() -> None:
    url = "https://login.micros0ft-secure.example/common/oauth2/authorize?client_id=" + "a" * 90 + "&redirect=x"
    html = f'<html><body><a href="{url}">Sign in</a> to keep your account</body></html>'
    raw = mb.message(body=mb.part("text/html", html, cte="quoted-printable"))
    assert b"=3D" in raw and b"=\r\n" in raw  # the builder really did split and escape it
    doc = parsed(raw)
    assert doc.html_parts == [html]
    assert url in doc.html_parts[0]
    assert "=3D" not in doc.html_parts[0]


def test_undeclared_quoted_printable_is_repaired() -> None:
    url = "https://pay.example/invoice?id=" + "7" * 80
    encoded = mb.encode_body(f'<a href="{url}">pay</a> =3D=3D'.encode(), "quoted-printable")
    raw = mb.message(body=b"Content-Type: text/html\r\n\r\n" + encoded)
    doc = parsed(raw)
    assert url in doc.html_parts[0]
    assert any("quoted-printable" in w for w in doc.warnings)


def test_base64_parts_and_nested_multiparts_are_all_found() -> None:
    inner = mb.multipart(
        "alternative",
        [mb.part("text/plain", "plain body", cte="base64"), mb.part("text/html", "<p>html body</p>", cte="base64")],
    )
    related = mb.multipart("related", [inner, mb.part("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, cte="base64")])
    outer = mb.multipart(
        "mixed", [related, mb.part("application/pdf", b"%PDF-1.7 ...", cte="base64", filename="a.pdf")]
    )
    doc = parsed(mb.message(body=outer))
    assert doc.text_parts == ["plain body"]
    assert doc.html_parts == ["<p>html body</p>"]
    assert [a.filename for a in doc.attachments] == ["", "a.pdf"]
    assert doc.attachment_payloads[1] == b"%PDF-1.7 ..."


def test_headers_are_lower_case_with_repeats_joined_and_received_listed() -> None:
    extra = (
        b"Received: from a.example by b.example; Tue, 5 Mar 2024 09:00:00 +0000\r\n"
        b"Received: from c.example\r\n (helo=c) by a.example; Tue, 5 Mar 2024 08:59:00 +0000\r\n"
        b"Authentication-Results: mx.corp.example; spf=fail\r\n"
        b"Authentication-Results: mx2.corp.example; dkim=none\r\n"
        b"Reply-To: =?utf-8?Q?Caf=C3=A9?= <drop@evil.example>\r\n"
    )
    doc = parsed(mb.message(extra=extra))
    assert doc.headers["authentication-results"] == "mx.corp.example; spf=fail\nmx2.corp.example; dkim=none"
    assert doc.headers["reply-to"] == "Café <drop@evil.example>"
    assert doc.received[1] == "from c.example (helo=c) by a.example; Tue, 5 Mar 2024 08:59:00 +0000"
    assert "received" not in doc.headers


def test_winmail_dat_is_detected_not_decoded() -> None:
    tnef = b"\x78\x9f\x3e\x22" + b"\x00" * 64
    body = mb.multipart(
        "mixed",
        [
            mb.part("text/plain", "see attached"),
            mb.part("application/ms-tnef", tnef, charset=None, cte="base64", filename="winmail.dat"),
        ],
    )
    doc = parsed(mb.message(body=body))
    assert doc.attachments[0].filename == "winmail.dat"
    assert doc.attachment_payloads[0] == tnef
    assert any("TNEF" in w for w in doc.warnings)


def test_attached_message_is_an_attachment_and_its_text_stays_out_of_the_body() -> None:
    inner = mb.simple("inner subject", "inner secret text")
    body = mb.multipart("mixed", [mb.part("text/plain", "outer text"), mb.rfc822(inner)])
    doc = parsed(mb.message(body=body))
    assert doc.text_parts == ["outer text"]
    assert doc.attachments[0].declared_type == "message/rfc822"
    assert doc.attachment_payloads[0] == inner  # the exact bytes, for filing as its own report


def test_rfc2231_and_encoded_filenames_are_decoded() -> None:
    extra = b"Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\r\n"
    raw = mb.message(
        body=mb.multipart(
            "mixed",
            [
                mb.part("text/plain", "x"),
                b"Content-Type: application/pdf\r\n" + extra + b"\r\n%PDF-1.4",
                b'Content-Type: application/pdf; name="=?utf-8?B?'
                + base64.b64encode("Überweisung.pdf".encode())
                + b'?="\r\n\r\n%PDF-1.4',
            ],
        )
    )
    assert [a.filename for a in parsed(raw).attachments] == ["Rechnung März.pdf", "Überweisung.pdf"]


def test_mbox_from_line_and_leading_blank_lines_are_tolerated() -> None:
    raw = b"\r\nFrom MAILER-DAEMON Tue Mar  5 09:00:00 2024\n" + mb.simple("mbox subject", "hi")
    assert parsed(raw).subject == "mbox subject"


def test_parse_bytes_gives_a_standard_message_object() -> None:
    msg = parse_bytes(mb.original_message())
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert msg["Subject"] == mb.ORIGINAL_SUBJECT


def test_text_documents_are_left_alone() -> None:
    doc = Document(kind="text", text_input="someone asked about our lab")
    parse_mime(doc)
    assert doc.message is None
    assert doc.warnings == []


def test_format_flowed_soft_breaks_are_joined() -> None:
    body = (
        b"Please sign in at https://login.example/verify?account=4711&\r\nsession=abc today. \r\nThanks,\r\n-- \r\nIT"
    )
    raw = mb.message(
        body=b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n"
        + body.replace(b"4711&\r\n", b"4711& \r\n")
    )
    text = parsed(raw).text_parts[0]
    assert "https://login.example/verify?account=4711&session=abc" in text
    assert text.endswith("-- \nIT")


def test_multipart_without_its_boundary_is_read_as_text() -> None:
    raw = mb.message(
        body=b'Content-Type: multipart/alternative; boundary="never-used"\r\n\r\n<html><a href="https://x.example/">x</a></html>'
    )
    doc = parsed(raw)
    assert doc.html_parts == ['<html><a href="https://x.example/">x</a></html>']
    assert doc.attachments == []
    assert any("StartBoundaryNotFound" in w for w in doc.warnings)
