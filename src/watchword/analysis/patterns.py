"""Compiled scan patterns for indicator extraction, and the text clean-ups before the scan.

Every pattern here must run in linear time on any input, because reports
are attacker-written. The rules that keep them linear:

- a repetition is either bounded (`{1,64}`) or is the last thing in the
  pattern, so a failed attempt never rescans an unbounded run;
- a pattern that can start anywhere in a run (`a.a.a.a...`) either succeeds
  and consumes the run, or starts behind a look-behind that only lets it
  start at the beginning of the run;
- validation (public suffix, checksums, lengths) happens in Python on the
  few matches, never in the pattern.

tests/test_indicators.py checks the adversarial cases (`"a." * 50000`,
`"http://a" * 12500`, ...) against a time bound.
"""

from __future__ import annotations

import re

# -- refanging ----------------------------------------------------------------

# One pass finds whether the text is defanged at all; most mail is not, and a
# single failed C-level search costs far less than a substitution.
_DEFANG_GATE = re.compile(
    r"[hH][xX]{2}[pP]|[fF][xX][pP]:|[\[\(\{]\s?(?:\.|dot|DOT|:|@|at|AT|/|://)\s?[\]\)\}]|\[:?//\]"
)
_DEFANG_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[hH][xX]{2}[pP]([sS]?)(?=\s?[\[\(]?:)"), r"http\1"),
    (re.compile(r"\b[fF][xX][pP](?=\s?[\[\(]?:)"), "ftp"),
    (re.compile(r"\[:?//\]|\[:\]//|\[://\]"), "://"),
    (re.compile(r"(?<=[\w\]\)])\s?[\[\(\{]\s?(?:\.|dot|DOT)\s?[\]\)\}]\s?(?=\w)"), "."),
    (re.compile(r"(?<=[\w\]\)])\s?[\[\(\{]\s?(?:@|at|AT)\s?[\]\)\}]\s?(?=\w)"), "@"),
    (re.compile(r"(?<=[a-zA-Z])[\[\(]:[\]\)](?=//)"), ":"),
    (re.compile(r"(?<=://)[\[\(]\.[\]\)]"), ""),
)

# Quoted-printable debris: a report pasted from a raw message keeps `=3D` for
# `=` and soft line breaks (`=` at a line end) that cut URLs in two.
_QP_GATE = re.compile(r"=3[dD]|=\r?\n")
_QP_SOFT_BREAK = re.compile(r"=\r?\n")
_QP_EQUALS = re.compile(r"=3[dD]")


def refang(text: str) -> str:
    """Undo common defanging (`hxxps://evil[.]com`, `user[@]evil(dot)com`) and QP debris.

    A no-op, at the cost of one or two searches, for text that has none.
    """
    if _DEFANG_GATE.search(text):
        for pattern, replacement in _DEFANG_SUBS:
            text = pattern.sub(replacement, text)
    if _QP_GATE.search(text):
        text = _QP_EQUALS.sub("=", _QP_SOFT_BREAK.sub("", text))
    return text


# -- scan patterns ------------------------------------------------------------

# A URL runs to the first character that cannot be in one as written in text.
# Unbounded but final, so linear; the junk it picks up at the end (closing
# punctuation, quotes) is trimmed by strip_url_tail.
_URL_CHARS = r"[^\s<>\"'`{}|\\^\u00ab\u00bb\u201c\u201d\u2018\u2019\u3000\uff1c\uff1e]"
URL_RE = re.compile(
    r"(?:\b(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://|(?<![\w./@-])[wW][wW][wW]\.(?=\w))" + _URL_CHARS + r"+"
)

# Bare host names. Starts only at the beginning of a word (the look-behind),
# so `a.a.a....` is one match, not n overlapping attempts. `@` is excluded in
# front: the domain of an address is emitted by the address itself.
DOMAIN_RE = re.compile(r"(?<![\w.@/%-])(?:[^\W_][\w-]{0,62}\.)+[^\W\d_][\w-]{0,62}")

# The local part is bounded (64 per RFC 5321) so that a long run without an
# `@` costs at most 64 steps per start; starts only after a non-address char.
EMAIL_RE = re.compile(r"(?<![\w.%+'-])[\w%+'-][\w.%+'-]{0,63}@(?:[^\W_][\w-]{0,62}\.)+[^\W\d_][\w-]{0,62}")

IPV4_RE = re.compile(
    r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d]|\.\d)"
)

