"""Parse a raw email (or an Outlook .msg) into headers, text parts and attachments.

The message is split by a splitter of our own (`parse_bytes`), not by the
standard library's FeedParser, which walks every body line in Python and was
2/3 of the whole parse on real mail: here bodies are sliced at boundaries with
`bytes.find`. The result is a tree of `email.message.Message` objects under the
`compat32` policy (header fields stored the way compat32 stores them), so the
stdlib's Message methods work on it; the stdlib parser is only a last resort
for the headers when the splitter fails. compat32 decodes nothing, so headers
(RFC 2047, raw 8-bit, unknown charsets) and bodies (transfer encodings, lying
charsets) are decoded here, defensively.

Everything is bounded: parts walked, nesting depth, decoded text size and
header length are capped, and each cap that bites leaves a warning.
"""

from __future__ import annotations

import binascii
import re
from email import errors, message_from_bytes
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from io import BytesIO
from urllib.parse import unquote_to_bytes

from watchword.analysis.charsets import (  # noqa: F401 - codec_for and decode_bytes are re-exported
    MAX_HEADER_CHARS,
    codec_for,
    decode_bytes,
    decode_header,
)
from watchword.analysis.rfc822 import MAX_ATTACHMENTS, ParsedMessage, split_header_block
from watchword.domain import Attachment, Document

MAX_PARTS = 2_000
MAX_DEPTH = 30
MAX_TEXT_CHARS = 4_000_000  # all text and HTML parts together
MAX_HEADERS = 1_000
# Bigger than any mail a server accepts; above it the parser's cost is not worth paying.
MAX_RAW_BYTES = 64_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _pairs(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split())


# Headers kept in doc.headers. Received headers go to doc.received instead.
KEPT_HEADERS = _words(
    "from to cc bcc reply-to return-path sender subject date message-id in-reply-to references "
    "authentication-results arc-authentication-results received-spf dkim-signature x-mailer "
    "user-agent list-unsubscribe list-id content-type mime-version organization x-originating-ip "
    "x-sender-ip x-originating-email x-ms-exchange-organization-authas "
    "x-ms-exchange-organization-scl x-spam-flag x-spam-status"
)


def read_headers(msg: Message, doc: Document) -> None:
    headers: dict[str, str] = {}
    received: list[str] = []
    items = msg.raw_items() if hasattr(msg, "raw_items") else iter(msg.items())
    for count, (name, value) in enumerate(items):
        if count >= MAX_HEADERS:
            doc.warnings.append(f"more than {MAX_HEADERS} headers; the rest were ignored")
            break
        key = name.strip().lower()
        if key == "received":
            received.append(decode_header(value))
        elif key in KEPT_HEADERS:
            decoded = decode_header(value)
            old = headers.get(key)
            headers[key] = decoded if old is None else old + "\n" + decoded
    doc.headers = headers
    doc.received = received
    doc.subject = headers.get("subject", "").split("\n", 1)[0]


# -- bodies -----------------------------------------------------------------

# Soft line breaks after a non-"=" (so "=====" rulers do not count) and hex
# escapes of the characters QP encoders must escape or commonly do.
_QP_SOFT_BREAK = re.compile(rb"[^=\s]=\r?\n")
_QP_ESCAPE = re.compile(rb"=(?:3D|20|09|[89A-F][0-9A-F])")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")


def _payload_bytes(part: Message) -> bytes:
    if isinstance(part, ParsedMessage) and part.body_bytes is not None:
        return part.body_bytes
    # A message from elsewhere: compat32's get_payload() charset-decodes 8-bit
    # payloads (with "replace") even when decode=False, and decode=True also
    # undoes the transfer encoding our own decoder repairs; read the raw value.
    payload = getattr(part, "_payload", None)
    if isinstance(payload, str):
        try:
            return payload.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            return payload.encode("utf-8", "surrogateescape")
    return payload if isinstance(payload, bytes) else b""


