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

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import phonenumbers

from watchword.analysis import patterns as pat
from watchword.analysis.urls import (
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


def extract_indicators(doc: Document) -> None:
    """Fill doc.indicators from the headers, subject, body text and links."""
    sources = [doc.headers.get(name, "") for name in _SENDER_HEADERS] if doc.kind == "email" else []
    sources += [doc.subject, doc.body_text]
    text = pat.refang("\n".join(s for s in sources if s))
    hits = sorted(scan_text(text), key=lambda hit: hit[0])  # stable: keeps url -> host -> domain order
    found: dict[tuple[str, str], None] = {}
    for _, kind, value in hits:
        found.setdefault((kind, value), None)
    for link in doc.links:
        for kind, value in indicators_of_target(link.target):
            found.setdefault((kind, value), None)
    doc.indicators = [Indicator(type=kind, value=value) for kind, value in found]


def find_indicators(text: str) -> list[Indicator]:
    """All indicators in a free text, deduplicated in first-seen order (for tools and tests)."""
    hits = sorted(scan_text(pat.refang(text)), key=lambda hit: hit[0])
    return [Indicator(type=k, value=v) for k, v in dict.fromkeys((k, v) for _, k, v in hits)]


def scan_text(text: str) -> Iterator[Hit]:
    """Every indicator hit in an already refanged text, grouped by scan (callers sort by position)."""
    yield from _urls(text)
    yield from _domains(text)
    if "@" in text:
        yield from _emails(text)
        yield from _handles(text)
    yield from _ips(text)
    yield from _hashes(text)
    yield from _wallets(text)
    yield from _ibans(text)
    yield from _phones(text)
    if "/" in text:
        yield from _bare_social(text)


def indicators_of_target(target: str) -> list[tuple[str, str]]:
    """Indicators of one link target (href, form action, image source)."""
    scheme = target[:7].lower()
    if scheme.startswith("mailto:"):
        address = target[7:].split("?", 1)[0]
        return [(k, v) for _, k, v in _emails(address)]
    if scheme.startswith("tel:") or scheme.startswith("sms:"):
        phone = _phone_value(target[4:].split(";", 1)[0].split("?", 1)[0], None)
        return [("phone", phone)] if phone else []
    url = normalise_url(pat.refang(target)) if "://" in target else None
    if url is None:
        # javascript:, data:, relative paths: whatever URLs they spell out.
        return [(k, v) for _, k, v in sorted(_urls(pat.refang(target)), key=lambda hit: hit[0])]
    return list(_url_indicators(url))


# -- URLs, hosts, addresses -----------------------------------------------------


def _urls(text: str) -> Iterator[Hit]:
    if "://" not in text and "ww." not in text and "WW." not in text:
        return
    for match in pat.URL_RE.finditer(text):
        raw = pat.strip_url_tail(match.group())
        if raw[:4].lower() == "www.":
            raw = "http://" + raw
        url = normalise_url(raw)
        if url is not None:
            for kind, value in _url_indicators(url):
                yield match.start(), kind, value


@lru_cache(maxsize=16384)
def _url_indicators(url: str) -> tuple[tuple[str, str], ...]:
    parts = split_url(url)
    host = parts[2] if parts else ""
    out = [("url", url), *_host_indicators(host)]
    profile = social_profile(url)
    if profile:
        out.append(("social", profile))
        if profile.startswith("wa.me/") and profile[6:].isdigit():
            phone = _phone_value("+" + profile[6:], None)
            if phone:
                out.append(("phone", phone))
    return tuple(out)


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


def _domains(text: str) -> Iterator[Hit]:
    for match in pat.DOMAIN_RE.finditer(text):
        candidate = match.group().rstrip("-_")
        if len(candidate) > 253 * 4:
            continue
        tld = candidate.rsplit(".", 1)[-1]
        if tld.lower() in _FILE_LIKE_TLDS and tld.islower() and "." not in candidate[: -len(tld) - 1]:
            continue
        host = normalise_host(candidate)
        if host is not None:
            for kind, value in _host_indicators(host):
                yield match.start(), kind, value


def _emails(text: str) -> Iterator[Hit]:
    for match in pat.EMAIL_RE.finditer(text):
        local, _, host = match.group().rpartition("@")
        local = local.strip(".")
        norm_host = normalise_host(host.rstrip("-_"))
        if not local or norm_host is None or norm_host[0] == "[":
            continue
        yield match.start(), "email", f"{local.lower()}@{norm_host}"
        for kind, value in _host_indicators(norm_host):
            yield match.start(), kind, value


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
        platform = re.sub(r"\s", "", match.group(1).lower())
        handle = match.group(2).rstrip(".").lower()
        prefix = _HANDLE_PLATFORMS.get(platform, platform + ":")
        yield match.start(2), "social", prefix + handle


def _bare_social(text: str) -> Iterator[Hit]:
    for match in pat.BARE_SOCIAL_RE.finditer(text):
        url = normalise_url("https://" + pat.strip_url_tail(match.group()))
        profile = social_profile(url) if url else None
        if profile:
            yield match.start(), "social", profile


# -- IPs, hashes, wallets, IBANs ----------------------------------------------------


def _ips(text: str) -> Iterator[Hit]:
    for match in pat.IPV4_RE.finditer(text):
        yield match.start(), "ipv4", match.group()
    if pat.IPV6_GATE.search(text):
        for match in pat.IPV6_RE.finditer(text):
            candidate = match.group()
            if "::" not in candidate and candidate.count(":") < 7:
                continue  # times (10:30:45) and the like
            try:
                address = ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            yield match.start(), "ipv6", address.compressed


def _hashes(text: str) -> Iterator[Hit]:
    for match in pat.HEX_RE.finditer(text):
        value = match.group()
        kind = _HASH_TYPES.get(len(value))
        # All digits: an order or account number, not a digest.
        if kind and not value.isdigit():
            yield match.start(), kind, value.lower()


def _wallets(text: str) -> Iterator[Hit]:
    for match in pat.BTC_RE.finditer(text):
        value = match.group()
        if _bech32_ok(value.lower()) if value[:3].lower() == "bc1" else _base58check_ok(value, (0, 5)):
            yield match.start(), "btc", value.lower() if value[:3].lower() == "bc1" else value
    if "0x" in text or "0X" in text:
        for match in pat.ETH_RE.finditer(text):
            yield match.start(), "eth", match.group().lower()
    for match in pat.XMR_RE.finditer(text):
        yield match.start(), "xmr", match.group()


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def _base58check_ok(value: str, versions: tuple[int, ...]) -> bool:
    number = 0
    for ch in value:
        number = number * 58 + _B58_INDEX[ch]
    pad = len(value) - len(value.lstrip("1"))
    try:
        raw = b"\0" * pad + number.to_bytes((number.bit_length() + 7) // 8, "big")
    except OverflowError:
        return False
    if len(raw) != 25 or raw[0] not in versions:
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_ok(value: str) -> bool:
    hrp, _, data = value.rpartition("1")
    if not hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [_BECH32.index(c) for c in data]
    for v in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate(generators):
            if (top >> i) & 1:
                checksum ^= g
    return checksum in (1, 0x2BC830A3)  # bech32 (segwit v0) or bech32m (taproot)


# Lengths per country (ISO 13616 registry); a mod-97 pass alone lets one in
# 97 random strings through.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(value: str) -> bool:
    """Known country, right length, and the ISO 7064 mod-97 check."""
    if _IBAN_LENGTHS.get(value[:2]) != len(value):
        return False
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[Hit]:
    for match in pat.IBAN_RE.finditer(text):
        value = match.group().replace(" ", "").replace("\u00a0", "")
        if iban_ok(value):
            yield match.start(), "iban", value


# -- phones ---------------------------------------------------------------------


def _phones(text: str) -> Iterator[Hit]:
    for match in pat.PHONE_RE.finditer(text):
        candidate = match.group()
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 15:
            continue
        if candidate[0] == "+" or candidate.startswith("00"):
            region = None
        elif _DATE_LIKE.fullmatch(candidate.strip()) or not _phone_context(text, match.start()):
            continue  # order numbers, dates, prices: a bare number is not a phone without a phone word
        else:
            region = DEFAULT_PHONE_REGION
        value = _phone_value(candidate, region)
        if value:
            yield match.start(), "phone", value


def _phone_context(text: str, start: int) -> bool:
    window = text[max(0, start - pat.PHONE_CONTEXT_WINDOW) : start]
    return pat.PHONE_CONTEXT_RE.search(window) is not None


@lru_cache(maxsize=4096)
def _phone_value(candidate: str, region: str | None) -> str | None:
    candidate = candidate.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
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
