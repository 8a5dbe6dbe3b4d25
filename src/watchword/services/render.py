"""Safe rendering of hostile reported content for the console.

Reported HTML is never rendered as HTML. What an analyst sees is text: markup
stripped by nh3 (script and style bodies dropped with it), invisible and
direction-changing characters made visible, and every URL, host and address
defanged so that nothing is clickable or auto-linked by the browser or by a
copy into a chat. The templates then escape this text like any other.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import nh3

from watchword.analysis.urls import TOP_LABELS

MAX_BODY_CHARS = 200_000  # beyond this the console shows a note and the raw download is the way

# Zero-width, bidirectional overrides and isolates, BOM, soft hyphen: used to
# hide words from filters and to reverse file extensions ("exe.pdf"). Shown as
# a visible code so the analyst sees the trick instead of falling for it.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEME = re.compile(r"(?i)\b(https?|ftps?|sftp|wss?)://")
_DANGEROUS_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file|blob|ms-[a-z-]+|search-ms):")
_IPV4 = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")
# A run of characters that can make up host names, dots included. Matched
# possessively and then split in Python: a regex that matches "label." repeated
# and a top label after it backtracks from every start in "a.a.a.a..." and
# took 23.6 s on a 60 kB body; this is one pass over the text.
_HOST_RUN = re.compile(r"[A-Za-z0-9\u00a1-\uffff_.-]++")
_TOP_LABEL = re.compile(r"[a-z\u00a1-\uffff][a-z0-9\u00a1-\uffff-]{1,62}")
_URL = re.compile(r"(?i)\b(?:(?:https?|ftps?|hxxps?|wss?)://|www\.)[^\s<>\"'`]+")


def _visible(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group(0)):04X}]"


def reveal_invisible(text: str) -> str:
    return _CONTROL.sub("", _INVISIBLE.sub(_visible, text))


def _names_a_host(labels: list[str]) -> bool:
    top = TOP_LABELS  # the last labels of known suffixes, so that "file.txt" or "e.g." are left alone
    return any(
        len(label) <= 63 and label.lower() in top and _TOP_LABEL.fullmatch(label.lower()) for label in labels[1:]
    )


def _defang_run(match: re.Match[str]) -> str:
    """Every dot of a dotted name with a known top label after its first label, as [.]."""
    run = match.group(0)
    if "." not in run:
        return run
    # ".." or a leading or trailing dot ends a name: "see evil.com." keeps its full stop.
    chains = run.split("..") if ".." in run else [run]
    out = []
    for chain in chains:
        inner = chain.strip(".")
        if "." in inner and _names_a_host(inner.split(".")):
            start = chain.index(inner)
            chain = chain[:start] + inner.replace(".", "[.]") + chain[start + len(inner) :]
        out.append(chain)
    return "..".join(out)


def defang(text: str) -> str:
    """hxxps://evil[.]example/login, 10[.]0[.]0[.]1, javascript[:]…: readable, never a link."""
    text = _SCHEME.sub(lambda m: m.group(1).lower().replace("t", "x", 2) + "[://]", text)
    text = _DANGEROUS_SCHEME.sub(lambda m: m.group(1) + "[:]", text)
    text = _IPV4.sub(lambda m: "[.]".join(m.groups()), text)
    return _HOST_RUN.sub(_defang_run, text)


# Only text that carries real HTML tags is put through the sanitiser: an
# address such as "Billing <billing@example.com>" or "a < b" is text, and
# stripping it as markup would hide exactly what an analyst needs to see.
_HTML_TAG = re.compile(
    r"(?i)<\s*/?\s*(?:html|head|body|div|span|p|a|img|script|style|table|tr|td|th|br|hr|font|b|i|u|"
    r"em|strong|iframe|frame|object|embed|form|input|button|meta|link|base|svg|math|center|"
    r"ul|ol|li|h[1-6]|title|template|noscript|video|audio|source|textarea|select)\b[^<>]*+>"
)


def strip_markup(text: str) -> str:
    """Plain text from text that carries markup: tags removed, script/style bodies dropped."""
    if "<" not in text or not _HTML_TAG.search(text):
        return text
    cleaned = nh3.clean(
        text, tags=set(), clean_content_tags={"script", "style", "title", "template"}, strip_comments=True
    )
    return html.unescape(cleaned)


def safe_text(text: str, limit: int = MAX_BODY_CHARS) -> str:
    """A reported value (a subject, a file name, a header) as the literal characters it holds.

    Markup is not stripped: an attachment named '<img src=x onerror=…>.pdf'
    showed as '.pdf', hiding the very trick the analyst needs to see. The
    templates escape the text, so it is shown and never runs.
    """
    return defang(reveal_invisible(text[:limit]))


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    url: bool  # a defanged URL: styled apart, never a link


