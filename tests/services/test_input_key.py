"""The worker's reuse key (`processing.input_key`) on messages saved with an mbox envelope line.

A third of the shared corpus's files, and any message exported from an mbox, open with
"From sender date": a line the parser drops unread (mime.parse_bytes). The key skips it too, so
the same message delivered through other relays (other Received and Delivered-To below that
line) reuses one analysis instead of being hashed whole and analysed once per copy; what the
parser does read still decides the key.
"""

from __future__ import annotations

from watchword.analysis.pipeline import analyze_report
from watchword.services.processing import input_key

_LURE = (
    b"Return-Path: <billing@paypa1-secure.example>\n"
    b"From: PayPal Billing <billing@paypa1-secure.example>\n"
    b"To: someone@example.org\n"
    b"Subject: Your account is limited\n"
    b"Message-ID: <mbox-1@paypa1-secure.example>\n"
    b"Content-Type: text/plain; charset=us-ascii\n\n"
    b"Restore access today: http://paypa1-secure.example/restore\n"
)


def _saved(envelope: str, *hops: str) -> bytes:
    received = "".join(f"Received: from {hop} by mx.example.org; Fri, 4 Dec 2026 09:00:00 +0000\n" for hop in hops)
    return f"From {envelope}\n{received}Delivered-To: staff@example.org\n".encode() + _LURE


def _key(raw: bytes) -> str:
    return input_key("", raw, "", {})


def test_copies_below_an_envelope_line_that_differ_in_transport_fields_share_a_key_and_an_analysis() -> None:
    first = _saved("billing@paypa1-secure.example  Thu Jul 18 14:16:26 2002", "relay-a.example.net")
    second = _saved("MAILER-DAEMON  Fri Jul 19 02:11:31 2002", "relay-b.example.net", "edge.example.net")
    assert _key(first) == _key(second)
    analysis = analyze_report("", first)
    assert analysis.subject == "Your account is limited"  # the envelope line hid no header from the parser
    assert analysis.to_dict() == analyze_report("", second).to_dict()


def test_what_the_parser_reads_below_an_envelope_line_still_decides_the_key() -> None:
    raw = _saved("billing@paypa1-secure.example  Thu Jul 18 14:16:26 2002", "relay-a.example.net")
    other_subject = raw.replace(b"Subject: Your account is limited", b"Subject: Your account is closed")
    other_body = raw.replace(b"/restore", b"/unlock")
    keys = {_key(raw), _key(other_subject), _key(other_body), _key(raw.split(b"\n", 1)[1])}
    assert len(keys) == 4  # without its envelope line a message keys apart too (never a wrong reuse)
    assert analyze_report("", other_subject).subject != analyze_report("", raw).subject


def test_an_envelope_line_alone_is_nothing_to_the_parser_or_the_key() -> None:
    alone, ended = b"From someone Thu Jul 18 14:16:26 2002", b"From other Fri Jul 19 02:11:31 2002\n"
    assert _key(alone) == _key(ended) != _key(ended + b"Subject: x\n\nbody\n")
    assert analyze_report("", alone).to_dict() == analyze_report("", ended).to_dict()