def decode_transfer(cte: str, raw: bytes, doc: Document, *, text: bool) -> bytes:
    """Undo a transfer encoding (cte lower-case), repairing broken base64 and stray QP."""
    if cte == "base64":
        try:
            return binascii.a2b_base64(raw)
        except binascii.Error:
            clean = _B64_JUNK.sub(b"", raw).rstrip(b"=")
            clean = clean[: len(clean) - len(clean) % 4]
            doc.warnings.append("broken base64 in a part; decoded what was readable")
            try:
                return binascii.a2b_base64(clean)
            except binascii.Error:
                return b""
    if cte == "quoted-printable":
        return binascii.a2b_qp(raw)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uudecode(raw)
    # Undeclared quoted-printable leaves "=\n" and "=3D" in links; repair it
    # when the debris is unmistakable.
    if text and b"=" in raw and _looks_like_qp(raw[:65_536]):
        doc.warnings.append("undeclared quoted-printable text decoded")
        return binascii.a2b_qp(raw)
    return raw


def _looks_like_qp(head: bytes) -> bool:
    if b"=\n" not in head and b"=\r\n" not in head:
        return False  # the memchr-speed test that spares nearly every part the regexes
    soft = len(_QP_SOFT_BREAK.findall(head))
    if not soft:
        return False
    escapes = len(_QP_ESCAPE.findall(head))
    return escapes >= 3 or (soft >= 2 and escapes >= 2)


