"""Redirectors and click trackers, unwrapped without fetching anything.

Mail security gateways rewrite every link (Safe Links, Proofpoint URL
Defense, Mimecast, Symantec click-time, Barracuda, Trend Micro), ad networks
and social sites send clicks through their own redirect pages (Google
ad-click, google.com/url, Facebook l.php, LinkedIn redir), and newsletter
players do the same. The wrapper is the same for millions of unrelated
messages; the destination is what the sender chose. So the destination
becomes the indicator and the wrapper is kept only as context: it never
joins two reports into a campaign and never goes out as bad.

Everything is decoded from the URL itself (query parameters, Proofpoint's
own encodings): no request is ever made. Where a wrapper does not carry its
destination (Mimecast's `protect-*.mimecast.com/s/<token>`, LinkedIn's
`slink`), only the destination host it names, if any, is recovered.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from watchword.analysis.urls import normalise_url, split_url

MAX_DEPTH = 4  # a Safe Link around a Proofpoint link around an ad click is real; deeper is not

# (host test, path prefix, parameters that carry the destination, in order of preference)
_HostTest = tuple[str, str]  # ("exact" | "suffix", host)


@dataclass(frozen=True, slots=True)
class Wrapper:
    name: str
    hosts: tuple[_HostTest, ...]
    path: str  # a path prefix ("" matches any path)
    params: tuple[str, ...]


WRAPPERS: tuple[Wrapper, ...] = (
    Wrapper(
        "Google ad click",
        (("exact", "www.googleadservices.com"), ("exact", "googleadservices.com")),
        "/pagead/aclk",
        ("adurl",),
    ),
    Wrapper("Google ad click", (("suffix", "doubleclick.net"),), "/", ("adurl", "ds_dest_url")),
    Wrapper("Google redirect", (("exact", "www.google.com"), ("exact", "google.com")), "/url", ("q", "url")),
    Wrapper("Google AMP/redirect", (("exact", "www.google.com"), ("exact", "google.com")), "/amp/s/", ()),
    Wrapper("YouTube redirect", (("exact", "www.youtube.com"), ("exact", "youtube.com")), "/redirect", ("q",)),
    Wrapper("Microsoft Safe Links", (("suffix", "safelinks.protection.outlook.com"),), "/", ("url",)),
    Wrapper("Microsoft Safe Links", (("suffix", "safelinks.protection.office365.us"),), "/", ("url",)),
    Wrapper("Proofpoint URL Defense v1", (("exact", "urldefense.proofpoint.com"),), "/v1/url", ("u",)),
    Wrapper("Symantec click-time", (("exact", "clicktime.symantec.com"),), "/", ("u",)),
    Wrapper("Barracuda link protection", (("exact", "linkprotect.cudasvc.com"),), "/url", ("a",)),
    Wrapper("Trend Micro click-time", (("suffix", "trendmicro.com"),), "/wis/clicktime", ("url",)),
    Wrapper("Sophos time-of-click", (("suffix", "sophos.com"),), "/", ("u",)),
    Wrapper("Facebook link shim", (("exact", "l.facebook.com"), ("exact", "lm.facebook.com")), "/l.php", ("u",)),
    Wrapper("Messenger link shim", (("exact", "l.messenger.com"),), "/l.php", ("u",)),
    Wrapper("Instagram link shim", (("exact", "l.instagram.com"),), "/", ("u",)),
    Wrapper(
        "LinkedIn redirect", (("exact", "www.linkedin.com"), ("exact", "linkedin.com")), "/redir/redirect", ("url",)
    ),
    Wrapper("LinkedIn redirect", (("exact", "www.linkedin.com"), ("exact", "linkedin.com")), "/slink", ()),
    Wrapper("Slack redirect", (("exact", "slack-redir.net"),), "/link", ("url",)),
    Wrapper("VK away", (("exact", "away.vk.com"), ("exact", "vk.com")), "/away.php", ("to",)),
    Wrapper("Steam link filter", (("exact", "steamcommunity.com"),), "/linkfilter", ("url", "u")),
    Wrapper("Tumblr redirect", (("exact", "t.umblr.com"),), "/redirect", ("z",)),
    Wrapper("Reddit outbound", (("exact", "out.reddit.com"),), "/", ("url",)),
    Wrapper("SoCast player link", (("exact", "player.socastsrm.com"),), "/player/link", ("url", "link", "u", "href")),
    Wrapper("Mimecast URL protect", (("suffix", "mimecast.com"), ("suffix", "mimecastprotect.com")), "/s/", ()),
)

# Proofpoint v2: `-XX` is a hex escape and `_` a slash in the `u` parameter.
_PROOFPOINT_V2 = re.compile(r"-([0-9A-F]{2})")
_PROOFPOINT_V3 = re.compile(r"/v3/__(?P<url>.+?)__;(?P<bytes>[^!]*)!")
_V3_TOKEN = re.compile(r"\*(\*.)?")
# Proofpoint v3 run lengths: `**A` stands for 2 replaced characters, `**B` for 3 ...
_V3_RUNS = {ch: i + 2 for i, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


@dataclass(frozen=True, slots=True)
class Unwrapped:
    wrapper: str  # the wrapper's name, e.g. "Microsoft Safe Links"
    target: str | None  # the destination URL (normalised), when the wrapper carries it
    target_host: str | None  # the destination host, when only that is known (Mimecast)


def _host_matches(host: str, tests: tuple[_HostTest, ...]) -> bool:
    return any(host == name or (how == "suffix" and host.endswith("." + name)) for how, name in tests)


# Every host a wrapper names, and the suffixes: most links belong to no wrapper, and these two tests
# say so at once instead of testing each wrapper in turn (the order of WRAPPERS still decides a match).
_ANY_HOST = frozenset(name for wrapper in WRAPPERS for _how, name in wrapper.hosts)
_ANY_SUFFIX = tuple("." + name for wrapper in WRAPPERS for how, name in wrapper.hosts if how == "suffix")


def _as_url(value: str) -> str | None:
    """A parameter value as an absolute URL: plain, percent-encoded once or twice, or base64."""
    for _ in range(3):
        if value.lower().startswith(("http://", "https://")):
            return normalise_url(value)
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    if len(value) >= 12 and re.fullmatch(r"[A-Za-z0-9_\-+/=]+", value):
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if raw.lower().startswith(("http://", "https://")):
            return normalise_url(raw)
    return None


def _proofpoint_v2(query: str) -> str | None:
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "u":
            decoded = _PROOFPOINT_V2.sub(lambda m: chr(int(m.group(1), 16)), value.replace("_", "/"))
            return _as_url(decoded)
    return None


def _proofpoint_v3(rest: str) -> str | None:
    found = _PROOFPOINT_V3.search(rest)
    if found is None:
        return None
    encoded = found.group("bytes")
    try:
        chars = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8") if encoded else ""
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    position = 0

    def replace(token: re.Match[str]) -> str:
        nonlocal position
        run = _V3_RUNS.get(token.group(1)[-1], 1) if token.group(1) else 1
        piece = chars[position : position + run]
        position += run
        return piece

    return _as_url(_V3_TOKEN.sub(replace, found.group("url")))


def unwrap_once(url: str) -> Unwrapped | None:
    """The wrapper and destination of a known redirector URL, or None for any other URL."""
    parts = split_url(url)
    if parts is None:
        return None
    host = parts[2].lower()
    rest = parts[4]
    path, _, query = rest.partition("?")
    if host == "urldefense.proofpoint.com" and path.startswith("/v2/url"):
        return Unwrapped("Proofpoint URL Defense v2", _proofpoint_v2(query), None)
    if host in ("urldefense.com", "urldefense.proofpoint.com") and path.startswith("/v3/"):
        return Unwrapped("Proofpoint URL Defense v3", _proofpoint_v3(rest), None)
    if host not in _ANY_HOST and not host.endswith(_ANY_SUFFIX):
        return None
    for wrapper in WRAPPERS:
        if not _host_matches(host, wrapper.hosts) or not path.startswith(wrapper.path):
            continue
        params = dict(parse_qsl(query, keep_blank_values=True))
        for name in wrapper.params:
            if name in params:
                target = _as_url(params[name])
                if target:
                    return Unwrapped(wrapper.name, target, None)
        if wrapper.name == "Google AMP/redirect":
            return Unwrapped(wrapper.name, normalise_url("https://" + path[len("/amp/s/") :]), None)
        domain = params.get("domain")
        return Unwrapped(wrapper.name, None, domain.lower() if domain and "." in domain else None)
    return None


@lru_cache(maxsize=16384)
def unwrap(url: str) -> Unwrapped | None:
    """Follow nested wrappers to the innermost destination (at most MAX_DEPTH levels)."""
    first = unwrap_once(url)
    if first is None:
        return None
    current = first
    for _ in range(MAX_DEPTH - 1):
        if current.target is None:
            break
        inner = unwrap_once(current.target)
        if inner is None:
            break
        current = Unwrapped(first.wrapper, inner.target, inner.target_host)
    return current


def is_wrapper(url: str) -> bool:
    return unwrap_once(url) is not None
