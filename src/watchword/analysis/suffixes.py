"""Registrable domains from the public suffix list, as tldextract finds them, without importing it.

`tldextract` imports `requests` (and with it urllib3, ssl, charset detection) to be able to fetch
the list: ~0.15 s CPU of every `watchword analyze` process, which never fetches it. This module
reads the same bundled snapshot (`tldextract/.tld_set_snapshot`, located without importing the
package) and walks the same trie by the same rules (tldextract 5.x: `remote.lenient_netloc`,
`TLDExtract._extract_netloc`, `_PublicSuffixListTLDExtractor.suffix_index`), private suffixes
included. tests/analysis/test_suffixes.py compares it with tldextract itself on every suffix of the
list and on odd hosts (wildcards and their exceptions, punycode, Unicode dots, ports, userinfo).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import scheme_chars

import idna

_SUFFIX_RE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)
_PRIVATE_SEPARATOR = "// ===BEGIN PRIVATE DOMAINS==="
_SCHEME_CHARS = frozenset(scheme_chars)
_IPV4_RE = re.compile(
    r"^(?:(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.)"
    r"{3}(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])$",
    re.ASCII,
)

# A trie node: [children by label, is a suffix's end, is private].
_Node = list[Any]


def snapshot_path() -> Path:
    """tldextract's bundled list; `find_spec` locates a top-level package without running it."""
    spec = importlib.util.find_spec("tldextract")
    if spec is None or spec.origin is None:
        raise RuntimeError("tldextract is not installed: its public suffix snapshot is needed")
    return Path(spec.origin).with_name(".tld_set_snapshot")


@cache
def suffix_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(public, private) suffixes of the snapshot, in its order."""
    public_text, _, private_text = snapshot_path().read_text(encoding="utf-8").partition(_PRIVATE_SEPARATOR)
    return (
        tuple(m.group("suffix") for m in _SUFFIX_RE.finditer(public_text)),
        tuple(m.group("suffix") for m in _SUFFIX_RE.finditer(private_text)),
    )


def suffixes() -> frozenset[str]:
    """Every suffix, public and private (tldextract's `tlds` with private domains included)."""
    public, private = suffix_lists()
    return frozenset(public + private)


@cache
def _trie() -> _Node:
    public, private = suffix_lists()
    root: _Node = [{}, False, False]
    for suffixes_, is_private in ((frozenset(public), False), (frozenset(private), True)):
        for suffix in suffixes_:
            node = root
            for label in reversed(suffix.split(".")):
                node = node[0].setdefault(label, [{}, False, False])
            node[1], node[2] = True, is_private
    return root


def _decode_punycode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        try:
            return str(idna.decode(lowered))
        except (UnicodeError, IndexError):
            pass
    return lowered


def _suffix_index(labels: list[str]) -> int | None:
    """Index of the first label of the public suffix (private ones count), or None."""
    node = _trie()
    suffix_idx = label_idx = len(labels)
    for label in reversed(labels):
        decoded = _decode_punycode(label)
        child = node[0].get(decoded)
        if child is not None:
            label_idx -= 1
            node = child
            if node[1]:
                suffix_idx = label_idx
            continue
        if "*" in node[0]:
            return label_idx if "!" + decoded in node[0] else label_idx - 1
        break
    return None if suffix_idx == len(labels) else suffix_idx


def _schemeless(url: str) -> str:
    double_slashes = url.find("//")
    if double_slashes == 0:
        return url[2:]
    if double_slashes < 2 or url[double_slashes - 1] != ":" or set(url[: double_slashes - 1]) - _SCHEME_CHARS:
        return url
    return url[double_slashes + 2 :]


def _lenient_netloc(url: str) -> str:
    authority = _schemeless(url).partition("/")[0].partition("?")[0].partition("#")[0]
    after_userinfo = authority.rpartition("@")[-1]
    if after_userinfo and after_userinfo[0] == "[":
        maybe_ipv6 = after_userinfo.partition("]")
        if maybe_ipv6[1] == "]":
            return f"{maybe_ipv6[0]}]"
    return after_userinfo.partition(":")[0].strip().rstrip(".\u3002\uff0e\uff61")


def split(host: str) -> tuple[str, str]:
    """(domain, public suffix) as tldextract's `domain` and `suffix` (either may be "")."""
    netloc = _lenient_netloc(host).replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")
    if len(netloc) >= 4 and netloc[0] == "[" and netloc[-1] == "]":
        try:
            ipaddress.IPv6Address(netloc[1:-1])
            return netloc, ""
        except ipaddress.AddressValueError:
            pass
    labels = netloc.split(".")
    index = _suffix_index(labels)
    if index is None:
        if len(labels) == 4 and netloc[:1].isdecimal() and _IPV4_RE.fullmatch(netloc):
            return netloc, ""
        return labels[-1], ""
    return (labels[index - 1] if index > 0 else ""), ".".join(labels[index:])


def registrable(host: str) -> str:
    """tldextract's `top_domain_under_public_suffix`: the domain and its suffix, or ""."""
    domain, suffix = split(host)
    return f"{domain}.{suffix}" if domain and suffix else ""