def segments(text: str, limit: int = MAX_BODY_CHARS) -> list[Segment]:
    """Sanitised, defanged text split so that URLs can be styled (not linked)."""
    plain = reveal_invisible(strip_markup(text[:limit]))
    out: list[Segment] = []
    pos = 0
    for match in _URL.finditer(plain):
        if match.start() > pos:
            out.append(Segment(defang(plain[pos : match.start()]), False))
        out.append(Segment(defang(match.group(0)), True))
        pos = match.end()
    if pos < len(plain):
        out.append(Segment(defang(plain[pos:]), False))
    return out


@dataclass(frozen=True, slots=True)
class LinkView:
    target: str
    text: str
    kind: str
    mismatch: bool
    script: bool = False  # javascript:, data:, vbscript: and the like: runs or smuggles, never navigates


@dataclass(frozen=True, slots=True)
class AttachmentView:
    filename: str
    declared_type: str
    sniffed_type: str
    size: int
    sha256: str
    risk_flags: list[str]


@dataclass(slots=True)
class MessageView:
    kind: str
    subject: str
    body: list[Segment] = field(default_factory=list)
    body_truncated: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)
    auth: dict[str, Any] | None = None
    links: list[LinkView] = field(default_factory=list)
    attachments: list[AttachmentView] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wrapper: dict[str, str] | None = None
    scope_reason: str = ""
    language: str = ""  # of the reporter's words, as the reading detected it
    also_types: list[str] = field(default_factory=list)  # other approach types the acts show


_HEADER_ORDER = (
    "from",
    "sender",
    "reply-to",
    "return-path",
    "to",
    "cc",
    "date",
    "subject",
    "message-id",
    "x-mailer",
    "user-agent",
    "received-spf",
    "authentication-results",
)


# Who the message was addressed to is, almost always, the reporter: their
# address stays out of the everyday view (the audited raw download has it).
_RECIPIENT_HEADERS = frozenset(
    {
        "to",
        "cc",
        "bcc",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "x-rcpt-to",
        "x-forwarded-to",
        "apparently-to",
        "resent-to",
        "resent-cc",
    }
)
_FOR_ADDRESS = re.compile(r"(?i)\bfor\s+<?[^\s<>;]+@[^\s<>;]+>?")
RECIPIENT_HIDDEN = "[recipient hidden: in the raw message]"


def _header_value(name: str, value: Any) -> str:
    if name in _RECIPIENT_HEADERS:
        return RECIPIENT_HIDDEN
    text = str(value)
    if name == "received" or name.startswith(("received", "x-received")):
        text = _FOR_ADDRESS.sub("for [recipient hidden]", text)
    return safe_text(text, 4000)


def _headers(headers: dict[str, Any]) -> list[tuple[str, str]]:
    names = sorted(headers, key=lambda n: (_HEADER_ORDER.index(n) if n in _HEADER_ORDER else 99, n))
    return [(name, _header_value(name, headers[name])) for name in names[:200]]


def message_view(result: dict[str, Any] | None, fallback_subject: str = "") -> MessageView:
    """Everything the report page shows about a message, made safe to display.

    `result` is a stored `Analysis.to_dict()`; a report not yet analysed has
    none, and the page then says so rather than guessing.
    """
    if not result:
        return MessageView(kind="pending", subject=safe_text(fallback_subject, 500))
    body = str(result.get("body_text") or "")
    auth = result.get("auth")
    if auth:
        auth = {k: (safe_text(v, 500) if isinstance(v, str) else v) for k, v in auth.items()}
    wrapper = result.get("wrapper")
    if wrapper:
        wrapper = {k: safe_text(str(v), 4000) for k, v in wrapper.items()}
    return MessageView(
        kind=str(result.get("kind", "")),
        subject=safe_text(str(result.get("subject") or fallback_subject), 1000),
        body=segments(body),
        body_truncated=len(body) > MAX_BODY_CHARS,
        headers=_headers(result.get("headers") or {}),
        auth=auth,
        links=[
            LinkView(
                target=safe_text(str(link.get("target", "")), 2000),
                text=safe_text(str(link.get("text", "")), 500),
                kind=str(link.get("kind", "")),
                mismatch=bool(link.get("mismatch")),
                script=bool(_DANGEROUS_SCHEME.match(str(link.get("target", "")).strip())),
            )
            for link in (result.get("links") or [])[:500]
        ],
        attachments=[
            AttachmentView(
                filename=safe_text(str(a.get("filename", "")), 300),
                declared_type=safe_text(str(a.get("declared_type", "")), 200),
                sniffed_type=safe_text(str(a.get("sniffed_type", "")), 200),
                size=int(a.get("size") or 0),
                sha256=str(a.get("sha256", ""))[:64],
                risk_flags=[str(f) for f in a.get("risk_flags") or []],
            )
            for a in (result.get("attachments") or [])[:200]
        ],
        reasons=[safe_text(str(r), 500) for r in result.get("reasons") or []],
        warnings=[safe_text(str(w), 500) for w in result.get("warnings") or []],
        wrapper=wrapper,
        scope_reason=safe_text(str(result.get("scope_reason") or ""), 1000),
        language=safe_text(str(result.get("language") or ""), 10),
        also_types=[safe_text(str(t), 40) for t in (result.get("also_types") or [])[:12]],
    )
