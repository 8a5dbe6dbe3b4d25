"""Charsets and header decoding, defensively: what senders declare is often not what they send.

Split from mime.py, which re-exports `codec_for`, `decode_bytes` and `decode_header`.
"""

from __future__ import annotations

import binascii
import codecs
import re

MAX_HEADER_CHARS = 16_384  # one header value; also keeps RFC 2047 decoding linear


def _pairs(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split())


# Labels that senders declare but mean something wider: WHATWG decodes
# latin-1 and ascii labels as windows-1252, and the Asian legacy sets as their
# Microsoft supersets, because that is what real senders actually produce.
_CHARSET_ALIASES = _pairs(
    "iso-8859-1=cp1252 iso8859-1=cp1252 latin1=cp1252 latin-1=cp1252 l1=cp1252 us-ascii=cp1252 "
    "ascii=cp1252 ansi_x3.4-1968=cp1252 iso-8859-8-i=iso-8859-8 iso-8859-6-i=iso-8859-6 "
    "gb2312=gb18030 gbk=gb18030 x-gbk=gb18030 euc-cn=gb18030 ks_c_5601-1987=cp949 euc-kr=cp949 "
    "shift_jis=cp932 x-sjis=cp932 sjis=cp932 tis-620=cp874 windows-874=cp874 x-user-defined=cp1252 "
    "unicode-1-1-utf-7=utf-7 utf8=utf-8 unicode=utf-16"
)
# Single-byte charsets decode any bytes without error, so valid UTF-8 must be
# tried before them: a body labelled latin-1 that is really UTF-8 is common,
# and real latin-1 text almost never happens to be valid multi-byte UTF-8.
_SINGLE_BYTE = re.compile(r"^(cp125\d|cp874|iso-?8859-\d+|latin|koi8|mac)")
_charset_cache: dict[str, str | None] = {}
_REFUSED_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"})


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when unknown."""
    if not label:
        return None
    hit = _charset_cache.get(label, "")
    if hit != "":
        return hit
    name = label.strip().strip("\"'").lower().split("*", 1)[0]
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        info = None
    # Only text encodings that decode in linear time: "zlib", "base64" and
    # friends are byte transforms, and punycode/idna are not mail charsets.
    found = None
    if info is not None and getattr(info, "_is_text_encoding", True) and info.name not in _REFUSED_CODECS:
        found = info.name
    if len(_charset_cache) < 4096:  # labels come from attackers; keep the cache bounded
        _charset_cache[label] = found
    return found


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode text bytes: declared charset, then UTF-8, then windows-1252.

    Returns the text and whether the declared charset had to be abandoned.
    """
    if data.isascii():
        return data.decode("ascii"), False
    codec = codec_for(charset)
    if codec is None or _SINGLE_BYTE.match(codec):
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
        if codec is not None:
            return data.decode(codec, "replace"), False
        return data.decode("cp1252", "replace"), charset is not None
    try:
        return data.decode(codec), False
    except (UnicodeError, LookupError):
        pass
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), True


# -- headers ----------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?]*)(?:\?=|$)")
_SPACE_ONLY = re.compile(r"[ \t]*")


def _raw_header_text(value: object) -> str:
    """A compat32 header value as text, recovering raw 8-bit bytes."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_HEADER_CHARS:
        text = text[:MAX_HEADER_CHARS]
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "").replace("\n", "")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        # The bytes parser smuggles 8-bit bytes through as lone surrogates.
        try:
            raw = text.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            raw = None
        if raw is not None:
            text = decode_bytes(raw, None)[0]
    return text.replace("\t", " ")


def _decode_word(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    data = data.strip()
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except binascii.Error:
        # Broken padding or length: keep what decodes in whole quanta.
        clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        try:
            return binascii.a2b_base64(clean[: len(clean) - len(clean) % 4])
        except binascii.Error:
            return b""


def decode_header(value: object) -> str:
    """Decode one header value: unfold, raw 8-bit, RFC 2047 (also broken)."""
    text = _raw_header_text(value)
    if "=?" not in text:
        return text.strip()
    out: list[str] = []
    pos = 0
    pending: bytes = b""
    pending_charset: str | None = None
    for m in _ENCODED_WORD.finditer(text):
        gap = text[pos : m.start()]
        if pending and not _SPACE_ONLY.fullmatch(gap):
            out.append(decode_bytes(pending, pending_charset)[0])
            pending = b""
        if not pending or not _SPACE_ONLY.fullmatch(gap):
            out.append(gap)
        charset = m.group(1)
        data = _decode_word(m.group(2), m.group(3))
        # Adjacent words in one charset are joined before decoding: senders
        # split multi-byte characters across words.
        if pending and charset.lower() != (pending_charset or "").lower():
            out.append(decode_bytes(pending, pending_charset)[0])
            pending = b""
        pending += data
        pending_charset = charset
        pos = m.end()
    if pending:
        out.append(decode_bytes(pending, pending_charset)[0])
    out.append(text[pos:])
    return "".join(out).replace("\x00", "").strip()
