"""The whole pipeline on hostile and broken input: it finishes quickly, records why, and never raises."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import mailbuilders as mb
from watchword.analysis.attachments import describe_attachments
from watchword.analysis.forwarded import unwrap_forwarded
from watchword.analysis.mime import parse_mime
from watchword.analysis.pipeline import run
from watchword.domain import Document
from watchword.domain.states import DocumentKind

MY_STAGES = ("parse_mime", "unwrap_forwarded", "describe_attachments")
SLOW = 10.0  # generous: these inputs are far beyond anything real
_SEEDS = [
    mb.attached_forward(mb.original_message()),
    mb.gmail_forward(),
    mb.outlook_forward("de"),
    mb.apple_forward(),
    mb.original_message(),
]


def analysed(raw: bytes) -> tuple[Document, float]:
    start = time.process_time()
    doc = run(Document(kind="email", raw=raw))
    elapsed = time.process_time() - start
    failures = [w for w in doc.warnings if any(w.startswith(stage + " failed") for stage in MY_STAGES)]
    assert failures == []
    return doc, elapsed


def test_truncated_mime_keeps_what_arrived() -> None:
    raw = mb.attached_forward(mb.original_message())
    doc, _ = analysed(raw[: len(raw) * 2 // 3])
    assert doc.subject  # the headers arrived
    cut_in_base64 = mb.message(body=mb.part("text/plain", "x" * 3000, cte="base64"))[:-37]
    doc, _ = analysed(cut_in_base64)
    assert doc.text_parts and doc.text_parts[0].startswith("xxx")


def test_ten_thousand_parts_are_capped_with_a_warning() -> None:
    parts = [mb.part("text/plain", f"part {n}") for n in range(10_000)]
    doc, elapsed = analysed(mb.message(body=mb.multipart("mixed", parts)))
    assert elapsed < SLOW
    assert any("MIME parts" in w for w in doc.warnings)
    assert 0 < len(doc.text_parts) <= 2_000


def test_a_fifty_megabyte_body_is_capped_with_a_warning() -> None:
    line = b"All work and no play makes Jack a dull boy. http://example.org/path?q=1 \r\n"
    body = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + line * (50_000_000 // len(line))
    doc, elapsed = analysed(mb.message(body=body))
    assert elapsed < SLOW
    assert any("decoded text over" in w for w in doc.warnings)
    assert sum(len(t) for t in doc.text_parts) <= 4_000_000


def test_message_rfc822_nested_a_hundred_deep_is_bounded() -> None:
    raw = mb.simple("innermost", "the bottom")
    for level in range(100):
        raw = mb.message(
            subject=f"level {level}", body=mb.multipart("mixed", [mb.part("text/plain", "wrap"), mb.rfc822(raw)])
        )
    doc, elapsed = analysed(raw)
    assert elapsed < SLOW
    assert any("nesting deeper" in w for w in doc.warnings)


def test_deep_multipart_nesting_is_bounded() -> None:
    raw = mb.part("text/plain", "deep")
    for _ in range(500):
        raw = mb.multipart("mixed", [raw])
    doc, elapsed = analysed(mb.message(body=raw))
    assert elapsed < SLOW
    assert any("nesting deeper" in w for w in doc.warnings)


def test_nul_bytes_do_not_reach_the_text() -> None:
    raw = mb.simple("nul\x00subject", "body with \x00 NUL \x00 bytes http://evil.example/\x00x")
    doc, _ = analysed(raw)
    assert "\x00" not in doc.subject
    assert all("\x00" not in t for t in doc.text_parts)


def test_invalid_utf8_everywhere_is_decoded_with_replacement() -> None:
    raw = mb.message(
        subject="ok",
        body=mb.part("text/plain", b"caf\xc3\xa9 \xff\xfe\xc3\x28 broken \xe2\x82", charset="utf-8", cte="8bit"),
    ).replace(b"Subject: ok", b"Subject: \xff\xfe\xc3\x28 =?utf-8?B?/w==?=")
    doc, _ = analysed(raw)
    assert doc.text_parts and "broken" in doc.text_parts[0]
    assert isinstance(doc.subject, str)


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200,
        random.Random(7).randbytes(100_000),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    ],
    ids=["png", "random-bytes", "pdf"],
)
def test_a_non_email_upload_is_kept_as_an_attachment(raw: bytes) -> None:
    doc, elapsed = analysed(raw)
    assert elapsed < SLOW
    assert any("not an RFC 822 message" in w for w in doc.warnings)
    assert len(doc.attachments) == 1
    assert doc.attachments[0].size == len(raw)


def test_empty_input_records_a_warning() -> None:
    for raw in (b"", b"\r\n\r\n  "):
        doc, _ = analysed(raw)
        assert any("empty" in w for w in doc.warnings)
        assert doc.text_parts == []


def test_header_only_garbage_and_endless_header_lines_finish() -> None:
    _doc, elapsed = analysed(b"Subject: " + b"=?utf-8?q?" * 200_000 + b"\r\n\r\nbody")
    assert elapsed < SLOW
    _doc, elapsed = analysed(b"X-Long: " + b"a" * 5_000_000)
    assert elapsed < SLOW


def test_thousands_of_empty_content_type_parameters_stay_linear() -> None:
    """Real spam carries "text/html ; ; ; ..." for kilobytes; the standard parameter parser is quadratic."""
    raw = b"Subject: x\r\nContent-Type: text/html" + b" ;" * 200_000 + b"\r\n\r\n<p>hi</p>"
    doc, elapsed = analysed(raw)
    assert elapsed < SLOW
    assert doc.html_parts == ["<p>hi</p>"]


def test_a_pasted_body_without_headers_is_analysed_as_text() -> None:
    text = "Hello, your parcel is held at customs. Pay the fee at https://parcel-fee.example/pay today."
    doc, _ = analysed(text.encode())
    assert doc.text_parts == [text]
    assert any("no email headers" in w for w in doc.warnings)
    assert doc.attachments == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_messages_never_raise(data: st.DataObject) -> None:
    """Random byte flips, cuts and insertions in real-looking mail must never escape a stage."""
    raw = bytearray(data.draw(st.sampled_from(_SEEDS)))
    for _ in range(data.draw(st.integers(0, 12))):
        pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and raw:
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 200))]
        else:
            raw[pos:pos] = data.draw(
                st.sampled_from([b"\r\n", b"--", b"=?", b"?=", b";", b"\x00", b"\xff", b":", b"\r\n\r\n"])
            )
    doc = Document(kind="email", raw=bytes(raw))
    for stage in (parse_mime, unwrap_forwarded, describe_attachments):
        stage(doc)


def test_a_charset_with_a_nul_in_it_is_a_warning_not_an_error() -> None:
    # Found by test_mutated_messages_never_raise: the standard library's get_payload() looks a leaf's
    # 8-bit text up by its declared charset, and a NUL in the charset's name raised ValueError there.
    raw = (
        b"From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="ut\x00f-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        b"caf\xc3\xa9 \xff hello\r\n"
    )
    doc = Document(kind=DocumentKind.EMAIL, raw=raw)
    parse_mime(doc)
    assert "hello" in doc.text_parts[0]
    assert any("charset" in warning for warning in doc.warnings)
