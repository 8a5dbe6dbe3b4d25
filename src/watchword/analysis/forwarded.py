"""Unwrap a reporter's forward so that the ORIGINAL message is what gets analysed.

Two families of shapes:

* attached: the original rides as a message/rfc822 part, or as a .eml / .msg
  file (what "report phishing" buttons send). The first one becomes the
  document; `originals_in()` returns them all for the mail channel.
* inline: a client's forward marker (Gmail, Outlook, Apple Mail, Thunderbird)
  followed by a header block. The text and HTML are cut at the marker, so the
  reporter's comment, signature and disclaimer above it never become
  indicators of the original.

A reply that quotes a message is not a forward. The Gmail, Apple Mail and
Thunderbird markers say "forwarded" in so many words; Outlook's
"-----Original Message-----" and its From/Sent block appear in replies too, so
those count only when the subject carries a forward prefix (FW:, WG:, TR:...).

All detection is a handful of anchored regex scans and one HTML parse:
linear in the size of the message.
"""

from __future__ import annotations

import html as htmllib
import re
from email.utils import getaddresses

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watchword.analysis.mime import OLE_MAGIC, parse_mime
from watchword.domain import Attachment, Document, WrapperFacts
from watchword.domain.states import DocumentKind

MAX_COMMENT_CHARS = 4_000
MAX_BLOCK_LINES = 14
MAX_NESTED_FORWARDS = 4
# Only this much of a text part (and of HTML, which carries styles and markup
# before any text) is searched for a marker: it sits below the reporter's few
# lines, and scanning a whole newsletter for one costs more than all else here.
MAX_SCAN_CHARS = 16_000
MAX_HTML_SCAN_CHARS = 150_000  # under a forward subject (FW:, WG:...)
MAX_HTML_SNIFF_CHARS = 48_000  # otherwise, for the cheap marker-word test

_GMAIL_OR_TB = re.compile(
    r"^[ \t>]*(-{4,})[ \t]*(Forwarded message|Forwarded Message|Weitergeleitete Nachricht"
    r"|Message transf[ée]r[ée]|Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht"
    r"|Mensagem encaminhada|Videresendt meddelelse|Vidarebefordrat meddelande)[ \t]*-{3,}[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_APPLE = re.compile(
    r"^[ \t>]*(Begin forwarded message|Anfang der weitergeleiteten Nachricht"
    r"|D[ée]but du message r[ée]exp[ée]di[ée]|Inizio messaggio inoltrato"
    r"|Comienzo del mensaje reenviado|Begin doorgestuurd bericht)[ \t]*:[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_OUTLOOK_ORIGINAL = re.compile(
    r"^[ \t>]*-{2,}[ \t]*(Original Message|Urspr[üu]ngliche Nachricht|Message d'origine"
    r"|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original)[ \t]*-{2,}[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_OUTLOOK_BLOCK = re.compile(
    r"^[ \t>*]*(?:From|Von|De|Van|Da|Fra|Från)[ \t*]*:[^\n]*\n(?:[^\n]*\n){0,2}?"
    r"[ \t>*]*(?:Sent|Gesendet|Envoy[ée]|Verzonden|Inviato|Enviado|Date|Datum|Sendt|Skickat)[ \t*]*:",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:\[?(?:fwd?|fw|wg|tr|rv|enc|vs|vb|i|pd|doorst|trs|reenv|rif)\s*:|\[fwd?:)", re.IGNORECASE
)
_BLOCK_LINE = re.compile(r"^[ \t>*]*([A-Za-zÀ-ÿ-]{1,20})[ \t*]*:[ \t*]*(.*?)[ \t]*\r?$")
_BLOCK_KEYS = {
    "from": "from",
    "von": "from",
    "de": "from",
    "van": "from",
    "da": "from",
    "fra": "from",
    "från": "from",
    "sent": "date",
    "date": "date",
    "gesendet": "date",
    "datum": "date",
    "envoyé": "date",
    "envoye": "date",
    "verzonden": "date",
    "inviato": "date",
    "enviado": "date",
    "sendt": "date",
    "skickat": "date",
    "to": "to",
    "an": "to",
    "à": "to",
    "a": "to",
    "aan": "to",
    "para": "to",
    "til": "to",
    "till": "to",
    "cc": "cc",
    "subject": "subject",
    "betreff": "subject",
    "objet": "subject",
    "onderwerp": "subject",
    "oggetto": "subject",
    "asunto": "subject",
    "assunto": "subject",
    "emne": "subject",
    "ämne": "subject",
    "reply-to": "reply-to",
    "antwort an": "reply-to",
}
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.IGNORECASE)
# Headers that describe the reporter's own message and its delivery; for an
# inline forward the original's are unknown, so none may be judged.
_WRAPPER_ONLY = (
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "return-path",
    "sender",
    "message-id",
    "in-reply-to",
    "references",
    "authentication-results",
    "arc-authentication-results",
    "received-spf",
    "dkim-signature",
    "x-mailer",
    "user-agent",
    "list-unsubscribe",
    "list-id",
    "x-originating-ip",
    "x-sender-ip",
    "x-originating-email",
)