# IPv6: every address has `::` or seven single colons, so it contains two
# colons at most four hex digits apart. The gate is a literal-led search that
# fails fast on text without; the candidate pattern is bounded and validated
# by ipaddress.
IPV6_GATE = re.compile(r":[0-9A-Fa-f]{0,4}:")
IPV6_RE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)"
)

# Hex runs of any length; the length (32/40/64) picks the hash type in Python,
# so random hex of other lengths is not reported.
HEX_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")

# Wallets: validated by checksum in Python, so the patterns are loose.
BTC_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71}|BC1[02-9AC-HJ-NP-Z]{11,71})(?![0-9A-Za-z])"
)
ETH_RE = re.compile(r"(?<![0-9A-Za-z])0[xX][0-9A-Fa-f]{40}(?![0-9A-Za-z])")
XMR_RE = re.compile(
    r"(?<![0-9A-Za-z])[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?:[1-9A-HJ-NP-Za-km-z]{11})?(?![0-9A-Za-z])"
)

# IBAN: country, check digits, then 11..30 alphanumerics, optionally in
# groups of four. Bounded groups keep it linear; mod-97 decides.
IBAN_RE = re.compile(
    r"(?<![0-9A-Za-z])[A-Z]{2}\d{2}(?:[ \u00a0]?[0-9A-Z]{4}){2,7}(?:[ \u00a0]?[0-9A-Z]{1,3})?(?![0-9A-Za-z])"
)

# Phone candidates: a run of digits with the usual separators, bounded, not
# inside a longer token. Whether it is a phone at all is decided by
# phones_in() from the `+`/`00` prefix or a nearby keyword, then by
# phonenumbers.
PHONE_RE = re.compile(r"(?<![\w+/.,-])(?:\+|\b00)?\(?\d[\d \u00a0().-]{5,20}\d(?![\w/]|[.,]\d)")
PHONE_CONTEXT_RE = re.compile(
    r"(?i)(?:\b(?:tel|phone|call|mobile|mob|cell|fax|whats\s?app|sms|text|hotline|dial|contact|ring|"
    r"telefon|téléphone|teléfono|telefone|tlf|ph|tel\.?\s?no)\b|\b[tmf]\s?[:.]|☎|📞)\W{0,3}(?:\w+\W{1,3}){0,3}$"
)
PHONE_CONTEXT_WINDOW = 40

# `@handle` said to be on a messenger: "my telegram is @jdoe", "WhatsApp: @x".
HANDLE_RE = re.compile(
    r"(?i)\b(telegram|whats\s?app|skype|signal|wechat|viber|instagram|insta|twitter|tiktok|snapchat|"
    r"discord|kik|threads|x)\b[^@\n]{0,30}?(?<![\w.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,31})(?![\w@])"
)

# Social profile links written without a scheme: `t.me/jdoe`, `linkedin.com/in/jdoe`.
BARE_SOCIAL_RE = re.compile(
    r"(?<![\w./-])(?:www\.)?(?:t\.me|telegram\.me|wa\.me|linkedin\.com/in|instagram\.com|x\.com|twitter\.com"
    r"|facebook\.com|github\.com|tiktok\.com|vk\.com)/@?[A-Za-z0-9_.-]{2,64}"
)

# -- trimming -----------------------------------------------------------------

_TAIL_JUNK = frozenset(".,;:!?'\"*>]})\u2019\u201d\u00bb")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def strip_url_tail(url: str) -> str:
    """Trim sentence punctuation and markup glued to the end of a URL in text.

    A closing bracket stays when it closes one opened inside the URL
    (`https://en.wikipedia.org/wiki/Foo_(bar)`). One pass from the end with
    counts taken once, so linear even for `http://a.com)))))...`.
    """
    end = len(url)
    if end == 0 or url[-1] not in _TAIL_JUNK:
        return url
    balance = {c: url.count(c) - url.count(o) for c, o in _CLOSERS.items()}
    while end:
        ch = url[end - 1]
        if ch not in _TAIL_JUNK:
            break
        if ch in _CLOSERS:
            if balance[ch] <= 0:
                break
            balance[ch] -= 1
        end -= 1
    return url[:end]
