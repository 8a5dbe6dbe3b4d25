"""The MIME splitter of analysis/mime.py agrees with the standard library's parser.

`parse_bytes` replaces the stdlib FeedParser for speed; on any message both can read it must
find the same tree of parts, the same headers and the same decoded bytes. Hypothesis builds the
messages: nested multiparts, every transfer encoding, attachments with names, LF or CRLF line
ends, preambles and epilogues, and a last part whose closing delimiter is missing.
"""

from __future__ import annotations

import base64
import quopri
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchword.analysis.mime import parse_bytes

# Body text never contains "_", and every boundary does ("__" twice): no body line can be
# mistaken for a delimiter, as with the random boundaries real mailers choose.
_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="_", include_characters="\t"
    ),
    max_size=120,
)
_ASCII_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,;:!?'()/+-=", max_size=80)
_LEAF_TYPES = ["text/plain", "text/html", "application/octet-stream", "image/png", "application/pdf"]
_MULTI_TYPES = ["mixed", "alternative", "related"]


@st.composite
def _leaf(draw: st.DrawFn, eol: str, index: list[int]) -> tuple[list[str], bytes]:
    ctype = draw(st.sampled_from(_LEAF_TYPES))
    cte = draw(st.sampled_from(["7bit", "8bit", "base64", "quoted-printable"]))
    if ctype.startswith("text/"):
        lines = draw(st.lists(_ASCII_WORDS if cte == "7bit" else _TEXT, min_size=0, max_size=6))
        payload = "\n".join(lines).encode()
    else:
        payload = draw(st.binary(max_size=200))
        if cte in ("7bit", "8bit"):
            cte = "base64"  # binary bytes travel encoded
    if cte == "base64":
        body = base64.encodebytes(payload)
    elif cte == "quoted-printable":
        body = quopri.encodestring(payload)
    else:
        body = payload
    headers = [f"Content-Type: {ctype}" + ('; charset="utf-8"' if ctype.startswith("text/") else "")]
    headers.append(f"Content-Transfer-Encoding: {cte}")
    if draw(st.booleans()):
        index[0] += 1
        headers.append(f'Content-Disposition: attachment; filename="file{index[0]}.bin"')
    text = body.decode("utf-8", "surrogateescape").replace("\r\n", "\n").replace("\n", eol)
    return headers, text.encode("utf-8", "surrogateescape")


@st.composite
def _entity(draw: st.DrawFn, eol: str, depth: int, index: list[int]) -> tuple[list[str], bytes]:
    if depth >= 3 or not draw(st.booleans()):
        return draw(_leaf(eol, index))
    index[0] += 1
    boundary = f"__b{index[0]}__{draw(st.from_regex(r'[A-Za-z0-9]{0,12}', fullmatch=True))}"
    children = draw(st.lists(_entity(eol, depth + 1, index), min_size=1, max_size=4))
    preamble = draw(st.sampled_from(["", "This is a multi-part message in MIME format." + eol]))
    out = preamble.encode()
    for headers, body in children:
        out += f"--{boundary}{eol}".encode() + eol.join(headers).encode() + (eol + eol).encode() + body + eol.encode()
    closed = draw(st.booleans()) or depth > 0
    if closed:
        out += f"--{boundary}--{eol}".encode()
        out += draw(st.sampled_from(["", "epilogue words" + eol])).encode()
    subtype = draw(st.sampled_from(_MULTI_TYPES))
    return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"'], out


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    headers, body = draw(_entity(eol, 0, [0]))
    top = [
        "From: Sender <sender@example.org>",
        "To: someone@example.com",
        f"Subject: {draw(_ASCII_WORDS)}",
        "MIME-Version: 1.0",
        *headers,
    ]
    if draw(st.booleans()):
        top.insert(2, "X-Folded: first part" + eol + "\tcontinued on a second line")
    return eol.join(top).encode() + (eol + eol).encode() + body


def _shape(msg: Message) -> list[dict[str, Any]]:
    """What a reader of the message sees, part by part, in walk order."""
    parts = []
    for part in msg.walk():
        parts.append(
            {
                "type": part.get_content_type(),
                "multipart": part.is_multipart(),
                "filename": part.get_filename(),
                "headers": [(k.lower(), v) for k, v in part.items()],
                "decoded": None if part.is_multipart() else part.get_payload(decode=True),
            }
        )
    return parts


# Not traced for coverage: 300 generated messages through lines the other MIME tests cover; traced,
# the run took 9 s instead of 3.
@pytest.mark.no_cover
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_the_splitter_finds_the_parts_and_decoded_bytes_the_stdlib_parser_finds(raw: bytes) -> None:
    ours = _shape(parse_bytes(raw))
    stdlib = _shape(BytesParser(policy=compat32).parsebytes(raw))
    assert [p["type"] for p in ours] == [p["type"] for p in stdlib]
    for mine, theirs in zip(ours, stdlib, strict=True):
        assert mine == theirs


def test_the_comparison_can_tell_two_trees_apart() -> None:
    """A check that cannot fail proves nothing: different messages give different shapes."""
    one = b"Content-Type: text/plain\n\nhello\n"
    two = b'Content-Type: multipart/mixed; boundary="__b__"\n\n--__b__\nContent-Type: text/plain\n\nhello\n--__b__--\n'
    assert _shape(parse_bytes(one)) != _shape(parse_bytes(two))
    assert _shape(BytesParser(policy=compat32).parsebytes(one)) != _shape(parse_bytes(two))