def _address(value: str) -> str:
    pairs = getaddresses([value.split("\n", 1)[0]])
    return pairs[0][1].strip().lower() if pairs and pairs[0][1] else ""


# -- attached originals --------------------------------------------------------


def _is_original(att: Attachment, payload: bytes) -> bool:
    if att.declared_type == "message/rfc822":
        return bool(payload)
    name = att.filename.lower().rstrip(". ")
    if name.endswith(".eml"):
        return bool(payload)
    if name.endswith(".msg") or att.declared_type == "application/vnd.ms-outlook":
        return payload.startswith(OLE_MAGIC)
    return False


def _attached(doc: Document) -> list[int]:
    if doc.headers.get("content-type", "").lower().lstrip().startswith("multipart/report"):
        return []  # a delivery report carries the bounced message; it is not a forward
    return [
        i
        for i, (att, payload) in enumerate(zip(doc.attachments, doc.attachment_payloads, strict=False))
        if _is_original(att, payload)
    ]


def originals_in(raw: bytes) -> list[bytes]:
    """Every original message attached to a reporter's mail, first one first."""
    doc = Document(kind=DocumentKind.EMAIL, raw=raw)
    try:
        parse_mime(doc)
    except Exception:  # noqa: BLE001 - called by the mail channel outside the pipeline's guard
        return []  # the channel then files the whole mail, which the pipeline analyses and explains
    return [doc.attachment_payloads[i] for i in _attached(doc)]


def _wrapper_comment(doc: Document) -> str:
    text = "\n".join(part.strip() for part in doc.text_parts if part.strip())
    if not text and doc.html_parts:
        text = _html_lines(doc.html_parts[0][:MAX_HTML_SCAN_CHARS])
    return text.strip()[:MAX_COMMENT_CHARS]


def _unwrap_attached(doc: Document, indexes: list[int]) -> None:
    wrapper = WrapperFacts(
        reporter_address=_address(doc.headers.get("from", "")),
        reporter_comment=_wrapper_comment(doc),
        shape="attachment",
    )
    inner = Document(kind=DocumentKind.EMAIL, raw=doc.attachment_payloads[indexes[0]])
    parse_mime(inner)
    if not inner.headers and not inner.text_parts and not inner.html_parts:
        doc.warnings.append("attached message is empty or unreadable; the wrapper was analysed")
        return
    doc.message = inner.message
    doc.subject = inner.subject
    doc.headers = inner.headers
    doc.received = inner.received
    doc.text_parts = inner.text_parts
    doc.html_parts = inner.html_parts
    doc.attachments = inner.attachments
    doc.attachment_payloads = inner.attachment_payloads
    doc.warnings.extend("original: " + w for w in inner.warnings)
    if len(indexes) > 1:
        doc.warnings.append(f"{len(indexes)} attached messages; the first one was analysed")
    doc.wrapper = wrapper


# -- inline forwards -------------------------------------------------------------


class _Marker:
    __slots__ = ("block_start", "shape", "start")

    def __init__(self, start: int, block_start: int, shape: str) -> None:
        self.start = start  # where the reporter's part ends
        self.block_start = block_start  # where the original's header block begins
        self.shape = shape


# Plain substring tests rule out most messages at memchr speed before any
# regex runs: each marker regex is tried only when a literal it needs is there.
_MARKER_WORDS = (
    "orward",
    "ORWARD",
    "eitergeleitet",
    "ransf\u00e9r",
    "ransfer\u00e9",
    "eenviad",
    "noltrat",
    "oorgestuurd",
    "ncaminhad",
    "ideresendt",
    "idarebefordrat",
    "xp\u00e9di\u00e9",
    "xpedie",
)


