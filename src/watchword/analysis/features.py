"""Interpretable features of one report, for the risk model and the reasons.

Every feature is a number in 0..1 with a name an analyst can read, computed
from what earlier stages found: text, links, attachments, indicators and the
sender's authentication. What is deliberately NOT a feature: the Date header,
years, X-Mailer / User-Agent strings and versions, header order, charsets, or
any other trait that says *when* a message was written rather than *what it
asks of the reader*. Old legitimate mail and new phishing differ in all of
those; a model that learned them would fail on the next year's mail.

`Evidence` keeps the concrete details behind the numbers (which brand, which
host) so that the reasons can name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from watchword.analysis.auth import fold_confusables, lookalike_of, organisational_domain
from watchword.analysis.brands import (
    BRAND_DOMAINS,
    FREEMAIL,
    SHORTENERS,
    SUSPICIOUS_TLDS,
)
from watchword.analysis.categories import EmailCategory as C
from watchword.analysis.lexicon import EMAIL_LEXICON, Tokens, brands_in
from watchword.domain import Document
from watchword.domain.states import DocumentKind

MAX_TEXT = 3000  # characters of body text read: lures state their ask early; caps the cost
MAX_HTML = 20000  # characters of HTML searched for hidden-text styling
MAX_LINKS = 200

_RISKY_PATH = re.compile(
    r"\.(?:exe|scr|pif|bat|cmd|msi|msix|vbs|vbe|js|jse|wsf|hta|ps1|jar|apk|dll|lnk|iso|img|vhd|vhdx|"
    r"zip|rar|7z|gz|tgz|cab|ace|docm|xlsm|pptm|xlam|one)$",
    re.IGNORECASE,
)
_IP_HOST = re.compile(r"^\[?(?:\d{1,3}\.){3}\d{1,3}\]?$|^\[[0-9a-f:]+\]$", re.IGNORECASE)
# Another URL inside a URL's query or path: an open redirect or a tracking hop
# that hides where the click really lands. Substring tests: a regex per link was
# the slowest step of this stage.
_REDIRECT_MARKS = ("=http", "=www.", "%3a%2f%2f", "/http://", "/https://", "=%68%74%74%70")
# Styling that hides text from the reader. Case-sensitive on purpose: CSS is
# written in lower case by every mail builder, and lower-casing or IGNORECASE on
# large non-ASCII HTML cost ~250 us per message against ~30 us for this scan.
# The scan starts at the value (":none", ":0px;"), which a regex finds at C speed; a
# pattern that starts with the property names' alternation is tried at every offset.
_HIDDEN_VALUE = re.compile(r":\s*(?:none|hidden|all|[01](?:px|pt)?\s*[;\"'])")
_HIDDEN_PROPERTIES = ("display", "visibility", "font-size", "max-height", "opacity", "mso-hide")
_QUOTED_LINE = re.compile(r"^(?:>|\|)", re.MULTILINE)
# How mail clients introduce a quoted message, in the languages of the lexicon.
_WROTE_MARKS = (
    "wrote:",
    "writes:",
    "schrieb:",
    "a écrit",
    "escribió:",
    "escreveu:",
    "ha scritto:",
    "schreef:",
    "original message",
)
# Invisible code points used to break words apart for filters ("U\U000e0139pgrade"):
# zero-width spaces and joiners, soft hyphens, variation selectors and tag characters.
# Also the combining overlays (U+0334-U+0338) that strike through letters ("Fa̷lha").
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff\ufe00-\ufe0f\U000e0000-\U000e01ef\u0334-\u0338]"
)
_ZERO_WIDTH_NOTE = re.compile(r"(\d{1,7}) zero-width characters")
# Homoglyphs: a Latin letter next to a Greek, Cyrillic, Armenian or Cherokee
# letter, or a letter-like symbol (roman numerals, letterlike block), inside one
# word. Real Greek or Russian text keeps its own script within a word; "Սрⅾаtе"
# (for "Update") mixes four.
_OTHER_LETTERS = "\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u13a0-\u13ff\u2100-\u214f\u2160-\u217f"
_MIXED_SCRIPT = re.compile(f"[a-zA-Z][{_OTHER_LETTERS}]|[{_OTHER_LETTERS}][a-zA-Z]")
# Mathematical and fullwidth letters ("𝕀𝕙𝕣 𝕚ℂ𝕝𝕠𝕦𝕕") that render as plain words but match no filter.
_STYLED_LETTERS = re.compile("[\U0001d400-\U0001d7ff\uff21-\uff5a]")
_HTML_HINT = re.compile(r"<(?:html|body|table|div|p|center|br|font|td|span|a)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")
# The domain after each "@": the scan jumps from one "@" to the next.
_AT_DOMAIN = re.compile(r"@([\w-]{1,63}(?:\.[\w-]{1,63}){1,6})")
# The attachment stage's flag vocabulary (attachments.py), grouped by what they mean here.
_MALWARE_FLAGS = frozenset(
    {
        "macro",
        "executable",
        "script",
        "disk_image",
        "double_extension",
        "archive_contains_executable",
        "rtl_override",
        "shortcut",
    }
)
_ARCHIVE_FLAGS = frozenset({"archive", "encrypted_archive"})
_HTML_FLAGS = frozenset({"html", "html_attachment"})
_WALLET_TYPES = frozenset({"btc", "eth", "xmr"})

# Feature names in a fixed order: the model's weights are keyed by them.
FEATURES: tuple[str, ...] = tuple(
    str(name)
    for name in (
        C.CREDENTIAL,
        C.URGENCY,
        C.THREAT,
        C.PRIZE,
        C.ADVANCE_FEE,
        C.CRYPTO,
        C.PAYMENT,
        C.EXTORTION,
        C.DELIVERY,
        C.RECRUITMENT,
        C.MALWARE_LURE,
        C.MARKETING,
        C.GENERIC_GREETING,
        "subject_alarm",
        "money",
        "shouting",
        "link_count",
        "link_mismatch",
        "ip_link",
        "shortener",
        "suspicious_tld",
        "script_link",
        "form",
        "risky_download",
        "link_lookalike",
        "redirect_link",
        "links_per_word",
        "html_only",
        "little_text",
        "hidden_text",
        "risky_attachment",
        "archive_attachment",
        "html_attachment",
        "dmarc_fail",
        "spf_fail",
        "dkim_fail",
        "reply_to_mismatch",
        "reply_to_freemail",
        "from_freemail",
        "display_name_spoof",
        "sender_lookalike",
        "brand_not_sender",
        "sender_suspicious_tld",
        "wallet_or_iban",
        "conversation",
        "mailing_list",
        "invisible_chars",
        C.ROMANCE,
        "contact_elsewhere",
        "sender_verified",
        "mixed_scripts",
    )
)
# The lexicon's email categories: every one is a feature as it is, counted in the order FEATURES lists them.
_CATEGORY_FEATURES: tuple[C, ...] = tuple(C(name) for name in FEATURES if name in C.__members__.values())
assert set(_CATEGORY_FEATURES) == set(C), "every email category is a feature"


@dataclass(slots=True)
class Evidence:
    """The concrete facts behind the features, for reasons."""

    values: dict[str, float] = field(default_factory=dict)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    mismatch: tuple[str, str] = ("", "")  # (shown text, real host)
    brand: str = ""
    lookalike_host: tuple[str, str] = ("", "")  # (host, brand)
    risky_attachment: str = ""
    risky_download: str = ""
    tld: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _cap(n: float, top: float) -> float:
    return min(n, top) / top


@lru_cache(maxsize=4096)  # a message's links repeat hosts, a wave's copies repeat links (keys: whole targets)
def _host(target: str) -> str:
    try:
        host = urlsplit(target.strip()[:2048]).hostname or ""
    except ValueError:
        return ""
    return host.strip(".").lower()


def _path(target: str) -> str:
    try:
        return urlsplit(target.strip()[:2048]).path
    except ValueError:
        return ""


def readable_text(doc: Document) -> str:
    """The text a reader saw, capped; falls back to raw parts if text extraction found nothing.

    Some senders put HTML in a text/plain part; its tags are stripped here so
    that the words, not the markup, are read.
    """
    body = doc.body_text or "\n".join(doc.text_parts) or "\n".join(doc.html_parts)
    if doc.kind == DocumentKind.TEXT and not body:
        body = doc.text_input
    if _HTML_HINT.search(body[:500]):
        body = _TAG.sub(" ", body[: MAX_TEXT * 8])
    elif len(body) < 200 and doc.html_parts:
        # A stub text part ("This is an HTML-only message") beside the real HTML.
        html = " ".join(doc.html_parts)[: MAX_TEXT * 8]
        body = body + "\n" + _TAG.sub(" ", html)
    return body[:MAX_TEXT]


def _hidden_styles(html: str) -> int:
    count = 0
    for m in _HIDDEN_VALUE.finditer(html, 0, MAX_HTML):
        if html[max(0, m.start() - 16) : m.start()].rstrip().endswith(_HIDDEN_PROPERTIES):
            count += 1
    return count


def email_features(doc: Document, raw_body: str | None = None) -> Evidence:
    """`raw_body`: readable_text(doc), when the caller has it already."""
    ev = Evidence()
    v = ev.values
    auth = doc.auth
    if raw_body is None:
        raw_body = readable_text(doc)
    raw_subject = doc.subject[:300]
    display = doc.headers.get("from", "")[:200]
    # The invisible, other-script and styled characters below are all non-ASCII; str.isascii() reads a
    # flag of the string, so ASCII text (most mail) skips those scans.
    invisible = (0 if raw_subject.isascii() else len(_INVISIBLE.findall(raw_subject))) + (
        0 if raw_body.isascii() else len(_INVISIBLE.findall(raw_body))
    )
    # The text stage deletes zero-width characters from the body and notes how many.
    for note in doc.warnings[:50]:
        m = _ZERO_WIDTH_NOTE.search(note)
        if m:
            invisible += int(m.group(1))
    v["invisible_chars"] = _cap(invisible, 5)
    body = _INVISIBLE.sub("", raw_body) if invisible else raw_body
    subject = _INVISIBLE.sub("", raw_subject) if invisible else raw_subject
    head = subject + "\n" + display + "\n" + body[:500]
    mixed = 0 if head.isascii() else len(_MIXED_SCRIPT.findall(head)) + len(_STYLED_LETTERS.findall(head))
    v["mixed_scripts"] = _cap(mixed, 3)
    if mixed or (not body.isascii() and _STYLED_LETTERS.search(body)):
        # Read the words the reader sees: NFKC turns styled letters into plain
        # ones, the confusables table maps look-alike letters to Latin.
        subject = fold_confusables(subject)
        body = fold_confusables(body)
    tokens = Tokens(subject + "\n" + body)
    counts = EMAIL_LEXICON.count(tokens)
    ev.counts = counts
    for name in _CATEGORY_FEATURES:
        v[name] = _cap(counts.get(name, 0), 3)
        if counts.get(name):
            ev.phrases[name] = EMAIL_LEXICON.matches(tokens, name)[:3]
    subj_counts = EMAIL_LEXICON.count(Tokens(subject)) if subject else {}
    v["subject_alarm"] = _cap(
        sum(
            subj_counts.get(k, 0) for k in (C.CREDENTIAL, C.URGENCY, C.THREAT, C.PRIZE, C.PAYMENT, C.DELIVERY, C.CRYPTO)
        ),
        2,
    )
    v["money"] = _cap(body.count("$") + body.count("€") + body.count("£") + body.count("R$"), 4)
    letters = list(filter(str.isalpha, subject))
    v["shouting"] = float(len(letters) >= 10 and sum(map(str.isupper, letters)) > 0.6 * len(letters)) * 0.5 + (
        0.5 if subject.count("!") >= 1 else 0.0
    )

    # -- links ------------------------------------------------------------------
    from_domain = auth.from_domain if auth else ""
    from_reg = organisational_domain(from_domain) if from_domain else ""
    targets: set[str] = set()
    hosts: set[str] = set()
    for link in doc.links[:MAX_LINKS]:
        if link.kind == "img":
            continue
        target = link.target.strip()
        targets.add(target)
        low = target[:16].lower()
        if low.startswith(("javascript:", "data:", "vbscript:")):
            v["script_link"] = 1.0
            continue
        if link.kind == "form":
            v["form"] = 1.0
        host = _host(target)
        if not host:
            continue
        hosts.add(host)
        if link.mismatch and not ev.mismatch[0]:
            ev.mismatch = (link.text.strip()[:80], host)
            v["link_mismatch"] = 1.0
        low_target = target[:2048].lower()
        if any(mark in low_target for mark in _REDIRECT_MARKS):
            v["redirect_link"] = 1.0
        path = _path(target)
        if path and _RISKY_PATH.search(path[-12:]):
            v["risky_download"] = 1.0
            ev.risky_download = path.rsplit("/", 1)[-1][:80]
    for host in hosts:
        if _IP_HOST.match(host):
            v["ip_link"] = 1.0
            continue
        reg = organisational_domain(host)
        if reg in SHORTENERS or host in SHORTENERS:
            v["shortener"] = 1.0
        tld = reg.rsplit(".", 1)[-1]
        if tld in SUSPICIOUS_TLDS:
            v["suspicious_tld"] = 1.0
            ev.tld = tld
        brand = lookalike_of(host)
        if brand and not ev.lookalike_host[0]:
            ev.lookalike_host = (host, brand)
            v["link_lookalike"] = 1.0
    v["link_count"] = _cap(len(targets), 12)
    v["links_per_word"] = _cap(len(targets) / max(tokens.count, 20), 0.1)
    words = tokens.count
    has_html = bool(doc.html_parts)
    v["html_only"] = float(has_html and not doc.text_parts)
    v["little_text"] = float(words < 60 and (has_html or bool(targets) or bool(doc.attachments)))
    hidden = 0
    for part in doc.html_parts[:3]:
        hidden += _hidden_styles(part)
    # One hidden preheader is what every newsletter builder emits; much hidden
    # text (the text stage measures it and leaves a note) is filter padding.
    padded = any("characters of hidden text" in w for w in doc.warnings)
    v["hidden_text"] = 1.0 if padded else 0.5 * _cap(max(hidden - 1, 0), 5)

    # -- attachments -------------------------------------------------------------
    for att in doc.attachments[:50]:
        flags = set(att.risk_flags)
        if flags & _MALWARE_FLAGS:
            v["risky_attachment"] = 1.0
            ev.risky_attachment = att.filename[:80]
        if flags & _ARCHIVE_FLAGS:
            v["archive_attachment"] = 1.0
            ev.risky_attachment = ev.risky_attachment or att.filename[:80]
        if flags & _HTML_FLAGS:
            v["html_attachment"] = 1.0

    # -- sender -------------------------------------------------------------------
    if auth:
        v["dmarc_fail"] = float(auth.dmarc == "fail")
        v["spf_fail"] = 1.0 if auth.spf == "fail" else 0.5 if auth.spf == "softfail" else 0.0
        v["dkim_fail"] = float(auth.dkim == "fail")
        # DMARC pass means the visible From domain really sent it; lookalike and
        # brand checks still catch a fraudster's own well-configured domain.
        v["sender_verified"] = float(auth.dmarc == "pass" or (auth.dkim == "pass" and auth.spf == "pass"))
        v["reply_to_mismatch"] = float(auth.reply_to_mismatch)
        rt_reg = organisational_domain(auth.reply_to.rpartition("@")[2]) if "@" in auth.reply_to else ""
        v["reply_to_freemail"] = float(bool(rt_reg) and rt_reg in FREEMAIL and rt_reg != from_reg)
        v["from_freemail"] = float(from_reg in FREEMAIL)
        v["display_name_spoof"] = float(auth.display_name_spoof)
        v["sender_lookalike"] = float(bool(auth.lookalike_of))
        from_tld = from_reg.rsplit(".", 1)[-1] if from_reg else ""
        v["sender_suspicious_tld"] = float(from_tld in SUSPICIOUS_TLDS)
        if from_tld in SUSPICIOUS_TLDS:
            ev.tld = ev.tld or from_tld
        ev.brand = _brand_not_sender(subject, body, from_reg)
        v["brand_not_sender"] = float(bool(ev.brand))
    # "Write to me at ...@gmail.com": the conversation is moved to a mailbox
    # that is not the sender's, out of reach of the sending domain's controls.
    for dom in _AT_DOMAIN.findall(body)[:20]:
        reg = organisational_domain(dom)
        if reg in FREEMAIL and reg != from_reg:
            v["contact_elsewhere"] = 1.0
            break
    v["wallet_or_iban"] = float(any(i.type in _WALLET_TYPES or i.type == "iban" for i in doc.indicators[:500]))

    # -- conversation and lists ------------------------------------------------------
    quoted = len(_QUOTED_LINE.findall(body))
    replying = bool(doc.headers.get("in-reply-to") or doc.headers.get("references"))
    low_body = body.lower()
    wrote = any(mark in low_body for mark in _WROTE_MARKS)
    v["conversation"] = min(1.0, 0.5 * (quoted >= 2) + 0.3 * wrote + 0.4 * replying)
    list_id = doc.headers.get("list-id", "")
    unsub = doc.headers.get("list-unsubscribe", "").lower()
    # A list server (List-Id, or a mailto: unsubscribe handled by a list robot) is
    # how real discussion lists work; a bare https unsubscribe is just bulk mail.
    v["mailing_list"] = 1.0 if list_id else 0.5 if "mailto:" in unsub else 0.0
    return ev


def _brand_not_sender(subject: str, body: str, from_reg: str) -> str:
    """A brand named in the subject or opening lines that the sender's domain does not belong to.

    Links are not consulted: lures routinely link to the real brand's logo and
    privacy page beside the one link that matters.
    """
    for brand in brands_in(subject + "\n" + body[:600]):
        domains = BRAND_DOMAINS.get(brand)
        if domains and from_reg not in domains:
            return brand
    return ""


# -- free-text reports ---------------------------------------------------------------
MAX_REPORT = 4000


def report_text(doc: Document) -> str:
    """The reporter's words and guided-form answers, capped."""
    if doc.kind == DocumentKind.TEXT and doc.body_text:
        # The text stage already joined the reporter's words and the form's answers.
        return doc.body_text[:MAX_REPORT]
    parts = [doc.text_input, *doc.answers.values()]
    return "\n".join(p for p in parts if p)[:MAX_REPORT]
