"""Compiled scan patterns for indicator extraction, and the text clean-ups before the scan.

Two properties matter, and every pattern here is shaped by them.

Linear time on any input (reports are attacker-written):
- a repetition is either bounded (`{1,64}`) or the last thing in the pattern,
  so a failed attempt never rescans an unbounded run;
- a pattern that could start anywhere inside a run (`a.a.a.a...`) either
  succeeds and consumes the run, or cannot start inside it;
- validation (public suffix, checksums, lengths) happens in Python on the
  few matches, never in the pattern.
tests/analysis/test_indicators.py checks adversarial inputs (`"a." * 50000`,
`"http://a" * 12500`, ...) against a time bound.

Speed: CPython's `re` finds a literal first character with a fast C search
(1-2 GB/s here) but tries a pattern that starts with a character class, a
look-behind or `\\b` at every position (20-70 MB/s). So the scans are
anchored on a literal where one exists: `://`-schemes, `@`, `.`, `+`,
`www.`, and the look-behind that keeps a match at the start of a token comes
after the first character, not before it. Token boundaries a literal cannot
express are found by a short bounded walk in Python (indicators.py).
"""

from __future__ import annotations

import re

# -- refanging ----------------------------------------------------------------

# Each family of defanging has a cheap gate, and its substitutions run only
# when the gate finds something: most mail is not defanged, and a failed
# literal-led search costs far less than a substitution pass (the
# substitutions, led by a look-behind or a class, run at ~13 MB/s).
_BRACKET_GATES = (
    re.compile(r"\[\s?(?:\.|dot|DOT|at|AT|@|:|//|://)\s?\]"),
    re.compile(r"\(\s?(?:\.|dot|DOT|at|AT|@|:)\s?\)"),
    re.compile(r"\{\s?(?:\.|dot|DOT|at|AT|@)\s?\}"),
)
_BRACKET_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[:?//\]|\[:\]//|\[://\]"), "://"),
    (re.compile(r"(?<=[\w\]\)])\s?[\[\(\{]\s?(?:\.|dot|DOT)\s?[\]\)\}]\s?(?=\w)"), "."),
    (re.compile(r"(?<=[\w\]\)])\s?[\[\(\{]\s?(?:@|at|AT)\s?[\]\)\}]\s?(?=\w)"), "@"),
    (re.compile(r"(?<=[a-zA-Z])[\[\(]:[\]\)](?=//)"), ":"),
)
# `hxxp:`, `hXXps[:]`, `fxp:`: the `x` is rare in text, so a class-led gate
# on "xp" followed by a colon is fast; it fires on neither prose nor base64.
_SCHEME_GATE = re.compile(r"[xX][pP][sS]?\s?[\[\(]?:")
_SCHEME_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[hH][xX]{2}[pP]([sS]?)(?=\s?[\[\(]?:)"), r"http\1"),
    (re.compile(r"[fF][xX][pP](?=\s?[\[\(]?:)"), "ftp"),
)

# Quoted-printable debris: a report pasted from a raw message keeps `=3D` for
# `=` and soft line breaks (`=` at a line end) that cut URLs in two.
_QP_GATE = re.compile(r"=3[dD]|=\r?\n")
_QP_SOFT_BREAK = re.compile(r"=\r?\n")
_QP_EQUALS = re.compile(r"=3[dD]")


def refang(text: str) -> str:
    """Undo common defanging (`hxxps://evil[.]com`, `user[@]evil(dot)com`) and QP debris.

    A no-op, at the cost of a few literal-led searches, for text that has none.
    """
    if _SCHEME_GATE.search(text):
        for pattern, replacement in _SCHEME_SUBS:
            text = pattern.sub(replacement, text)
    if any(gate.search(text) for gate in _BRACKET_GATES):
        for pattern, replacement in _BRACKET_SUBS:
            text = pattern.sub(replacement, text)
    if _QP_GATE.search(text):
        text = _QP_EQUALS.sub("=", _QP_SOFT_BREAK.sub("", text))
    return text


# -- scan patterns ------------------------------------------------------------

# A URL runs to the first character that cannot be in one as written in text.
# Unbounded but final, so linear; the junk it picks up at the end (closing
# punctuation, quotes) is trimmed by strip_url_tail.
URL_CHARS = r"[^\s<>\"'`{}|\\^\u00ab\u00bb\u201c\u201d\u2018\u2019\u3000\uff1c\uff1e]"
URL_RE = re.compile(r"[hHfF](?:[tT][tT][pP][sS]?|[tT][pP])://" + URL_CHARS + "+")
# `www.` without a scheme; the look-behind (after the literal, five wide)
# keeps it from starting inside another host name or path.
WWW_RE = re.compile(r"(?:www|WWW)\.(?<![\w./@-]....)(?=\w)" + URL_CHARS + "+")
# The rest of a URL after its host, for URLs written without a scheme.
URL_TAIL_RE = re.compile(URL_CHARS + "*")

# A dot followed by a letter: where a host name may be. Literal-led, so the
# scan skips prose at C speed; the token around it is found by HOST_RE.match
# from the start of the label (a bounded walk back in Python).
DOT_LETTER_RE = re.compile(r"\.[^\W\d_]")
HOST_RE = re.compile(r"(?:[^\W_][\w-]{0,62}\.)+[^\W\d_][\w-]{0,62}")
LABEL_MAX = 63

# The domain of an address, from the `@`. The local part before it is walked
# back in Python, at most 64 characters (RFC 5321).
AT_HOST_RE = re.compile(r"@((?:[^\W_][\w-]{0,62}\.)+[^\W\d_][\w-]{0,62})")
LOCAL_MAX = 64

# IPv4 only runs when the literal-led gate sees `.d.d.`.
IPV4_GATE = re.compile(r"\.\d{1,3}\.\d{1,3}\.")
IPV4_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d]|\.\d)")