# The words an ASCII text can hold (str.isascii() reads a flag of the string: no scan).
_ASCII_MARKER_WORDS = tuple(word for word in _MARKER_WORDS if word.isascii())


def _has_marker_word(text: str) -> bool:
    return any(word in text for word in (_ASCII_MARKER_WORDS if text.isascii() else _MARKER_WORDS))


def _find_marker(text: str, subject: str) -> _Marker | None:
    found: list[_Marker] = []
    outlook = bool(_FORWARD_SUBJECT.match(subject))
    worded = _has_marker_word(text)
    if worded and "----" in text:
        m = _GMAIL_OR_TB.search(text)
        if m:
            thunderbird = len(m.group(1)) == 8 or m.group(2) == "Forwarded Message"
            found.append(_Marker(m.start(), m.end(), "inline-thunderbird" if thunderbird else "inline-gmail"))
    if worded and ":" in text:
        m = _APPLE.search(text)
        if m:
            found.append(_Marker(m.start(), m.end(), "inline-apple"))
    if outlook:
        m = _OUTLOOK_ORIGINAL.search(text)
        if m:
            found.append(_Marker(m.start(), m.end(), "inline-outlook"))
        m = _OUTLOOK_BLOCK.search(text)
        if m:
            found.append(_Marker(m.start(), m.start(), "inline-outlook"))
    return min(found, key=lambda mk: mk.start) if found else None


def _read_block(text: str, pos: int) -> tuple[dict[str, str], int]:
    """The forwarded header block starting at pos: fields and where the body begins."""
    fields: dict[str, str] = {}
    lines_seen = 0
    last_key = ""
    while pos < len(text) and lines_seen < MAX_BLOCK_LINES:
        eol = text.find("\n", pos)
        end = len(text) if eol < 0 else eol + 1
        line = text[pos:end].rstrip("\r\n")
        if not line.strip():
            if fields:
                pos = end
                break
            pos = end  # blank lines between the marker and the block
            continue
        m = _BLOCK_LINE.match(line)
        key = _BLOCK_KEYS.get(m.group(1).lower()) if m else None
        if m and key:
            fields.setdefault(key, m.group(2).strip())
            last_key = key
        elif fields and last_key in ("to", "cc") and line[:1] in (" ", "\t"):
            fields[last_key] += " " + line.strip()  # long recipient lists wrap
        else:
            break
        lines_seen += 1
        pos = end
    return fields, pos


def _clean_address(value: str) -> str:
    # Outlook writes "Name [mailto:a@b]"; everything else reads "Name <a@b>".
    value = _MAILTO.sub(lambda m: "<" + m.group(1) + ">", value)
    return value.replace("*", "").strip()


_BR = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d|/blockquote|hr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_STYLE = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_lines(html: str) -> str:
    """A cheap line-preserving text of HTML, good enough to find a marker in."""
    html = _STYLE.sub("", html)
    return htmllib.unescape(_TAG.sub("", _BR.sub("\n", html))).replace("\xa0", " ")


_HEADER_TEXT = re.compile(r"^\s*(?:[\w-]{1,20}\s*:.*)?$", re.DOTALL)
_MARKER_TEXT = re.compile(
    r"forwarded message|forwarded message|weitergeleitete|original message|transf[ée]r[ée]"
    r"|urspr[üu]ngliche|begin forwarded|d[ée]but du message",
    re.IGNORECASE,
)


def _is_head_node(node: LexborNode) -> bool:
    """A node of the forward's marker-and-header block (or blank space)."""
    if node.tag in ("br", "hr", "-comment"):
        return True
    if node.tag in ("table",) and "moz-email-headers-table" in (node.attributes.get("class") or ""):
        return True
    text = (node.text(deep=True) or "").strip()
    if not text:
        return node.tag not in ("img", "a", "table", "form", "iframe")
    if _MARKER_TEXT.search(text[:200]):
        return True
    first = text.splitlines()[0] if text else ""
    m = _BLOCK_LINE.match(first[:300])
    return bool(m and _BLOCK_KEYS.get(m.group(1).lower()))


def _children_after_head(container: LexborNode) -> str:
    out: list[str] = []
    child = container.child
    in_head = True
    while child is not None:
        if in_head and _is_head_node(child):
            child = child.next
            continue
        in_head = False
        out.append(_node_html(child))
        child = child.next
    return "".join(out)


