"""A parsed message and the header splitter, shared by the MIME parser and the .msg reader.

`mime.py` parses RFC 822 bytes into `ParsedMessage` trees; `outlook_msg.py`
builds the same tree from an Outlook file. Both need these, and neither
should import the other for them: they live here, below both.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchword.analysis.mime import PartInfo

MAX_ATTACHMENTS = 200


class ParsedMessage(Message):
    """A compat32 message that remembers its exact source bytes.

    The bytes of an attached message are what gets filed as its own report,
    so they must be the bytes that arrived, not a re-serialisation.
    """

    raw_bytes: bytes = b""
    body_bytes: bytes | None = None  # a leaf's undecoded payload
    info: PartInfo | None = None


def split_header_block(data: bytes) -> tuple[list[tuple[str, str]], bytes, bool]:
    """Header fields and the body; the flag says a separator line was missing."""
    if data[:1] == b"\n":
        return [], data[1:], False
    if data[:2] == b"\r\n":
        return [], data[2:], False
    # One search that stops at the first blank line, LF or CRLF: two finds
    # would scan the whole body for the line ending the message does not use.
    blank = _BLANK_LINE.search(data)
    if blank is None:
        head, body = data, b""
    else:
        head, body = data[: blank.start()], data[blank.end() :]
    fields: list[tuple[str, str]] = []
    # Decoded once, not per field (two decodes per field were a third of this function): ASCII with
    # surrogateescape maps byte for byte, so a field's slice of the text is the decoded slice of the
    # bytes, and a position in one is the same position in the other.
    text = head.decode("ascii", "surrogateescape")
    pos = 0
    end = len(text)
    match = _FIELD.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            # Like the standard parser: a line that is no header starts the body.
            rest = head[pos:]
            return fields, rest + (b"\n\n" + body if body else b""), True
        fields.append((m[1], m[2].rstrip("\r")))
        pos = m.end()
    return fields, body, False


_BLANK_LINE = re.compile(rb"\n\r?\n")
# One header field with its continuation lines; one match per field keeps the
# per-line work in C (headers are most of a typical message's lines).
_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)(?:\n|$)")
