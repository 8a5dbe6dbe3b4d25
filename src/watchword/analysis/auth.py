"""Sender authentication and sender identity: SPF/DKIM/DMARC, address mismatches, lookalikes.

Reads only headers that an earlier stage decoded into `doc.headers`. Nothing is
looked up: the verdicts are what the receiving servers recorded, and domains
are split with the bundled public-suffix snapshot (never fetched; see urls.registrable_domain).

Which Authentication-Results to trust: the topmost header was added last, by
the server closest to the reporter, i.e. the receiving domain's own border;
lower ones may have been written by the sender. So for each method the first
header that mentions it wins; ARC-Authentication-Results and Received-SPF are
only fallbacks.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from email.utils import getaddresses, parseaddr
from functools import lru_cache

from watchword.analysis.brands import (
    ALL_BRAND_DOMAINS,
    BRAND_DOMAINS,
    BRAND_LABELS,
    LOOKALIKE_LABELS,
    SHARED_INFRASTRUCTURE,
    SUBSTRING_LABELS,
    SUSPICIOUS_TLDS,
    TOKEN_LABELS,
)
from watchword.analysis.lexicon import brands_in
from watchword.analysis.urls import registrable_domain
from watchword.domain import AuthResult, Document

_VERDICTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"})
_ALIASES = {"hardfail": "fail", "bestguesspass": "none", "policy": "none"}
_METHOD_RE = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_RECEIVED_SPF_RE = re.compile(r"^\s*([a-z]+)", re.IGNORECASE)
# A folded continuation starts with whitespace; a new occurrence does not.
_OCCURRENCE_SPLIT = re.compile(r"\n(?=\S)")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", re.UNICODE)
_LURE_IN_LABEL = re.compile(
    r"\d|secur|verif|login|logon|signin|account|support|update|service|help|wallet|auth|confirm|billing|"
    r"online|alert|notice|recover|unlock|id(?:$|[^a-z])|informe|atendimento|suporte|cliente|kunden|konto"
)
_PLAIN_SUFFIXES = frozenset({"com", "net", "org", "co.uk", "com.br", "com.au", "co.jp", "com.mx", "com.tr"})
_TOKEN_SPLIT = re.compile(r"[.\-_]")
_MAX_HEADER = 8192  # no header worth reading is longer; caps regex work on hostile input


_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@lru_cache(maxsize=65536)
def organisational_domain(host: str) -> str:
    """Whose domain a host is, for comparing senders (DMARC's organisational domain, RFC 7489 3.2).

    The registrable domain (`mail.paypal.co.uk` -> `paypal.co.uk`, from
    `urls.registrable_domain`, the one definition); for an ending the public
    suffix list lacks (`.test`, `.internal`, a typo) the last two labels, which
    is the list's own default rule, and never the bare ending, which would make
    every such host "the same domain". An IP literal has no domain: "".
    """
    host = host.strip().strip(".").lower()
    if not host or host.startswith("[") or ":" in host or _IPV4.match(host):
        return ""  # an IP literal, bracketed or bare (no domain name holds a colon)
    return registrable_domain(host) or ".".join(host.split(".")[-2:])


def _domain_of(address: str) -> str:
    _, _, dom = address.rpartition("@")
    return dom.strip().strip(">").lower()


def _verdict(value: str) -> str:
    v = value.lower()
    v = _ALIASES.get(v, v)
    return v if v in _VERDICTS else "none"


def _occurrences(value: str) -> list[str]:
    return [part for part in _OCCURRENCE_SPLIT.split(value[: _MAX_HEADER * 4]) if part.strip()]


def _methods(headers: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ("authentication-results", "arc-authentication-results"):
        for occ in _occurrences(headers.get(name, "")):
            for method, result in _METHOD_RE.findall(occ[:_MAX_HEADER]):
                found.setdefault(method.lower(), _verdict(result))
    if "spf" not in found:
        first = _occurrences(headers.get("received-spf", ""))
        if first:
            m = _RECEIVED_SPF_RE.match(first[0])
            if m:
                found["spf"] = _verdict(m.group(1))
    return found


def _first_address(value: str) -> tuple[str, str]:
    """(display name, address) of the first mailbox in a header value."""
    return _first_address_of(value[:_MAX_HEADER])


# Cached: the standard library's address parser makes a Python call per token (most of this stage's
# time), and a wave's copies and a list's posts repeat these values (5,250 of 8,942 calls in the
# corpus's first 3,000 emails). 2,048 entries of at most _MAX_HEADER characters.
@lru_cache(maxsize=2048)
def _first_address_of(value: str) -> tuple[str, str]:
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - hostile headers must not stop the stage
        pairs = [parseaddr(value)]
    for name, addr in pairs:
        if addr:
            return name.strip(), addr.strip().lower()
    return (pairs[0][0].strip() if pairs else ""), ""


# -- lookalikes ---------------------------------------------------------------
# Characters that render like Latin letters (Cyrillic, Greek, fullwidth are
# handled by NFKD) and the digit/letter swaps phishers type by hand.
_CONFUSABLES: dict[int, str] = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ս": "u",
        "ν": "v",
        "ο": "o",
        "α": "a",
        "ρ": "p",
        "τ": "t",
        "κ": "k",
        "ι": "i",
        "ε": "e",
        "ı": "i",
        "ɑ": "a",
        "ʟ": "l",
        "ᴄ": "c",
        "ꞵ": "b",
        "в": "b",
        "м": "m",
        "н": "h",
        "т": "t",
        "к": "k",
        "ь": "b",
    }
)
# For folding running text: the lower-case table plus capitals that look Latin
# (Greek, Cyrillic, Armenian, Cherokee). NFKC already handles styled letters.
_CONFUSABLES_CASED: dict[int, str] = {
    **_CONFUSABLES,
    **{
        ord(a): b
        for a, b in zip(
            "ΑΒΕΗΙΚΜΝΟΡΤΥΧΖАВЕКМНОРСТХУІЈЅՍՕᎡᏀᎪᎬᏚᎢᎻᏔᏞᏟᎫᏴᎷ",
            "ABEHIKMNOPTYXZABEKMHOPCTXYIJSUORGAESTHWLCJBM",
            strict=True,
        )
    },
}


def fold_confusables(text: str) -> str:
    """Text with styled and look-alike letters folded to plain Latin ("Ρⅼеаѕе" -> "Please")."""
    return unicodedata.normalize("NFKC", text).translate(_CONFUSABLES_CASED)


# Applied after lower-casing to both sides, so "paypa1" and "paypai" meet "paypal" in "paypal".
_SWAPS = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("|", "l"),
    ("3", "e"),
    ("5", "s"),
    ("4", "a"),
    ("7", "t"),
    ("8", "b"),
    ("@", "a"),
    ("-", ""),
    ("_", ""),
)


@lru_cache(maxsize=4096)
def _skeleton(label: str) -> str:
    s = unicodedata.normalize("NFKD", label.lower().translate(_CONFUSABLES))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    for a, b in _SWAPS:
        s = s.replace(a, b)
    return s


def _idna_decode(host: str) -> str:
    if "xn--" not in host:
        return host
    out = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label[4:].encode("ascii").decode("punycode")
        out.append(label)
    return ".".join(out)


_SKELETONS: dict[str, str] = {_skeleton(label): name for label, name in LOOKALIKE_LABELS.items()}
_SUBSTRING_SKELETONS: tuple[tuple[str, str], ...] = tuple(
    (_skeleton(label), name) for label, name in SUBSTRING_LABELS.items()
)
_LABELS_BY_LEN: dict[int, list[tuple[str, str]]] = {}
for _label, _name in LOOKALIKE_LABELS.items():
    if len(_label) >= 5:
        _LABELS_BY_LEN.setdefault(len(_label), []).append((_label, _name))


def _within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        if len(diff) != 2 or diff[1] != diff[0] + 1:
            return False
        return a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@lru_cache(maxsize=65536)
def lookalike_of(host: str) -> str:
    """The brand name a host imitates, or "" when it is the brand's own or unrelated.

    Catches homoglyph and punycode labels, digit swaps (paypa1, rn->m),
    one-edit typos of distinctive brand labels, and the brand worn as a
    subdomain or hyphenated token (paypal.com.secure-login.xyz, dhl-tracking.top).
    """
    host = _idna_decode(host.strip().strip(".").lower())
    if not host or "." not in host:
        return ""
    reg = organisational_domain(host)
    if reg in ALL_BRAND_DOMAINS or reg in SHARED_INFRASTRUCTURE:
        return ""
    label, _, suffix = reg.partition(".")
    if label in BRAND_LABELS and suffix not in SUSPICIOUS_TLDS and (len(suffix) == 2 or suffix in _PLAIN_SUFFIXES):
        # The brand's exact name under a country or plain ending (fedex.es,
        # telekom.com): most likely the brand's own domain missing from our list.
        return ""
    skel = _skeleton(label)
    if skel in _SKELETONS:
        return _SKELETONS[skel]
    if len(label) >= 5:
        first, last = label[0], label[-1]
        for n in (len(label) - 1, len(label), len(label) + 1):
            for brand_label, name in _LABELS_BY_LEN.get(n, ()):
                # One edit of a label of 3 or more characters keeps its first or its last character
                # (an edit at the start leaves the end, and the reverse): a cheap test that turns away
                # most brand labels before the call (this loop was ~2% of the pipeline's profile).
                if (first == brand_label[0] or last == brand_label[-1]) and _within_one_edit(label, brand_label):
                    return name
    # Brand as a whole token anywhere in the host: "paypal.com.verify.xyz", "secure-paypal.net".
    for tok in _TOKEN_SPLIT.split(host):
        if tok in TOKEN_LABELS:
            return TOKEN_LABELS[tok]
        # A disguised brand word ("micros0ft-support.net"); the plain word as a
        # subdomain of an unrelated site ("outlook.example.biz") is a product name.
        if len(tok) >= 5 and tok not in BRAND_LABELS and _skeleton(tok) in _SKELETONS:
            return _SKELETONS[_skeleton(tok)]
    # The brand inside a longer name ("paypalsecure.com") counts only with a lure
    # word, digits or a cheap ending: brands own many such names (verizonconnect.com).
    if _LURE_IN_LABEL.search(label) or suffix.rsplit(".", 1)[-1] in SUSPICIOUS_TLDS:
        for brand_skel, name in _SUBSTRING_SKELETONS:
            if brand_skel in skel:
                return name
    return ""


def _display_name_spoof(display: str, from_domain: str) -> str:
    """What the display name claims that the sending domain does not back: a brand or an address."""
    if not display:
        return ""
    reg = organisational_domain(from_domain) if from_domain else ""
    m = _EMAIL_IN_TEXT.search(display)
    if m and organisational_domain(m.group(1)) != reg:
        return m.group(0).lower()
    for brand in brands_in(display[:300]):
        domains = BRAND_DOMAINS.get(brand, frozenset())
        if domains and reg not in domains:
            return brand
    return ""


def read_authentication(doc: Document) -> None:
    if doc.kind != "email":
        return
    headers = doc.headers or {}
    methods = _methods(headers)
    display, from_addr = _first_address(headers.get("from", ""))
    from_domain = _domain_of(from_addr) if "@" in from_addr else ""
    from_reg = organisational_domain(from_domain) if from_domain else ""

    _, reply_to = _first_address(headers.get("reply-to", ""))
    # Several Return-Paths happen when mail is relayed; the topmost is the last hop's envelope.
    rp_occ = _occurrences(headers.get("return-path", ""))
    _, return_path = _first_address(rp_occ[0]) if rp_occ else ("", "")

    def mismatch(addr: str) -> bool:
        if "@" not in addr or not from_reg:
            return False
        return organisational_domain(_domain_of(addr)) != from_reg

    spoof = _display_name_spoof(display, from_domain)
    doc.auth = AuthResult(
        spf=methods.get("spf", "none"),
        dkim=methods.get("dkim", "none"),
        dmarc=methods.get("dmarc", "none"),
        from_address=from_addr,
        from_domain=from_domain,
        reply_to=reply_to,
        return_path=return_path,
        reply_to_mismatch=mismatch(reply_to),
        return_path_mismatch=mismatch(return_path),
        display_name_spoof=bool(spoof),
        display_name_claims=spoof,
        lookalike_of=lookalike_of(from_domain) if from_domain else "",
    )
