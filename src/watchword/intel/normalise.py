"""Indicator values from outside, normalised the way the pipeline normalises
what it extracts, so that "known bad" matching is plain equality on (type, value).

Feeds arrive defanged (`hxxp://evil[.]com`), in upper case, with ports and
trailing dots; the pipeline stores canonical forms (analysis.indicators).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import phonenumbers

from watchword.analysis.patterns import refang
from watchword.analysis.urls import normalise_host, normalise_url, registrable_domain

_HEX = re.compile(r"[0-9a-fA-F]+")
_HASH_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256"}
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_BTC = re.compile(r"(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71})", re.IGNORECASE)


def normalise(indicator_type: str, raw: str) -> str | None:
    """The canonical value of `raw` as `indicator_type`, or None when it is not one."""
    value = refang(raw.strip()).strip()
    if not value:
        return None
    kind = indicator_type
    if kind == "url":
        if "://" not in value:
            value = "http://" + value
        return normalise_url(value)
    if kind == "domain":
        host = normalise_host(value.lower().rstrip("."))
        if host is None or host[0] == "[" or _is_ip(host):
            return None
        return host
    if kind in ("ipv4", "ipv6"):
        try:
            address = ipaddress.ip_address(value.strip("[]").split("%", 1)[0])
        except ValueError:
            return None
        if (address.version == 4) != (kind == "ipv4"):
            return None
        return address.compressed
    if kind == "email":
        local, at, host = value.rpartition("@")
        norm_host = normalise_host(host) if at and local else None
        if norm_host is None or norm_host[0] == "[":
            return None
        return f"{local.lower()}@{norm_host}"
    if kind in ("md5", "sha1", "sha256"):
        return value.lower() if _HEX.fullmatch(value) and _HASH_BY_LENGTH.get(len(value)) == kind else None
    if kind == "phone":
        candidate = "+" + value[2:] if value.startswith("00") else value
        try:
            number = phonenumbers.parse(candidate, None)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == "iban":
        compact = re.sub(r"\s", "", value).upper()
        return compact if _IBAN.fullmatch(compact) else None
    if kind == "eth":
        return value.lower() if _ETH.fullmatch(value) else None
    if kind == "btc":
        if not _BTC.fullmatch(value):
            return None
        return value.lower() if value[:3].lower() == "bc1" else value
    if kind == "xmr":
        return value if re.fullmatch(r"[48][1-9A-HJ-NP-Za-km-z]{94,105}", value) else None
    if kind == "social":
        return value.lower()
    return None


# A range wider than this would match half the internet: a feed's /0 or /4 is a mistake, not intel.
MIN_PREFIX = {4: 8, 6: 16}


def ip_or_network(raw: str) -> tuple[str, str] | None:
    """("ipv4" | "ipv6", address) for an address (or a /32, /128), ("cidr", network) for a
    range (`198.51.7.9/16` -> `198.51.0.0/16`), None for anything else or a range too wide."""
    value = refang(raw.strip()).strip().strip("[]")
    if "/" not in value:
        kind = "ipv6" if ":" in value else "ipv4"
        address = normalise(kind, value)
        return (kind, address) if address else None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if network.prefixlen == network.max_prefixlen:
        return f"ipv{network.version}", network.network_address.compressed
    if network.prefixlen < MIN_PREFIX[network.version]:
        return None
    return "cidr", network.compressed


def typed(indicator_type: str, raw: str) -> tuple[str, str] | None:
    """(type, canonical value): like `normalise`, except that an IP address field may hold a
    range (MISP's ip-dst, STIX's ipv4-addr and CSV columns do), which becomes type "cidr"."""
    if indicator_type in ("ipv4", "ipv6", "ip", "cidr"):
        return ip_or_network(raw)
    value = normalise(indicator_type, raw)
    return (indicator_type, value) if value is not None else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def infer_type(raw: str) -> str | None:
    """The indicator type of a bare value in a one-per-line list, or None."""
    value = refang(raw.strip())
    if not value:
        return None
    if "://" in value or value.lower().startswith("www."):
        return "url"
    if "@" in value:
        return "email"
    if _is_ip(value.strip("[]")):
        return "ipv6" if ":" in value else "ipv4"
    if "/" in value and _is_ip(value.partition("/")[0].strip("[]")):
        return "cidr"  # an address with a prefix: a range (typed() refuses a bad or too wide one)
    if _HEX.fullmatch(value) and len(value) in _HASH_BY_LENGTH:
        return _HASH_BY_LENGTH[len(value)]
    if _ETH.fullmatch(value):
        return "eth"
    if value.startswith("+") and sum(c.isdigit() for c in value) >= 7:
        return "phone"
    compact = re.sub(r"\s", "", value).upper()
    if _IBAN.fullmatch(compact) and compact[:2].isalpha():
        return "iban"
    if "/" in value:
        return "url"
    if "." in value:
        return "domain"
    if _BTC.fullmatch(value):
        return "btc"
    return None


def match_keys(indicators: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (type, value) keys a report is looked up by: its indicators, plus the
    registrable domain of every URL and host (a feed often lists only `evil.com`
    while the message links to `login.evil.com/x`)."""
    keys = set(indicators)
    for kind, value in indicators:
        host = ""
        if kind == "url":
            rest = value.partition("://")[2]
            host = re.split(r"[/?#\\]", rest, maxsplit=1)[0].rpartition("@")[2].split(":")[0]
        elif kind == "domain":
            host = value
        elif kind == "email":
            host = value.rpartition("@")[2]
        if host and not host.startswith("["):
            domain = registrable_domain(host)
            if domain:
                keys.add(("domain", domain))
                keys.add(("domain", host))
    return keys


def match_keys_of(analysis: Any) -> set[tuple[str, str]]:
    """An analysis's known-bad lookup keys (an `Analysis`): its indicators and its
    attachments' SHA-256, with match_keys' registrable domains."""
    pairs = [(i["type"], i["value"]) for i in analysis.indicators]
    pairs += [("sha256", a["sha256"]) for a in analysis.attachments if a.get("sha256")]
    return match_keys(pairs)