def _uudecode(raw: bytes) -> bytes:
    out = bytearray()
    started = False
    for line in raw.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`"):
            break
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            continue
    return bytes(out)


class _Walk:
    """State of one bounded walk over a parsed message."""

    __slots__ = ("doc", "parts", "text_chars", "warned")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.parts = 0
        self.text_chars = 0
        self.warned: set[str] = set()

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.doc.warnings.append(message)


def _add_attachment(walk: _Walk, part: Message, name: str, ctype: str, payload: bytes) -> None:
    doc = walk.doc
    if len(doc.attachments) >= MAX_ATTACHMENTS:
        walk.warn_once("attachments", f"more than {MAX_ATTACHMENTS} attachments; the rest were ignored")
        return
    doc.attachments.append(
        Attachment(filename=name, declared_type=ctype, sniffed_type="", size=len(payload), sha256="")
    )
    doc.attachment_payloads.append(payload)
    lname = name.lower()
    if lname == "winmail.dat" or ctype == "application/ms-tnef" or payload[:4] == b"\x78\x9f\x3e\x22":
        walk.warn_once("tnef", "TNEF (winmail.dat) attachment: contents not decoded")


def message_bytes(msg: Message) -> bytes:
    """The bytes of an embedded message (for its own analysis)."""
    if isinstance(msg, ParsedMessage):
        return msg.raw_bytes
    buf = BytesIO()
    BytesGenerator(buf, mangle_from_=False, maxheaderlen=0).flatten(msg)
    return buf.getvalue()


def _walk(walk: _Walk, part: Message, depth: int) -> None:
    doc = walk.doc
    stack: list[tuple[Message, int]] = [(part, depth)]
    while stack:
        node, level = stack.pop()
        walk.parts += 1
        if walk.parts > MAX_PARTS:
            walk.warn_once("parts", f"more than {MAX_PARTS} MIME parts; the rest were ignored")
            return
        if level > MAX_DEPTH:
            walk.warn_once("depth", f"MIME nesting deeper than {MAX_DEPTH}; deeper parts were ignored")
            continue
        info = part_info(node)
        ctype = info.ctype
        # Only a multipart's payload is asked for: it is the list of children. A leaf's get_payload()
        # decodes 8-bit text by its declared charset, and a charset with a NUL in it raised ValueError
        # there (found by tests/analysis/test_bad_input.py's mutations); the leaf's bytes are read below.
        payload = node.get_payload() if node.is_multipart() else None
        if isinstance(payload, list):
            if ctype == "message/rfc822" or ctype == "message/global":
                _add_embedded(walk, node, payload, level)
                continue
            # Reverse so that the first child is processed first.
            stack.extend((child, level + 1) for child in reversed(payload) if isinstance(child, Message))
            continue
        name = info.filename
        raw = _payload_bytes(node)
        if ctype.startswith("multipart/"):
            # A multipart whose boundary never appears: like the standard
            # parser, read its body as text rather than lose it as a blob.
            ctype = "text/html" if b"<html" in raw[:8192].lower() else "text/plain"
        data = decode_transfer(info.cte, raw, doc, text=ctype.startswith("text/"))
        if info.disposition == "attachment" or ctype not in ("text/plain", "text/html"):
            _add_attachment(walk, node, name, ctype, data)
            continue
        if walk.text_chars >= MAX_TEXT_CHARS:
            walk.warn_once("text", f"decoded text over {MAX_TEXT_CHARS} characters; the rest was ignored")
            continue
        text, fell_back = decode_bytes(data, info.charset)
        if fell_back:
            walk.warn_once("charset", "a part's declared charset was wrong or unknown; used UTF-8/cp1252")
        if "\x00" in text:
            text = text.replace("\x00", "")
            walk.warn_once("nul", "NUL characters removed from the text")
        if ctype == "text/plain" and info.params.get("format", "").lower() == "flowed":
            text = unflow(text, delsp=info.params.get("delsp", "").lower() == "yes")
        room = MAX_TEXT_CHARS - walk.text_chars
        if len(text) > room:
            text = text[:room]
            walk.warn_once("text", f"decoded text over {MAX_TEXT_CHARS} characters; the rest was ignored")
        walk.text_chars += len(text)
        (doc.html_parts if ctype == "text/html" else doc.text_parts).append(text)


def unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 format=flowed soft line breaks, so wrapped URLs come out whole."""
    out: list[str] = []
    buf: list[str] = []
    for raw_line in text.split("\n"):
        line = raw_line.rstrip("\r")
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        # Quoted lines keep their breaks: joining across quote depths would
        # glue a reply to the text it quotes.
        if line.endswith(" ") and line != "-- " and not line.startswith(">"):
            buf.append(line[:-1] if delsp else line)
            continue
        buf.append(line)
        out.append("".join(buf))
        buf = []
    if buf:
        out.append("".join(buf))
    return "\n".join(out)


def _add_embedded(walk: _Walk, node: Message, payload: list[Message | str], level: int) -> None:
    # An attached message is the forwarded original in most reports; its own
    # text stays out of this message's body (the forwarded stage opens it).
    # Walk it anyway so that the part and depth limits count its structure.
    inner = next((p for p in payload if isinstance(p, Message)), None)
    name = part_info(node).filename or "attached-message.eml"
    if inner is None:
        return
    depth = _depth_of(inner, level + 1, walk)
    data = b""
    if depth <= MAX_DEPTH:
        try:
            data = message_bytes(inner)
        except (RecursionError, ValueError, TypeError, LookupError, UnicodeError):
            walk.warn_once("embedded", "an attached message could not be serialised")
    _add_attachment(walk, node, name, "message/rfc822", data)


def _depth_of(msg: Message, level: int, walk: _Walk) -> int:
    """Deepest nesting below msg, counted without recursion and bounded."""
    deepest = level
    stack = [(msg, level)]
    seen = 0
    while stack:
        node, lv = stack.pop()
        seen += 1
        if seen > MAX_PARTS or lv > MAX_DEPTH:
            if lv > MAX_DEPTH:
                walk.warn_once("depth", f"MIME nesting deeper than {MAX_DEPTH}; deeper parts were ignored")
            return max(deepest, lv)
        deepest = max(deepest, lv)
        payload = node.get_payload() if node.is_multipart() else None  # a leaf's may raise: see _walk
        if isinstance(payload, list):
            stack.extend((child, lv + 1) for child in payload if isinstance(child, Message))
    return deepest


def fill_from_message(doc: Document, msg: Message) -> None:
    """Set every parse fact of `doc` from an already parsed message."""
    doc.message = msg
    doc.text_parts = []
    doc.html_parts = []
    doc.attachments = []
    doc.attachment_payloads = []
    read_headers(msg, doc)
    _walk(_Walk(doc), msg, 0)


# -- entry point --------------------------------------------------------------

_HEADER_LINE = re.compile(rb"[!-9;-~]{1,76}[ \t]*:")


def looks_like_email(raw: bytes) -> bool:
    """True when the bytes start with an RFC 822 header (or an mbox From_ line)."""
    return raw.startswith(b"From ") or _HEADER_LINE.match(raw) is not None


class PartInfo:
    """What the walk needs from a part's MIME headers, read once per part.

    `Message.get()` scans every header on each call; a part of a real
    message has dozens, and the walk asks for five of them per part.
    """

    __slots__ = ("charset", "cte", "ctype", "disposition", "filename", "params")

    def __init__(self, ctype: str, cte: str, disposition: str, params: dict[str, str], disp: dict[str, str]):
        self.ctype = ctype
        self.cte = cte
        self.disposition = disposition
        self.params = params
        self.charset = params.get("charset") or None
        name = disp.get("filename") or params.get("name") or ""
        self.filename = decode_header(name) if name else ""


_PARAM = re.compile(r';[ \t\r\n]*([^\s=;"]+)[ \t\r\n]*=[ \t\r\n]*("(?:[^"\\]|\\.)*"?|[^;]*)')


def _params(header: str, value: str) -> dict[str, str]:
    if "*" in value:
        return _rfc2231_params(header, value)
    out: dict[str, str] = {}
    for m in _PARAM.finditer(value):
        key = m[1].lower()
        if key not in out:
            v = m[2].strip()
            if v[:1] == '"':
                v = v[1:-1] if len(v) > 1 and v.endswith('"') else v[1:]
                v = v.replace('\\"', '"')
            out[key] = v
    return out


def _rfc2231_params(header: str, value: str) -> dict[str, str]:
    # Continuations and charset-tagged values are rare: the standard library
    # decodes them (on a tamed, short header).
    tmp = Message(policy=compat32)
    tmp[header] = value
    out: dict[str, str] = {}
    for key, val in tmp.get_params(header=header, failobj=[])[1:]:
        if isinstance(val, tuple):  # (charset, language, value)
            charset, _lang, text = val
            raw = text.encode("latin-1", "replace") if isinstance(text, str) else b""
            val = decode_bytes(unquote_to_bytes(raw), charset or "utf-8")[0].replace("\x00", "")
        else:
            val = str(val).strip().strip('"')
        out.setdefault(key.lower(), val)
    return out


def _info_from_fields(fields: list[tuple[str, str]], default: str) -> PartInfo:
    ct = cte = disp = ""
    for name, value in fields:
        key = name.lower()
        if key == "content-type":
            ct = ct or value or " "
        elif key == "content-transfer-encoding":
            cte = cte or value
        elif key == "content-disposition":
            disp = disp or value
    ctype = ct.split(";", 1)[0].strip().lower()
    if ctype.count("/") != 1:
        ctype = default  # compat32: a missing or broken type is the default type
    return PartInfo(
        ctype,
        cte.strip().lower(),
        disp.split(";", 1)[0].strip().lower(),
        _params("Content-Type", ct) if ";" in ct else {},
        _params("Content-Disposition", disp) if ";" in disp else {},
    )


def part_info(msg: Message) -> PartInfo:
    """MIME facts of one part, cached on the parts our parser builds."""
    if isinstance(msg, ParsedMessage) and msg.info is not None:
        return msg.info
    fields = [(name, _tame_params(str(value))) for name, value in msg.raw_items()]
    info = _info_from_fields(fields, msg.get_default_type())
    if isinstance(msg, ParsedMessage):
        msg.info = info
    return info


class _Budget:
    __slots__ = ("depth_hit", "parts", "parts_hit")

    def __init__(self) -> None:
        self.parts = 0
        self.parts_hit = False
        self.depth_hit = False


def _parts_of(body: bytes, boundary: bytes) -> tuple[list[bytes], bytes, bytes, bool] | None:
    """Split a multipart body at its delimiter lines with bytes.find (no per-line Python).

    Returns (parts, preamble, epilogue, closed) or None when no delimiter is found.
    """
    delim = b"--" + boundary
    size = len(delim)
    starts: list[tuple[int, int]] = []  # (start of delimiter line, start of content after it)
    closed_at = -1
    pos = 0
    while True:
        i = body.find(delim, pos)
        if i < 0:
            break
        pos = i + size
        if i and body[i - 1] != 10:  # not at the start of a line
            continue
        after = body[pos : pos + 2]
        if after == b"--":
            closed_at = i
            break
        if after[:1] not in (b"\r", b"\n", b" ", b"\t", b""):
            continue  # a longer boundary that merely starts with this one
        eol = body.find(b"\n", pos)
        starts.append((i, len(body) if eol < 0 else eol + 1))
    if not starts:
        return None
    parts: list[bytes] = []
    for n, (_line, content) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else (closed_at if closed_at >= 0 else len(body))
        chunk = body[content:end]
        # The line break before a delimiter belongs to the delimiter.
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(chunk)
    epilogue = b""
    if closed_at >= 0:
        eol = body.find(b"\n", closed_at)
        epilogue = b"" if eol < 0 else body[eol + 1 :]
    return parts, body[: starts[0][0]], epilogue, closed_at >= 0


_PARAM_HEADERS = frozenset({"content-type", "content-disposition"})
_EMPTY_PARAMS = re.compile(r"(?:[ \t\r\n]*;)+")
MAX_PARAM_HEADER_CHARS = 2_000


def _tame_params(value: str) -> str:
    # The standard library's parameter parser is quadratic in the number of
    # ";" (real spam carries thousands); empty ones go, and the rest is capped.
    if value.count(";") > 8:
        value = _EMPTY_PARAMS.sub(";", value)
    return value[:MAX_PARAM_HEADER_CHARS]


def _entity(data: bytes, depth: int, budget: _Budget, default: str = "text/plain") -> ParsedMessage:
    msg = ParsedMessage(policy=compat32)
    msg.raw_bytes = data
    if default != "text/plain":
        msg.set_default_type(default)
    fields, body, missing_separator = split_header_block(data)
    fields = [
        (name, _tame_params(value) if name.lower() in _PARAM_HEADERS else value) for name, value in fields[:MAX_HEADERS]
    ]
    # Exactly what `msg[name] = value` stores under compat32 (its
    # header_store_parse returns the pair unchanged), without the per-field
    # policy calls, which cost more than the parse itself on long headers.
    msg._headers = fields  # type: ignore[attr-defined]
    if missing_separator:
        msg.defects.append(errors.MissingHeaderBodySeparatorDefect())
    budget.parts += 1
    info = msg.info = _info_from_fields(fields, default)
    ctype = info.ctype
    if ctype.startswith("multipart/"):
        if depth >= MAX_DEPTH:
            budget.depth_hit = True
        elif budget.parts < MAX_PARTS:
            bnd = info.params.get("boundary", "")
            child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
            split = _parts_of(body, bnd.encode("ascii", "surrogateescape")) if bnd else None
            if split is not None:
                chunks, preamble, epilogue, closed = split
                if not closed:
                    msg.defects.append(errors.CloseBoundaryNotFoundDefect())
                children: list[Message | str] = []
                for chunk in chunks:
                    if budget.parts >= MAX_PARTS:
                        budget.parts_hit = True
                        break
                    children.append(_entity(chunk, depth + 1, budget, child_default))
                msg.set_payload(children)
                msg.preamble = preamble.decode("ascii", "surrogateescape") or None
                msg.epilogue = epilogue.decode("ascii", "surrogateescape") or None
                return msg
            msg.defects.append(errors.StartBoundaryNotFoundDefect())
        else:
            budget.parts_hit = True
    elif ctype in ("message/rfc822", "message/global"):
        if depth >= MAX_DEPTH:
            budget.depth_hit = True
        elif budget.parts < MAX_PARTS:
            cte = info.cte
            if cte == "base64":
                body = binascii.a2b_base64(body) if _b64_ok(body) else body
            elif cte == "quoted-printable":
                body = binascii.a2b_qp(body)
            msg.set_payload([_entity(body, depth + 1, budget)])
            return msg
        else:
            budget.parts_hit = True
    msg.set_payload(body.decode("ascii", "surrogateescape"))
    msg.body_bytes = body
    return msg


def _b64_ok(data: bytes) -> bool:
    try:
        binascii.a2b_base64(data)
    except binascii.Error:
        return False
    return True


def parse_bytes(raw: bytes, warnings: list[str] | None = None) -> ParsedMessage:
    """Parse RFC 822 bytes into compat32 messages, bounded in parts and depth.

    A splitter of our own instead of the standard FeedParser: the FeedParser
    walks every body line in Python and was 2/3 of the cost of the whole
    parse on real mail; here bodies are sliced at boundaries with bytes.find.
    Header fields are stored the way compat32 stores them, so every
    `email.message.Message` method works on the result.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(b"From "):
        raw = raw[raw.find(b"\n") + 1 :] if b"\n" in raw else b""
    budget = _Budget()
    msg = _entity(raw, 0, budget)
    if warnings is not None:
        if budget.parts_hit:
            warnings.append(f"more than {MAX_PARTS} MIME parts; the rest were ignored")
        if budget.depth_hit:
            warnings.append(f"MIME nesting deeper than {MAX_DEPTH}; deeper parts were ignored")
    return msg


def _headers_only(raw: bytes) -> Message:
    end = raw.find(b"\n\n")
    if end < 0:
        end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[:end]
    try:
        return message_from_bytes(head[: MAX_HEADER_CHARS * 8], policy=compat32)
    except Exception:  # noqa: BLE001 - last resort after the full parse already failed
        return Message()


def _not_an_email(doc: Document, raw: bytes) -> None:
    if _is_textual(raw[:SNIFF_BYTES]):
        # A pasted body without headers: its text is still the evidence.
        doc.warnings.append("input has no email headers; analysed as a bare message body")
        text = decode_bytes(raw[:MAX_TEXT_CHARS], None)[0].replace("\x00", "")
        lowered = text[:SNIFF_BYTES].lower()
        (doc.html_parts if "<html" in lowered or "<body" in lowered else doc.text_parts).append(text)
        return
    # A screenshot or a document uploaded in the email slot: keep it as an
    # attachment so that it is sniffed and hashed, rather than as garbage text.
    doc.warnings.append("input is not an RFC 822 message; kept as an attachment")
    doc.attachments = [Attachment("upload", "application/octet-stream", "", len(doc.raw), "")]
    doc.attachment_payloads = [doc.raw]


SNIFF_BYTES = 2_048
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13)) + b"\x7f"


def _is_textual(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    if len(head) - len(head.translate(None, _CONTROL)) > len(head) // 100:
        return False
    if head.isascii():
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the window's edge
            non_ascii = len(head) - len(head.translate(None, bytes(range(128, 256))))
            return non_ascii <= len(head) // 10
    return True


def parse_mime(doc: Document) -> None:
    """Stage: raw bytes -> message, subject, headers, text/HTML parts, attachments."""
    if doc.kind != "email":
        return
    raw = doc.raw
    if not raw or not raw.strip():
        doc.warnings.append("empty email input")
        return
    if raw.startswith(OLE_MAGIC):
        from watchword.analysis.outlook_msg import message_from_msg

        outlook = message_from_msg(raw, doc.warnings)
        if outlook is not None:
            fill_from_message(doc, outlook)
        return
    raw = raw.lstrip(b"\r\n\t ")
    if not looks_like_email(raw):
        _not_an_email(doc, raw)
        return
    if len(raw) > MAX_RAW_BYTES:
        doc.warnings.append(f"message over {MAX_RAW_BYTES} bytes; only the start was parsed")
        raw = raw[:MAX_RAW_BYTES]
    msg: Message
    try:
        msg = parse_bytes(raw, doc.warnings)
    except (RecursionError, ValueError, TypeError, LookupError, UnicodeError, IndexError) as exc:
        doc.warnings.append(f"MIME parse failed ({type(exc).__name__}); headers only")
        msg = _headers_only(raw)
    if msg.defects:
        doc.warnings.append("malformed MIME: " + ", ".join(sorted({type(d).__name__ for d in msg.defects})))
    fill_from_message(doc, msg)
