"""Read an Outlook .msg (OLE compound file) into the same shape as a MIME message.

olefile (BSD) reads the compound file; extract-msg is GPL and stays out of
the core install. Only the properties the analysis needs are read:

    0037 subject            0C1A/0C1F/5D01/0065/5D02 sender name and addresses
    0E04/0E03 display To/Cc  007D transport headers (the original Internet headers)
    1000 plain body          1013 HTML body (string or binary)
    attachments: 3701 data, 3707/3704 long/short name, 370E MIME type

The result is a compat32 message (multipart/mixed: the bodies, then the
attachments) built from `rfc822.ParsedMessage`, so `parse_mime` fills the
document from it exactly as it would from an .eml. An attachment that is
itself a message (3701 as a storage) is listed and flagged, not opened.
"""

from __future__ import annotations

from email.message import Message
from io import BytesIO

import olefile

from watchword.analysis.charsets import decode_bytes
from watchword.analysis.rfc822 import MAX_ATTACHMENTS, ParsedMessage, split_header_block

MAX_STREAM_BYTES = 64_000_000
_STRING_TYPES = ("001F", "001E")
# Header fields that describe the original MIME structure; the structure is
# rebuilt from the .msg streams, so these would only mislead.
_STRUCTURAL = frozenset({"content-type", "content-transfer-encoding", "mime-version", "content-disposition"})


class _Reader:
    def __init__(self, ole: olefile.OleFileIO, warnings: list[str]) -> None:
        self.ole = ole
        self.warnings = warnings

    def raw(self, path: str) -> bytes | None:
        if not self.ole.exists(path) or self.ole.get_type(path) != olefile.STGTY_STREAM:
            return None
        if self.ole.get_size(path) > MAX_STREAM_BYTES:
            self.warnings.append(f".msg stream {path} over {MAX_STREAM_BYTES} bytes; skipped")
            return None
        data: bytes = self.ole.openstream(path).read()
        return data

    def string(self, base: str, prop: str) -> str:
        for kind in _STRING_TYPES:
            data = self.raw(f"{base}__substg1.0_{prop}{kind}")
            if data is None:
                continue
            text = data.decode("utf-16-le", "replace") if kind == "001F" else decode_bytes(data, None)[0]
            return text.replace("\x00", "").strip()
        return ""

    def binary_or_string(self, base: str, prop: str) -> bytes | None:
        data = self.raw(f"{base}__substg1.0_{prop}0102")
        if data is not None:
            return data
        text = self.string(base, prop)
        return text.encode("utf-8") if text else None


def _leaf(ctype: str, body: bytes, *, charset: str | None = None, filename: str = "") -> ParsedMessage:
    part = ParsedMessage()
    part["Content-Type"] = ctype
    if charset:
        part.set_param("charset", charset)
    if filename:
        part["Content-Disposition"] = "attachment"
        part.set_param("filename", filename, header="Content-Disposition")
    part.set_payload("")  # the bytes live in body_bytes; nothing is decoded twice
    part.body_bytes = body
    part.raw_bytes = body
    return part


def _safe_name(name: str) -> str:
    # A name goes into a MIME parameter; quotes and line breaks would corrupt it.
    return name.replace('"', "'").replace("\r", " ").replace("\n", " ").replace("\x00", "")[:255]


def _headers(reader: _Reader, msg: ParsedMessage) -> None:
    transport = reader.string("", "007D")
    if transport:
        fields, _body, _missing = split_header_block(transport.replace("\r\n", "\n").encode("utf-8") + b"\n\n")
        for name, value in fields:
            if name.strip().lower() not in _STRUCTURAL:
                msg[name] = value
    present = {name.lower() for name in msg}
    if "subject" not in present:
        msg["Subject"] = reader.string("", "0037")
    if "from" not in present:
        name = reader.string("", "0C1A") or reader.string("", "0042")
        address = (
            reader.string("", "5D01")
            or reader.string("", "0C1F")
            or reader.string("", "5D02")
            or reader.string("", "0065")
        )
        if "@" not in address:
            address = ""  # an Exchange X.500 DN is not an address anyone can act on
        msg["From"] = f'"{_safe_name(name)}" <{address}>' if name and address else (address or name)
    if "to" not in present:
        msg["To"] = _recipients(reader) or reader.string("", "0E04")
    if "cc" not in present:
        cc = reader.string("", "0E03")
        if cc:
            msg["Cc"] = cc


def _recipients(reader: _Reader) -> str:
    out: list[str] = []
    for entry in reader.ole.listdir(streams=False, storages=True):
        if len(entry) != 1 or not entry[0].startswith("__recip_version1.0_"):
            continue
        base = entry[0] + "/"
        name = reader.string(base, "3001")
        address = reader.string(base, "39FE") or reader.string(base, "3003")
        if "@" not in address:
            address = ""
        if address:
            out.append(f'"{_safe_name(name)}" <{address}>' if name else address)
        elif name:
            out.append(name)
        if len(out) >= 500:
            break
    return ", ".join(out)


def _attachments(reader: _Reader) -> list[ParsedMessage]:
    parts: list[ParsedMessage] = []
    storages = sorted(
        entry[0]
        for entry in reader.ole.listdir(streams=False, storages=True)
        if len(entry) == 1 and entry[0].startswith("__attach_version1.0_")
    )
    for storage in storages:
        if len(parts) >= MAX_ATTACHMENTS:
            reader.warnings.append(f".msg has more than {MAX_ATTACHMENTS} attachments; the rest were ignored")
            break
        base = storage + "/"
        name = _safe_name(reader.string(base, "3707") or reader.string(base, "3704") or "attachment")
        mime = reader.string(base, "370E") or "application/octet-stream"
        if "/" not in mime or any(ch in mime for ch in ";\r\n\"'"):
            mime = "application/octet-stream"
        data = reader.raw(f"{base}__substg1.0_37010102")
        if data is None:
            if reader.ole.exists(f"{base}__substg1.0_3701000D"):
                reader.warnings.append(f".msg attachment {name!r} is an embedded message; not opened")
                name = name if name.lower().endswith(".msg") else name + ".msg"
                mime = "application/vnd.ms-outlook"
            data = b""
        parts.append(_leaf(mime, data, filename=name))
    return parts


def message_from_msg(data: bytes, warnings: list[str]) -> ParsedMessage | None:
    """The .msg as a multipart message, or None (with a warning) when unreadable."""
    try:
        ole = olefile.OleFileIO(BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - olefile raises many types on malformed input
        warnings.append(f"unreadable Outlook .msg ({type(exc).__name__})")
        return None
    try:
        return _build(_Reader(ole, warnings))
    except Exception as exc:  # noqa: BLE001 - a corrupt directory must not lose the report
        warnings.append(f"damaged Outlook .msg ({type(exc).__name__}); read what was possible")
        return None
    finally:
        ole.close()


def _build(reader: _Reader) -> ParsedMessage:
    msg = ParsedMessage()
    _headers(reader, msg)
    msg["Content-Type"] = "multipart/mixed"
    msg.set_param("boundary", "watchword-msg")
    children: list[Message | str] = []
    body = reader.string("", "1000")
    if body:
        children.append(_leaf("text/plain", body.encode("utf-8"), charset="utf-8"))
    html = reader.binary_or_string("", "1013")
    if html:
        # A binary HTML body carries its own codepage (PR_INTERNET_CPID); the
        # UTF-8-then-cp1252 fallback decodes what real clients write.
        children.append(_leaf("text/html", html))
    children.extend(_attachments(reader))
    msg.set_payload(children)
    msg.raw_bytes = b""
    return msg