def _node_html(node: LexborNode) -> str:
    if node.tag == "-text":
        return htmllib.escape(node.text(deep=False) or "", quote=False)
    return node.html or ""


def _following_html(node: LexborNode) -> str:
    """Everything after node in document order, up to the end of the body."""
    out: list[str] = []
    cur: LexborNode | None = node
    while cur is not None and cur.tag not in ("body", "html"):
        sib = cur.next
        while sib is not None:
            out.append(_node_html(sib))
            sib = sib.next
        cur = cur.parent
    return "".join(out)


def _cut_html(html: str, shape: str) -> str | None:
    """The original's HTML below the forward's header block, or None if not found."""
    tree = LexborHTMLParser(html)
    if shape in ("inline-gmail", "inline-thunderbird", "inline-apple"):
        for selector in ("div.gmail_quote", "div.moz-forward-container", 'blockquote[type="cite"]'):
            for node in tree.css(selector):
                if _MARKER_TEXT.search((node.text(deep=True) or "")[:2_000]):
                    return _children_after_head(node)
    if shape == "inline-outlook":
        block = tree.css_first("#divRplyFwdMsg")
        if block is None:
            for node in tree.css('div[style*="border-top"]'):
                text = (node.text(deep=True) or "")[:1_000]
                if _OUTLOOK_BLOCK.search(_html_lines(node.html or "")) or ("From:" in text and "Sent:" in text):
                    block = node
                    break
        if block is not None:
            return _following_html(block)
    return None


def _unwrap_inline(doc: Document) -> bool:
    probe_is_html = not doc.text_parts
    if probe_is_html:
        if not doc.html_parts:
            return False
        if not _FORWARD_SUBJECT.match(doc.subject) and not _has_marker_word(doc.html_parts[0][:MAX_HTML_SNIFF_CHARS]):
            return False
        probe = _html_lines(doc.html_parts[0][:MAX_HTML_SCAN_CHARS])
    else:
        probe = doc.text_parts[0]
    marker = _find_marker(probe[:MAX_SCAN_CHARS], doc.subject)
    if marker is None:
        return False
    fields, body_start = _read_block(probe, marker.block_start)
    if "from" not in fields and "subject" not in fields:
        return False  # a marker without a header block is not a clear forward
    wrapper = WrapperFacts(
        reporter_address=_address(doc.headers.get("from", "")),
        reporter_comment=probe[: marker.start].rstrip("_-=* \t\r\n").strip()[:MAX_COMMENT_CHARS],
        shape=marker.shape,
    )
    original_text = probe[body_start:].strip("\r\n")
    if doc.html_parts:
        cut = _cut_html(doc.html_parts[0], marker.shape)
        if cut is None:
            doc.warnings.append("forwarded HTML had no recognisable structure; only its text was kept")
            doc.html_parts = []
            if probe_is_html:
                doc.text_parts = [original_text]
        else:
            doc.html_parts = [cut]
    if not probe_is_html:
        doc.text_parts = [original_text]
    headers = {k: v for k, v in doc.headers.items() if k not in _WRAPPER_ONLY}
    for key, value in fields.items():
        headers[key] = _clean_address(value) if key in ("from", "to", "cc", "reply-to") else value
    doc.headers = headers
    doc.subject = fields.get("subject", _FORWARD_SUBJECT.sub("", doc.subject).strip())
    doc.received = []
    doc.wrapper = wrapper
    return True


def unwrap_forwarded(doc: Document) -> None:
    """Stage: a reporter's forward -> the original message; wrapper facts kept apart."""
    if doc.kind != "email" or doc.message is None:
        return
    indexes = _attached(doc)
    if indexes:
        _unwrap_attached(doc, indexes)
    elif not _unwrap_inline(doc):
        return
    # A forward of a forward (a colleague passed it on, then the reporter
    # reported it): the original is the innermost. The reporter stays the
    # outermost wrapper's; the middle forwarders' words are not evidence.
    outer = doc.wrapper
    levels = 0
    while levels < MAX_NESTED_FORWARDS and _unwrap_inline(doc):
        levels += 1
    doc.wrapper = outer
    if levels:
        doc.warnings.append(f"forward of a forward: {levels} more level(s) unwrapped")
