"""Known-legitimate values: MISP's warninglists plus our own lists.

A value on one of these lists is never shared as bad (no blocklist entry, no
`to_ids`, no malicious STIX indicator) and never links two reports into a
campaign by itself. The MISP warninglists come from the `pymispwarninglists`
wheel, which ships the lists' JSON: nothing is fetched.

The wheel's own `WarningLists` object holds every list as Python sets and
lists (about 350 MB resident); here each string list becomes a sorted array of
64-bit hashes (about 20 MB for the 2.3 million entries), built once per
process on first use (a few seconds, the JSON parse). A hash collision could
only make a value look listed (withheld from a blocklist), never the reverse;
at 2^64 the chance is negligible.

Matching follows MISP's list types, with one deliberate narrowing: a
`hostname` list matches a subdomain of an entry, but never across a public
suffix. `evil.web.app` is not covered by a listed `web.app`, because
`web.app` is a suffix (Firebase hosting) and every subdomain is somebody
else's site. MISP matches it; we would rather keep the phishing site.

Lists left out, because being on them does not make a value legitimate:
dynamic DNS providers, disposable mail domains, VPN and datacenter address
ranges (attackers rent all three), and the substring lists (a substring of
a host says nothing about who runs it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import json
import os
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from watchword.analysis.brands import ALL_BRAND_DOMAINS
from watchword.analysis.urls import registrable_domain, split_url
from watchword.known.sites import (
    BIG_SITES,
    BULK_MAIL_AND_TRACKING,
    HOSTING_AND_CDN,
    MAIL_PROVIDERS,
    MAILING_LIST_HOSTS,
    SHORTENERS,
)

# Warninglist directories (under the wheel's lists/) we do not treat as "legitimate".
EXCLUDED_LISTS = frozenset({"dynamic-dns", "disposable-email", "vpn-ipv4", "vpn-ipv6", "parking-domain"})

# Our own lists: name -> registrable domains (subdomains covered).
OWN_LISTS: dict[str, frozenset[str]] = {
    "Watchword free-mail providers": MAIL_PROVIDERS,
    "Watchword brand domains": ALL_BRAND_DOMAINS,
    "Watchword big sites": BIG_SITES,
    "Watchword URL shorteners": SHORTENERS,
    "Watchword hosting and CDN platforms": HOSTING_AND_CDN,
    "Watchword bulk-mail and tracking services": BULK_MAIL_AND_TRACKING,
    "Watchword mailing-list hosts": MAILING_LIST_HOSTS,
}

# Our indicator types -> the MISP attribute types a list must match to apply.
_MISP_ATTRIBUTES = {
    "domain": ("domain", "hostname"),
    "url": ("url", "uri"),
    "ipv4": ("ip-dst", "ip-src"),
    "ipv6": ("ip-dst", "ip-src"),
    "email": ("email-src", "email-dst", "email"),
    "md5": ("md5",),
    "sha1": ("sha1",),
    "sha256": ("sha256",),
    "phone": ("phone-number",),
}


def _h(value: str) -> int:
    # Stable across processes (unlike hash()), so the arrays can be cached on disk.
    return int.from_bytes(
        hashlib.blake2b(value.encode("utf-8", "replace"), digest_size=8).digest(), "little", signed=True
    )


@dataclass(slots=True)
class _StringList:
    name: str
    hostname: bool  # MISP type `hostname`: subdomains of an entry match too
    attributes: frozenset[str]
    hashes: np.ndarray

    def __contains__(self, value: str) -> bool:
        key = np.int64(_h(value))
        i = int(np.searchsorted(self.hashes, key))
        return i < len(self.hashes) and self.hashes[i] == key


@dataclass(slots=True)
class _CidrList:
    name: str
    attributes: frozenset[str]
    # Per IP version: sorted range starts and the matching ends (inclusive).
    starts: dict[int, list[int]] = field(default_factory=dict)
    ends: dict[int, list[int]] = field(default_factory=dict)

    def __contains__(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        starts = self.starts.get(address.version, [])
        i = bisect_right(starts, int(address)) - 1
        return i >= 0 and int(address) <= self.ends[address.version][i]


@dataclass(slots=True)
class _RegexList:
    name: str
    attributes: frozenset[str]
    patterns: list[re.Pattern[str]]


@dataclass(slots=True)
class _Index:
    strings: list[_StringList]
    cidrs: list[_CidrList]
    regexes: list[_RegexList]
    # Unions for the yes/no question campaign linking asks per domain: one lookup, not forty.
    domain_exact: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    domain_hostname: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def lists_dir() -> Path:
    # Located, not imported: importing pymispwarninglists loads jsonschema and
    # more, seconds of start-up for a directory name.
    spec = importlib.util.find_spec("pymispwarninglists")
    if spec is None or spec.origin is None:
        raise RuntimeError("pymispwarninglists is not installed (pip install pymispwarninglists)")
    return Path(spec.origin).parent / "data" / "misp-warninglists" / "lists"


def _js_regex(entry: str) -> re.Pattern[str] | None:
    body = entry
    if body.startswith("/"):
        body = body[1 : body.rfind("/")]
    try:
        return re.compile(body, re.IGNORECASE)
    except re.error:
        return None


def _cidr_list(name: str, attributes: frozenset[str], entries: Iterable[str]) -> _CidrList:
    spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for entry in entries:
        try:
            net = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue
        spans[net.version].append((int(net.network_address), int(net.broadcast_address)))
    out = _CidrList(name, attributes)
    for version, ranges in spans.items():
        ranges.sort()
        merged: list[tuple[int, int]] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        out.starts[version] = [s for s, _ in merged]
        out.ends[version] = [e for _, e in merged]
    return out


def _cache_dir() -> Path:
    configured = os.environ.get("WATCHWORD_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(configured or Path.home() / ".cache") / "watchword" / "warninglists"


def _cache_paths(path: Path) -> tuple[Path, Path]:
    stat = path.stat()
    stem = _cache_dir() / f"{path.parent.name}-{stat.st_size}-{int(stat.st_mtime)}"
    return stem.with_suffix(".json"), stem.with_suffix(".npy")


def _save(meta_path: Path, meta: dict[str, object], hashes: np.ndarray | None) -> None:
    """Cache a list's header (and a string list's hashes): parsing the big lists' JSON is
    most of the cost of a cold start. The cache only saves time: failures are ignored."""
    try:
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        if hashes is not None:
            with tempfile.NamedTemporaryFile(dir=meta_path.parent, suffix=".tmp", delete=False) as tmp:
                np.save(tmp, hashes, allow_pickle=False)
            os.replace(tmp.name, meta_path.with_suffix(".npy"))
        with tempfile.NamedTemporaryFile("w", dir=meta_path.parent, suffix=".tmp", delete=False) as text:
            json.dump(meta, text)
        os.replace(text.name, meta_path)
    except OSError:
        pass


def _load_list(path: Path, index: _Index) -> None:
    meta_path, npy_path = _cache_paths(path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["type"] in ("string", "hostname"):
            hashes = np.load(npy_path, allow_pickle=False)
            attrs = frozenset(meta["attributes"])
            index.strings.append(_StringList(meta["name"], meta["type"] == "hostname", attrs, hashes))
            return
        if meta["type"] == "cidr":
            ranges = _CidrList(meta["name"], frozenset(meta["attributes"]))
            for version in (4, 6):
                ranges.starts[version] = meta["starts"][str(version)]
                ranges.ends[version] = meta["ends"][str(version)]
            index.cidrs.append(ranges)
            return
    except (OSError, ValueError, KeyError):
        pass
    data = json.loads(path.read_text(encoding="utf-8"))
    name, kind, entries = data["name"], data.get("type", "string"), data.get("list", [])
    attributes = frozenset(data.get("matching_attributes", []))
    meta = {"name": name, "type": kind, "attributes": sorted(attributes)}
    if kind in ("string", "hostname"):
        cleaned = {str(e).strip().lower().strip(".") for e in entries}
        hashes = np.fromiter((_h(e) for e in cleaned if e), dtype=np.int64, count=-1)
        hashes.sort()
        index.strings.append(_StringList(name, kind == "hostname", attributes, hashes))
        _save(meta_path, meta, hashes)
    elif kind == "cidr":
        ranges = _cidr_list(name, attributes, entries)
        index.cidrs.append(ranges)
        _save(meta_path, {**meta, "starts": ranges.starts, "ends": ranges.ends}, None)
    elif kind == "regex":
        compiled = [p for p in map(_js_regex, entries) if p is not None]
        index.regexes.append(_RegexList(name, attributes, compiled))
        _save(meta_path, meta, None)
    # substring lists: see the module docstring


@lru_cache(maxsize=1)
def _index() -> _Index:
    index = _Index([], [], [])
    for path in sorted(lists_dir().glob("*/list.json")):
        if path.parent.name not in EXCLUDED_LISTS:
            _load_list(path, index)
    domain_lists = [lst for lst in index.strings if lst.attributes.intersection(_MISP_ATTRIBUTES["domain"])]
    if domain_lists:
        index.domain_exact = _sorted_union([lst.hashes for lst in domain_lists])
        hostname = [lst.hashes for lst in domain_lists if lst.hostname]
        index.domain_hostname = _sorted_union(hostname) if hostname else index.domain_hostname
    return index


def _sorted_union(arrays: list[np.ndarray]) -> np.ndarray:
    # Sort and drop repeats: numpy 2's np.unique hashes instead, which took 8 s of a
    # worker's start-up on these few million keys; this takes well under one.
    merged = np.concatenate(arrays)
    merged.sort(kind="stable")
    if len(merged) == 0:
        return merged
    keep = np.empty(len(merged), dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _in(hashes: np.ndarray, value: str) -> bool:
    key = np.int64(_h(value))
    i = int(np.searchsorted(hashes, key))
    return i < len(hashes) and hashes[i] == key


def is_known_domain(host: str) -> bool:
    """Whether a host is known legitimate (the fast yes/no of `known_lists("domain", host)`)."""
    index = _index()
    chain = _parents(host)
    if _in(index.domain_exact, chain[0]) or any(_in(index.domain_hostname, c) for c in chain[1:]):
        return True
    return any(c in domains for c in chain for domains in OWN_LISTS.values())


def _parents(host: str) -> list[str]:
    """The host and its parent domains down to (and including) its registrable domain."""
    host = host.lower().strip(".")
    floor = registrable_domain(host) or host
    out = [host]
    while host != floor and "." in host:
        host = host.split(".", 1)[1]
        out.append(host)
        if len(host) < len(floor):
            break
    return out


def _host_lists(host: str, attributes: tuple[str, ...], index: _Index) -> list[str]:
    names: list[str] = []
    chain = _parents(host)
    for lst in index.strings:
        if not lst.attributes.intersection(attributes):
            continue
        candidates = chain if lst.hostname else chain[:1]
        if any(c in lst for c in candidates):
            names.append(lst.name)
    for name, domains in OWN_LISTS.items():
        if any(c in domains for c in chain):
            names.append(name)
    return names


def _ip_lists(value: str, index: _Index) -> list[str]:
    try:
        address = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return []
    return [lst.name for lst in index.cidrs if address in lst]


def known_lists(indicator_type: str, value: str) -> list[str]:
    """The names of the lists a value is on (empty: not known legitimate)."""
    attributes = _MISP_ATTRIBUTES.get(indicator_type)
    if attributes is None:
        return []
    index = _index()
    value = value.strip()
    if indicator_type == "domain":
        return _host_lists(value, attributes, index) if is_known_domain(value) else []
    if indicator_type in ("ipv4", "ipv6"):
        return _ip_lists(value, index)
    if indicator_type == "url":
        return _url_lists(value, index)
    lowered = value.lower()
    names = [lst.name for lst in index.strings if lst.attributes.intersection(attributes) and lowered in lst]
    for rx in index.regexes:
        if rx.attributes.intersection(attributes) and any(p.search(value) for p in rx.patterns):
            names.append(rx.name)
    return names


def _url_lists(url: str, index: _Index) -> list[str]:
    """A URL is known legitimate when the URL itself is listed, or its host is on a
    hostname list that MISP applies to URLs (MISP's own check: a partner's MISP
    would flag `bit.ly/abc` through its URL-shortener list, so we do not send it
    as bad either), or it is the bare root of a host on any domain list. Our own
    lists are domain lists: a path on a platform there stays shareable."""
    parts = split_url(url)
    if parts is None:
        return []
    host = parts[2].lower()
    rest = parts[4]
    bare = url.split("://", 1)[-1].rstrip("/").lower()
    names = [
        lst.name
        for lst in index.strings
        if lst.attributes.intersection(("url", "uri"))
        and (bare in lst or (lst.hostname and any(c in lst for c in _parents(host))))
    ]
    if rest.strip("/") == "":
        names += [n for n in _host_lists(host, ("domain", "hostname"), index) if n not in names]
    if host[:1].isdigit() or host[:1] == "[":
        names += _ip_lists(host, index)
    return names


def known_legitimate(indicator_type: str, value: str) -> str | None:
    """A short label such as `Top 1000 website from Alexa` (the first list), or None."""
    names = known_lists(indicator_type, value)
    return names[0] if names else None


def warm() -> None:
    """Build the index now (a long-running process calls this at start)."""
    _index()