# IPv6: every address has `::` or seven colons; times (10:30:45) have two.
IPV6_GATE = re.compile(r"::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
IPV6_RE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)"
)

# Hashes, wallets: every one is a run of 25+ ASCII alphanumerics with a digit
# early on (addresses start with one; a 32-hex digest has none in its first
# 16 characters with probability (6/16)^16, about 1e-7). Anchoring on an ASCII
# digit lets the scan skip letters at C speed (170 vs 37 MB/s for a plain
# `[0-9A-Za-z]{25,}` here); indicators.py walks back to the start of the run,
# at most LONG_TOKEN_MAX characters, and classifies it by length, alphabet
# and checksum.
LONG_TOKEN_RE = re.compile(r"[0-9][0-9A-Za-z]{16,}")
LONG_TOKEN_MIN = 25
LONG_TOKEN_MAX = 110

# IBAN: country, check digits, then groups of up to four. Bounded groups keep
# it linear; the country's length and mod-97 decide.
IBAN_RE = re.compile(
    r"[A-Z][A-Z]\d\d(?<![0-9A-Za-z]....)(?:[ \u00a0]?[0-9A-Z]{4}){2,7}(?:[ \u00a0]?[0-9A-Z]{1,3})?(?![0-9A-Za-z])"
)

# Phones. With a `+` the scan is literal-led; national-format candidates are
# bounded digit runs that only count next to a phone word (PHONE_CONTEXT_RE,
# run on a 40-character window before the candidate).
# ASCII [0-9] rather than \d: the Unicode category test is ~2x slower.
PLUS_PHONE_RE = re.compile(r"\+\(?[0-9][0-9 \u00a0().-]{5,20}[0-9](?![\w/]|[.,][0-9])")
# The look-behind after the first character makes an attempt inside a long
# digit run fail at once instead of after 20 steps.
NATIONAL_PHONE_RE = re.compile(r"[0-9(](?<![\w+/.,-][0-9(])[0-9 \u00a0().-]{5,20}[0-9](?![\w/]|[.,][0-9])")
PHONE_CONTEXT_RE = re.compile(
    r"(?i)(?:\b(?:tel|phone|call|mobile|mob|cell|fax|whats\s?app|sms|text|hotline|dial|contact|ring|"
    r"telefon|téléphone|teléfono|telefone|tlf|ph|tel\.?\s?no)\b|\b[tmf]\s?[:.]|☎|📞)\W{0,3}(?:\w+\W{1,3}){0,3}$"
)
PHONE_CONTEXT_WINDOW = 40

# `@handle` said to be on a messenger: "my telegram is @jdoe", "WhatsApp: @x".
# Literal-led on `@`; the platform word is looked for in a window before it.
HANDLE_RE = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.]{1,31})(?![\w@])")
HANDLE_CONTEXT_RE = re.compile(
    r"(?i)\b(telegram|whats\s?app|skype|signal|wechat|viber|instagram|insta|twitter|tiktok|snapchat|"
    r"discord|kik|threads|x)\b[^@\n]{0,30}$"
)
HANDLE_CONTEXT_WINDOW = 48
# "@jdoe on Telegram", "@jdoe (WhatsApp)": the platform named just after the
# handle. Words that are also common English ("x", "threads") only count before it.
HANDLE_AFTER_RE = re.compile(
    r"(?i)^[^@\n]{0,16}?\b(telegram|whats\s?app|skype|signal|wechat|viber|instagram|insta|twitter|tiktok|"
    r"snapchat|discord|kik)\b"
)
HANDLE_AFTER_WINDOW = 30

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
