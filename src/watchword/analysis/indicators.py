"""Indicator extraction: the observables in a report, normalised and deduplicated.

Pipeline stage `extract_indicators(doc)`. Sources, in reading order: the
sender headers (From, Reply-To, Return-Path), the subject, the readable
body text, then the link targets behind the text (doc.links). The hot path
is a handful of compiled, linear-time regex scans (patterns.py) over one
joined string; the slow libraries (tldextract, idna, phonenumbers) only see
the few candidates the scans produce, and their answers are cached.

Indicator values (types as in domain.INDICATOR_TYPES):
  url     canonical absolute URL (urls.normalise_url)
  domain  every URL/address host and its registrable domain, IDNA-encoded
  ipv4, ipv6, email (lower case), phone (E.164)
  md5, sha1, sha256 (lower case), btc, eth (lower case), xmr
  iban    compact upper case, mod-97 checked
  social  `platform/handle`, e.g. `linkedin.com/in/jane-doe`, `t.me/jdoe`, `skype:jdoe`
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from urllib.parse import unquote

import phonenumbers

from watchword.analysis import patterns as pat
from watchword.analysis.checksums import B58_INDEX, base58check_ok, bech32_ok, iban_ok
from watchword.analysis.redirectors import unwrap
from watchword.analysis.urls import (
    CACHE_KEY_MAX,
    normalise_host,
    normalise_url,
    registrable_domain,
    social_profile,
    split_url,
)
from watchword.domain import Document, Indicator

# Without a `+`/`00` prefix a number only counts as a phone next to a phone
# word, and is then read in this region's national format. NANP is the most
# common national format in the English-language scams seen so far; a
# deployment elsewhere changes this one constant.
DEFAULT_PHONE_REGION = "US"

_SENDER_HEADERS = ("from", "reply-to", "return-path")
_HASH_TYPES = {32: "md5", 40: "sha1", 64: "sha256"}
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")

Hit = tuple[int, str, str]  # (position in the scanned text, type, value)


# Budgets: a mail with ~26k URLs made 60k indicators, overflowed SQLite's
# bound-parameter limit and took ~9 s to analyse per MB. Each scan reads at
# most MAX_HITS_PER_SCAN matches, the link targets read stop at
# MAX_LINK_TARGETS, and a report keeps at most MAX_INDICATORS indicators, in
# reading order; the counts of what was found are kept and the analysis says so.
MAX_HITS_PER_SCAN = 3_000
MAX_LINK_TARGETS = 5_000
MAX_INDICATORS = 5_000


def extract_indicators(doc: Document) -> None:
    """Fill doc.indicators from the headers, subject, body text and links."""
    sources = [doc.headers.get(name, "") for name in _SENDER_HEADERS] if doc.kind == "email" else []
    sources += [doc.subject, doc.body_text]
    text = pat.refang("\n".join(s for s in sources if s))
    capped_scans: list[str] = []
    hits = sorted(scan_text(text, MAX_HITS_PER_SCAN, capped_scans), key=lambda hit: hit[0])  # stable order
    found: dict[tuple[str, str], None] = {}
    for _, kind, value in hits:
        found.setdefault((kind, value), None)
    for link in doc.links[:MAX_LINK_TARGETS]:
        for kind, value in indicators_of_target(link.target):
            found.setdefault((kind, value), None)
    counts: dict[str, int] = {}
    for kind, _ in found:
        counts[kind] = counts.get(kind, 0) + 1
    doc.indicator_counts = counts
    if capped_scans or len(doc.links) > MAX_LINK_TARGETS or len(found) > MAX_INDICATORS:
        by_type = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        # Counted in C over the whole text, so the size of the flood is known even past the cap.
        url_count = text.count("://") if "urls" in capped_scans else None
        doc.warnings.append(
            "indicators: budget hit: "
            + (f"{url_count} URLs ('://') in the text; " if url_count is not None else "")
            + f"{len(found)} distinct read ({by_type}), the first "
            f"{min(len(found), MAX_INDICATORS)} kept; scans stopped early: {', '.join(capped_scans) or 'none'}; "
            f"link targets read: {min(len(doc.links), MAX_LINK_TARGETS)} of {len(doc.links)}"
        )
    doc.indicators = [Indicator(type=kind, value=value) for kind, value in itertools.islice(found, MAX_INDICATORS)]


def find_indicators(text: str) -> list[Indicator]:
    """All indicators in a free text, deduplicated in first-seen order (for tools and tests)."""
    hits = sorted(scan_text(pat.refang(text)), key=lambda hit: hit[0])
    return [Indicator(type=k, value=v) for k, v in dict.fromkeys((k, v) for _, k, v in hits)]


def scan_text(text: str, max_hits: int | None = None, capped: list[str] | None = None) -> Iterator[Hit]:
    """Every indicator hit in an already refanged text, grouped by scan (callers sort by position).

    With `max_hits`, each scan stops after that many hits, and the names of
    the scans that stopped are appended to `capped`.
    """
    scans: list[Callable[[str], Iterable[Hit]]] = [_urls, _domains]
    if "@" in text:
        scans += [_emails, _handles]
    scans += [_ips, _long_tokens, _ibans, _phones]
    for scan in scans:
        if max_hits is None:
            yield from scan(text)
            continue
        for taken, hit in enumerate(scan(text)):
            if taken == max_hits:
                if capped is not None:
                    capped.append(scan.__name__.strip("_"))
                break
            yield hit


def indicators_of_target(target: str) -> tuple[tuple[str, str], ...]:
    """Indicators of one link target (href, form action, image source).

    Cached: newsletters and campaigns repeat the same targets thousands of
    times. Long targets are not cached (see urls.CACHE_KEY_MAX).
    """
    return _target_cached(target) if len(target) <= CACHE_KEY_MAX else _target_indicators(target)


def _target_indicators(target: str) -> tuple[tuple[str, str], ...]:
    scheme = target[:7].lower()
    if scheme.startswith("mailto:"):
        address = target[7:].split("?", 1)[0]
        return tuple((k, v) for _, k, v in _emails(address))
    if scheme.startswith(("tel:", "sms:")):
        phone = _phone_value(target[4:].split(";", 1)[0].split("?", 1)[0], None)
        return (("phone", phone),) if phone else ()
    if scheme.startswith(("data:", "cid:")):
        return ()  # embedded content (often 100+ kB of base64), not a place
    # No refanging here: a browser follows the target as written, and a
    # defanged target goes nowhere.
    url = normalise_url(target) if "://" in target else None
    if url is None:
        # javascript:, relative paths: whatever URLs they spell out.
        return tuple((k, v) for _, k, v in sorted(_urls(target), key=lambda hit: hit[0]))
    return _url_values(url)


_target_cached = lru_cache(maxsize=16384)(_target_indicators)


# -- URLs, hosts, addresses -----------------------------------------------------


def _urls(text: str) -> Iterator[Hit]:
    if "://" in text:
        for match in pat.URL_RE.finditer(text):
            url = normalise_url(pat.strip_url_tail(match.group()))
            if url is not None:
                for kind, value in _url_values(url):
                    yield match.start(), kind, value
    if "www." in text or "WWW." in text:
        for match in pat.WWW_RE.finditer(text):
            url = normalise_url("http://" + pat.strip_url_tail(match.group()))
            if url is not None:
                for kind, value in _url_values(url):
                    yield match.start(), kind, value


def _url_values(url: str) -> tuple[tuple[str, str], ...]:
    return _url_indicators(url) if len(url) <= CACHE_KEY_MAX else _url_indicators.__wrapped__(url, True)


@lru_cache(maxsize=16384)
def _url_indicators(url: str, nested: bool = True) -> tuple[tuple[str, str], ...]:
    wrapped = unwrap(url)
    if wrapped is not None:
        # A gateway's or ad network's redirector: the destination is the indicator;
        # the wrapper (shared by everyone) stays in the report's links as context.
        if wrapped.target is not None:
            return _url_indicators(wrapped.target, nested=False)
        host = normalise_host(wrapped.target_host) if wrapped.target_host else None
        return _host_indicators(host) if host else ()
    parts = split_url(url)
    host = parts[2] if parts else ""
    out = [("url", url), *_host_indicators(host)]
    out.extend(_profile_values(social_profile(url)))
    if nested and parts is not None and ("://" in parts[4] or "%3A%2F%2F" in parts[4].upper()):
        for inner in _nested_urls(parts[4]):
            out.extend(_url_indicators(inner, nested=False))
    return tuple(out)


def _nested_urls(rest: str) -> list[str]:
    """URLs carried inside another URL: redirectors (`?url=https%3A%2F%2Fevil...`), archive paths.

    Each query parameter is decoded on its own, so the outer URL's `&t=1`
    does not stick to the inner one. One level deep.
    """
    path, _, query = rest.partition("?")
    pieces = [path] if "://" in path else []
    pieces += [unquote(p.partition("=")[2]) for p in query.split("&") if "://" in p or "%3a%2f%2f" in p.lower()]
    urls = []
    for piece in pieces:
        for match in pat.URL_RE.finditer(piece):
            inner = normalise_url(pat.strip_url_tail(match.group()))
            if inner is not None:
                urls.append(inner)
    return urls


def _profile_values(profile: str | None) -> list[tuple[str, str]]:
    """A social profile, and the phone number behind a WhatsApp `wa.me/<number>` link."""
    if not profile:
        return []
    if profile.startswith("wa.me/") and profile[6:].isdigit():
        phone = _phone_value("+" + profile[6:], None)
        if phone:
            return [("social", profile), ("phone", phone)]
    return [("social", profile)]


@lru_cache(maxsize=16384)
def _host_indicators(host: str) -> tuple[tuple[str, str], ...]:
    """A normalised host as indicators: the IP, or the host and its registrable domain."""
    if not host:
        return ()
    if host[0] == "[":
        return (("ipv6", host[1:-1]),)
    if host[0].isdigit() and pat.IPV4_RE.fullmatch(host):
        return (("ipv4", host),)
    domain = registrable_domain(host)
    if not domain:
        return ()
    return (("domain", host),) if domain == host else (("domain", host), ("domain", domain))


# Common file names whose extension happens to be a TLD: in running text
# `invoice.zip` or `setup.py` is a file, not a host. In a URL it is a host.
_FILE_LIKE_TLDS = frozenset({"zip", "mov", "py", "md", "sh", "rs", "ts", "pl", "cs", "js"})
_LABEL_PUNCT = frozenset("-_")
# A URL without a scheme counts only where a word starts, not inside a path or query.
_BEFORE_BARE_URL = frozenset(" \t\n\r(<[{\"'`,;:*\u00a0\u201c\u2018\u00ab>")
_LOCAL_PUNCT = frozenset(".%+'-_")
_NO_PUNCT: frozenset[str] = frozenset()


def _label_start(text: str, end: int, limit: int, punct: frozenset[str]) -> int:
    """Start of the run of word characters (and `punct`) ending at `end`, looking back at most `limit`.

    Returns -1 when the run is longer than `limit`: too long to be a label
    or a local part, and not to be matched from its middle.
    """
    start = end
    floor = max(0, end - limit)
    while start > floor and (text[start - 1].isalnum() or text[start - 1] in punct):
        start -= 1
    if start == floor and start > 0 and (text[start - 1].isalnum() or text[start - 1] in punct):
        return -1
    return start


def _domains(text: str) -> Iterator[Hit]:
    search, match_host = pat.DOT_LETTER_RE.search, pat.HOST_RE.match
    pos = 0
    while (dot := search(text, pos)) is not None:
        start = _label_start(text, dot.start(), pat.LABEL_MAX + 1, _LABEL_PUNCT)
        found = match_host(text, start) if 0 <= start < dot.start() else None
        if found is None:
            pos = dot.start() + 1
            continue
        pos = found.end()
        if start and text[start - 1] in "@.":
            continue  # an address's domain (emitted with the address), or a label we cannot trust
        if start and text[start - 1] == "%" and found.end() - start > 2:
            # `%2F%2Fevil.com` in an encoded URL: the two hex digits belong to the escape.
            start += 2
            found = match_host(text, start)
            if found is None:
                continue
        candidate = found.group().rstrip("-_")
        tld = candidate.rsplit(".", 1)[-1]
        if tld in _FILE_LIKE_TLDS and candidate.count(".") == 1:
            continue
        host = normalise_host(candidate)
        if host is None:
            continue
        for kind, value in _host_indicators(host):
            yield start, kind, value
        if not text.startswith("/", pos) or (start and text[start - 1] not in _BEFORE_BARE_URL):
            continue  # no path; or a path segment, a query value, the host of a URL with a scheme
        # A URL written without a scheme: `evil.example.com/login`, `t.me/jdoe`.
        # Its path is consumed here (pos moves past it), so `a.com/a.com/...`
        # is read once, not once per host.
        tail = pat.URL_TAIL_RE.match(text, pos)
        path = pat.strip_url_tail(tail.group()) if tail else ""
        pos += len(path)
        url = normalise_url(f"http://{host}{path}") if len(path) > 1 else None
        if url is not None:
            for kind, value in _url_values(url):
                yield start, kind, value


def _emails(text: str) -> Iterator[Hit]:
    for match in pat.AT_HOST_RE.finditer(text):
        at = match.start()
        start = _label_start(text, at, pat.LOCAL_MAX, _LOCAL_PUNCT)
        if start < 0 or start == at or (start and text[start - 1] == "/"):
            continue  # no local part, one too long, or userinfo in a URL (`http://user@host`)
        local = text[start:at].strip(".'")
        norm_host = normalise_host(match.group(1).rstrip("-_"))
        if not local or norm_host is None or norm_host[0] == "[":
            continue
        yield start, "email", f"{local.lower()}@{norm_host}"
        for kind, value in _host_indicators(norm_host):
            yield start, kind, value


_HANDLE_PLATFORMS = {
    "telegram": "t.me/",
    "instagram": "instagram.com/",
    "insta": "instagram.com/",
    "twitter": "x.com/",
    "x": "x.com/",
    "tiktok": "tiktok.com/@",
    "threads": "threads.net/@",
}


def _handles(text: str) -> Iterator[Hit]:
    for match in pat.HANDLE_RE.finditer(text):
        at = match.start()
        if at and (text[at - 1].isalnum() or text[at - 1] in "._%+-"):
            continue  # an email address, not a handle
        context = pat.HANDLE_CONTEXT_RE.search(text, max(0, at - pat.HANDLE_CONTEXT_WINDOW), at)
        if context is None:
            context = pat.HANDLE_AFTER_RE.search(text[match.end() : match.end() + pat.HANDLE_AFTER_WINDOW])
        if context is None:
            continue
        platform = "".join(context.group(1).lower().split())
        handle = match.group(1).rstrip(".").lower()
        yield at, "social", _HANDLE_PLATFORMS.get(platform, platform + ":") + handle


# -- IPs, hashes, wallets, IBANs ----------------------------------------------------


def _ips(text: str) -> Iterator[Hit]:
    if pat.IPV4_GATE.search(text):
        for match in pat.IPV4_RE.finditer(text):
            start, value = match.start(), match.group()
            if start and (text[start - 1].isalnum() or text[start - 1] == "."):
                continue  # part of a longer dotted number or a version (`v10.0.0.1`, an OID)
            octets = value.split(".")
            if all(int(o) <= 255 and (o == "0" or o[0] != "0") for o in octets):
                yield start, "ipv4", value
    if pat.IPV6_GATE.search(text):
        for match in pat.IPV6_RE.finditer(text):
            candidate = match.group()
            if "::" not in candidate and candidate.count(":") < 7:
                continue
            try:
                address = ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            if address.is_unspecified:
                continue  # a bare `::` is a separator in prose and code, not an address
            yield match.start(), "ipv6", address.compressed


_HASH_TYPES = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


# Words that say a hex digest names a file: the algorithm, "hash", "attachment",
# a file name with an extension nearby.
_FILE_CONTEXT = re.compile(
    r"(?i)(?:md5|sha-?1|sha-?256|sha256|sha1|hash|checksum|digest|file|attachment|anhang|pièce jointe|sample|"
    r"payload|malware|virustotal|\.(?:exe|dll|scr|zip|rar|7z|iso|img|lnk|js|vbs|hta|docm?|xlsm?|pptm?|pdf|one|msi|jar|bat|ps1))"
)
_FILE_CONTEXT_BEFORE = 80
_FILE_CONTEXT_AFTER = 40


def _file_context(text: str, start: int, end: int) -> bool:
    return (
        _FILE_CONTEXT.search(text, max(0, start - _FILE_CONTEXT_BEFORE), start) is not None
        or _FILE_CONTEXT.search(text[end : end + _FILE_CONTEXT_AFTER]) is not None
    )


def _in_url(text: str, start: int) -> bool:
    """Whether the token at `start` sits inside a URL or a query (looks back to the last whitespace)."""
    floor = max(0, start - 2048)
    word_start = max(text.rfind(" ", floor, start), text.rfind("\n", floor, start), text.rfind("\t", floor, start))
    before = text[word_start + 1 : start]
    return "://" in before or before.lower().startswith("www.") or any(ch in before for ch in "/=?&%")


def _long_tokens(text: str) -> Iterator[Hit]:
    """Hashes and wallet addresses, told apart by length, alphabet and checksum."""
    for match in pat.LONG_TOKEN_RE.finditer(text):
        start = _label_start(text, match.start(), pat.LONG_TOKEN_MAX, _NO_PUNCT)
        token = text[start : match.end()] if start >= 0 else ""
        size = len(token)
        if not pat.LONG_TOKEN_MIN <= size <= pat.LONG_TOKEN_MAX or not token.isascii():
            continue  # too short, too long, or the tail of a non-ASCII word
        kind = _HASH_TYPES.get(size)
        if kind and _HEX_RE.fullmatch(token):
            # All digits is an account or order number; a hex token in a URL is a
            # session or tracking id; a digest means a file only where the text says so.
            if not token.isdigit() and not _in_url(text, start) and _file_context(text, start, match.end()):
                yield start, kind, token.lower()
        elif size == 42 and token[0] == "0" and token[1] in "xX" and _HEX_RE.fullmatch(token, 2):
            yield start, "eth", token.lower()
        elif token[:3].lower() == "bc1" and size <= 90:
            if (token.islower() or token.isupper()) and bech32_ok(token.lower()):
                yield start, "btc", token.lower()
        elif token[0] in "13" and size <= 35:
            if base58check_ok(token, (0, 5)):
                yield start, "btc", token
        elif (
            token[0] in "48"
            and size in (95, 106)
            and token[1] in "0123456789AB"
            and all(ch in B58_INDEX for ch in token)
        ):
            yield start, "xmr", token


def _ibans(text: str) -> Iterator[Hit]:
    for match in pat.IBAN_RE.finditer(text):
        value = match.group().replace(" ", "").replace("\u00a0", "")
        if iban_ok(value):
            yield match.start(), "iban", value


# -- phones ---------------------------------------------------------------------

_PHONE_BEFORE = frozenset("+/.,-_")


def _phones(text: str) -> Iterator[Hit]:
    plus_ends: dict[int, int] = {}  # start -> end of each `+` candidate, so its tail is not re-read
    if "+" in text:
        for match in pat.PLUS_PHONE_RE.finditer(text):
            start = match.start()
            if start and text[start - 1].isalnum():
                continue
            plus_ends[start] = match.end()
            value = _phone_value(match.group(), None)
            if value:
                yield start, "phone", value
    spans = iter(sorted(plus_ends.items()))
    span = next(spans, None)
    for match in pat.NATIONAL_PHONE_RE.finditer(text):
        start, candidate = match.start(), match.group()
        while span is not None and span[1] <= start:
            span = next(spans, None)
        if span is not None and span[0] <= start:
            continue  # the national-looking tail of `+44 20 7946 0958`
        if start and (text[start - 1].isalnum() or text[start - 1] in _PHONE_BEFORE):
            continue  # inside a longer token
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 15:
            continue
        if candidate.startswith("00"):
            region = None  # international prefix: no context needed
        elif _DATE_LIKE.fullmatch(candidate) or not _phone_context(text, start):
            continue  # order numbers, dates, prices: a bare number is not a phone without a phone word
        else:
            region = DEFAULT_PHONE_REGION
        value = _phone_value(candidate, region)
        if value:
            yield start, "phone", value


def _phone_context(text: str, start: int) -> bool:
    return pat.PHONE_CONTEXT_RE.search(text, max(0, start - pat.PHONE_CONTEXT_WINDOW), start) is not None


@lru_cache(maxsize=4096)
def _phone_value(candidate: str, region: str | None) -> str | None:
    candidate = candidate.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    digits = sum(c.isdigit() for c in candidate)
    if not 7 <= digits <= 15:
        return None
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def values(indicators: Iterable[Indicator], kind: str) -> list[str]:
    """The values of one type, in order (a convenience for callers and tests)."""
    return [i.value for i in indicators if i.type == kind]
