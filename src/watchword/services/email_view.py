"""The reported email as it looked, without anything in it that can act: the formatted view and its attachments.

Re-parsed from the stored raw message by the same bounded parser as the
analysis (`analysis/mime.py`). The HTML keeps its structure and emphasis
only: no attribute survives (so no link target, image source, style or event
handler), links and images are gone with their tags, scripts and styles with
their content, and every URL or host in the text is defanged like on the
report page. The console shows it beside the plain text, headers and
authentication; nothing in it can be clicked, loaded or run.

Attachments are handed out only as bytes for a warned download; nothing here
opens, decodes or previews them.
"""

from __future__ import annotations

import hashlib
import re

import nh3

from watchword.analysis.mime import parse_mime
from watchword.domain import Document
from watchword.domain.states import DocumentKind
from watchword.services.render import MAX_BODY_CHARS, defang, reveal_invisible

# Structure and emphasis: what makes a lure recognisable (a fake header, a table of "invoices").
KEPT_TAGS = frozenset(
    {"p", "br", "div", "span", "b", "i", "u", "strong", "em", "small", "big", "center", "font"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code", "hr", "sub", "sup", "s"}
    | {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_TEXT_RUN = re.compile(r">([^<]+)<")


def _parsed(raw: bytes) -> Document:
    doc = Document(kind=DocumentKind.EMAIL, raw=raw)
    parse_mime(doc)
    return doc


def safe_html(raw: bytes) -> str | None:
    """The message's HTML as inert markup, or None when it has no HTML part."""
    doc = _parsed(raw)
    if not doc.html_parts:
        return None
    source = "\n<hr>\n".join(doc.html_parts)[:MAX_BODY_CHARS]
    cleaned = nh3.clean(
        source,
        tags=set(KEPT_TAGS),
        attributes={},
        clean_content_tags={"script", "style", "title", "template", "noscript", "textarea", "select"},
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )
    # Text only, between tags: hosts and URLs become hxxps://evil[.]example, invisible characters visible.
    return _TEXT_RUN.sub(lambda m: ">" + defang(reveal_invisible(m.group(1))) + "<", f"<div>{cleaned}</div>")


def attachment_bytes(raw: bytes, index: int, sha256: str) -> tuple[str, bytes] | None:
    """Attachment number `index` of the message, if its bytes still hash to what the analysis recorded."""
    doc = _parsed(raw)
    if not 0 <= index < len(doc.attachment_payloads):
        return None
    payload = doc.attachment_payloads[index]
    if hashlib.sha256(payload).hexdigest() != sha256:
        return None
    return doc.attachments[index].filename, payload
