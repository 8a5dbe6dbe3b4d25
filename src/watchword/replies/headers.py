"""Header values for mail we send, made from reported text that may be hostile.

A reported Subject can be an RFC 2047 encoded-word that decodes to CR LF plus
headers and a body of the attacker's choosing; a Message-ID can carry CR LF
outright. Whatever reaches a header of our own mail goes through here first:
decoded the way a header parser would decode it, every control character
replaced, and any remaining encoded-word syntax broken, so that neither our
mail library nor the recipient's client can turn it back into a line break.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
# A message id as RFC 5322 allows it, in printable ASCII only.
_MSG_ID = re.compile(r"<[!#-;=?-~]{1,250}@[!#-;=?-~]{1,250}>")
_ADDRESS = re.compile(r"[!#-'*-;=?-~]{1,64}@[!#-'*-;=?-~]{1,253}")
_DECODE_ROUNDS = 3


def _decoded(value: str) -> str:
    # An encoded-word inside the text of an encoded-word is decoded again by a
    # header parser: decode until the text stops changing (a few rounds).
    for _ in range(_DECODE_ROUNDS):
        if "=?" not in value:
            break
        try:
            decoded = str(make_header(decode_header(value)))
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            break
        if decoded == value:
            break
        value = decoded
    return value


def header_text(value: object, limit: int = 200) -> str:
    """One line of plain text, safe as an unstructured header value (a Subject)."""
    text = _CONTROL.sub(" ", _decoded(str(value or "")))
    # Whatever encoded-word syntax is left would be decoded by the next parser.
    text = text.replace("=?", "= ?")
    return " ".join(text.split())[:limit]


def message_id(value: object) -> str:
    """The value when it is a well-formed message id; otherwise '' (the header is left out)."""
    text = str(value or "").strip()
    if "=?" in text or not _MSG_ID.fullmatch(text):
        return ""
    return text


def is_plain_address(value: str) -> bool:
    """A bare address of printable ASCII with nothing around it (no name, no line break)."""
    return bool(_ADDRESS.fullmatch(value))
