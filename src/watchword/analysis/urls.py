"""Hosts and URLs: normalisation, registrable domains, social profiles.

Shared by text extraction (link mismatch) and indicator extraction. Pure
functions, no network: registrable domains come from tldextract's bundled public
suffix snapshot, read by analysis/suffixes.py (tldextract's rules without its
import of requests), and are cached per host because the same hosts recur across
thousands of messages.

Every function here is linear in its input and returns `None` (never raises)
for input it cannot make sense of.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from functools import lru_cache

import idna

from watchword.analysis import suffixes

# The snapshot inside tldextract's package, never a fetched Public Suffix List. Private suffixes
# (web.app, github.io, blogspot.com, ...) count as suffixes so that `evil.web.app` is the
# registrable domain and not `web.app`, which would be a disastrous blocklist entry.


# The last label of every known suffix: a set lookup rejects `file.txt` or
# `e.g` before the (slower) suffix lookup.
def _top_labels() -> frozenset[str]:
    labels = set()
    for suffix in suffixes.suffixes():
        last = suffix.rsplit(".", 1)[-1]
        labels.add(last)
        if not last.isascii():  # the snapshot spells IDN suffixes in Unicode; hosts arrive in either form
            with contextlib.suppress(UnicodeError):
                labels.add(last.encode("idna").decode("ascii"))
    return frozenset(labels)


# The top labels of the public suffix list (IDN ones in both spellings): also what the
# console's defanging takes for a host name (services/render.py).
TOP_LABELS = _top_labels()

DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}
_SCHEMES = frozenset(DEFAULT_PORTS)

_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")  # ASCII label after IDNA
_IPV4_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Characters a browser drops from a URL outright (tab, CR, LF), and the
# ones it would percent-encode rather than end the URL at.
_DROP_IN_URL = str.maketrans("", "", "\t\r\n")
# Other C0 controls (an `&#16;` in an href) are percent-encoded, as the WHATWG
# URL parser does, so that no indicator value carries a raw control character.
_ENCODE_IN_URL = str.maketrans(
    {
        " ": "%20",
        '"': "%22",
        "<": "%3C",
        ">": "%3E",
        "`": "%60",
        "\x7f": "%7F",
        **{chr(c): f"%{c:02X}" for c in range(0x20) if chr(c) not in "\t\r\n"},
    }
)


def _ipv4(host: str) -> str | None:
    if not _IPV4_RE.fullmatch(host):
        return None
    parts = host.split(".")
    if any(int(p) > 255 or (len(p) > 1 and p[0] == "0") for p in parts):
        return None
    return host


# Caches are keyed by the input string, so only short inputs are cached: a
# hostile message full of 100 kB "hosts" must not pin gigabytes.
CACHE_KEY_MAX = 2048


def normalise_host(host: str) -> str | None:
    """Lower-case, IDNA-encoded host with a real public suffix, or an IP literal.

    Returns the bracketed form for IPv6 (as it appears in URLs). Rejects hosts
    without a known public suffix: `file.txt`, `index.html`, `localhost`.
    """
    if not host or len(host) > 253 * 4:  # a Unicode host may shrink under IDNA; beyond this it cannot
        return None
    return _normalise_host(host)


@lru_cache(maxsize=65536)
def _normalise_host(host: str) -> str | None:
    if host[0] == "[":
        if host[-1] != "]":
            return None
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1].split('%', 1)[0]).compressed}]"
        except ValueError:
            return None
    host = host.rstrip(".").lower()
    if _ipv4(host):
        return host
    if not host.isascii():
        host = _to_ascii(host) or ""
        if not host:
            return None
    if len(host) > 253:
        return None
    labels = host.split(".")
    if len(labels) < 2 or labels[-1] not in TOP_LABELS:
        return None
    if not all(_LABEL_RE.fullmatch(label) for label in labels):
        return None
    if not registrable_domain(host):
        return None
    return host


def _to_ascii(host: str) -> str | None:
    # UTS 46 first (what browsers do: fullwidth dots, case folding); the
    # older IDNA 2003 codec as a fallback for labels UTS 46 refuses (some
    # emoji and symbol domains still resolve under it).
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def registrable_domain(host: str) -> str:
    """The one registrable domain: `a.b.example.co.uk` -> `example.co.uk`, `x.web.app` -> `x.web.app`.

    "" when there is none: an IP literal (an address is nobody's domain) or a host
    whose ending is not on the public suffix list. Comparing senders wants a
    fallback for unlisted endings: that is `auth.organisational_domain`, built on this.
    """
    if not host or host[0] == "[" or len(host) > 253 * 4 or _ipv4(host):
        return ""
    return _registrable_domain(host)


@lru_cache(maxsize=65536)
def _registrable_domain(host: str) -> str:
    last = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if last not in TOP_LABELS and last.isascii():
        return ""
    return suffixes.registrable(host)


def split_url(url: str) -> tuple[str, str, str, str, str] | None:
    """(scheme, userinfo, host, port, rest) of an absolute URL, without validating the host.

    `rest` starts with `/`, `?` or `#` or is empty. A backslash after the
    host counts as a slash, as in browsers (a favourite phishing trick).
    """
    scheme, sep, tail = url.partition("://")
    if not sep or not scheme.isascii() or not scheme.isalpha():
        return None
    scheme = scheme.lower()
    end = len(tail)
    for ch in "/?#\\":
        i = tail.find(ch, 0, end)
        if i != -1:
            end = i
    authority, rest = tail[:end], tail[end:]
    if rest.startswith("\\"):
        rest = "/" + rest[1:]
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo = ""
    if hostport.startswith("["):
        close = hostport.find("]")
        if close == -1:
            return None
        host, port = hostport[: close + 1], hostport[close + 1 :]
        if port and not port.startswith(":"):
            return None
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and not port.isdigit():
        return None
    return scheme, userinfo, host, port, rest


def normalise_url(url: str) -> str | None:
    """Canonical form of an absolute http(s)/ftp URL, or None when it is not one.

    Lower-case scheme and host, IDNA host, default port dropped, `/` for an
    empty path; the path, query and fragment are kept as they are (they are
    often the campaign's fingerprint: the victim's address, a tracking id).
    Cached for short inputs: a campaign repeats the same URLs in every copy.
    """
    return _normalise_url_cached(url) if len(url) <= CACHE_KEY_MAX else _normalise_url(url)


def _normalise_url(url: str) -> str | None:
    url = url.strip().translate(_DROP_IN_URL).translate(_ENCODE_IN_URL)
    parts = split_url(url)
    if parts is None:
        return None
    scheme, userinfo, host, port, rest = parts
    if scheme not in _SCHEMES:
        return None
    norm_host = normalise_host(host)
    if norm_host is None:
        return None
    if port:
        port = port.lstrip("0") or "0"
        if port == DEFAULT_PORTS[scheme]:
            port = ""
        elif len(port) > 5 or int(port) > 65535:
            return None
    if not rest or rest[0] != "/":
        rest = "/" + rest
    netloc = norm_host + (":" + port if port else "")
    if userinfo:
        netloc = userinfo + "@" + netloc
    return f"{scheme}://{netloc}{rest}"


_normalise_url_cached = lru_cache(maxsize=65536)(_normalise_url)


def url_host(url: str) -> str:
    """Host of an already normalised URL ('' when there is none)."""
    parts = split_url(url)
    return parts[2] if parts else ""


# -- social profiles ----------------------------------------------------------

# Registrable domain -> canonical platform host. Only the first path segment
# (or two, for LinkedIn) names the profile; the rest of the URL is noise.
_SOCIAL_HOSTS = {
    "linkedin.com": "linkedin.com",
    "facebook.com": "facebook.com",
    "fb.com": "facebook.com",
    "instagram.com": "instagram.com",
    "twitter.com": "x.com",
    "x.com": "x.com",
    "t.me": "t.me",
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "github.com": "github.com",
    "tiktok.com": "tiktok.com",
    "vk.com": "vk.com",
    "ok.ru": "ok.ru",
    "threads.net": "threads.net",
    "wa.me": "wa.me",
    "youtube.com": "youtube.com",
    "medium.com": "medium.com",
}
SOCIAL_DOMAINS = frozenset(_SOCIAL_HOSTS)

# First path segments that are site features, not accounts.
_NOT_PROFILES = frozenset(
    [
        "about",
        "account",
        "ads",
        "business",
        "careers",
        "events",
        "explore",
        "feed",
        "groups",
        "hashtag",
        "help",
        "home",
        "i",
        "intent",
        "jobs",
        "legal",
        "login",
        "logout",
        "messages",
        "notifications",
        "pages",
        "policies",
        "policy",
        "privacy",
        "search",
        "settings",
        "share",
        "sharer",
        "sharer.php",
        "signup",
        "status",
        "terms",
        "watch",
        "tr",
        "dialog",
        "plugins",
        "login.php",
        "home.php",
        "profile.php",
        "features",
        "pricing",
        "marketplace",
        "orgs",
        "sponsors",
        "topics",
        "trending",
        "joinchat",
        "s",
        "embed",
        "channel",
        "c",
        "results",
        "gaming",
        "feed_back",
        "legal_and_safety",
        "safety",
    ]
)
_HANDLE_RE = re.compile(r"@?[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}")


def social_profile(url: str) -> str | None:
    """`https://www.linkedin.com/in/Jane-Doe/?trk=x` -> `linkedin.com/in/jane-doe`; None if no profile."""
    parts = split_url(url)
    if parts is None:
        return None
    platform = _SOCIAL_HOSTS.get(registrable_domain(parts[2]))
    if platform is None:
        return None
    path = parts[4].split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s]
    if not segments:
        return None
    if platform == "linkedin.com":
        if len(segments) < 2 or segments[0].lower() not in ("in", "company", "pub", "school"):
            return None
        prefix, handle = segments[0].lower() + "/", segments[1]
    elif platform == "facebook.com" and segments[0].lower() == "profile.php":
        match = re.search(r"(?:^|&)id=(\d{1,20})", parts[4].partition("?")[2])
        if not match:
            return None
        prefix, handle = "profile.php?id=", match.group(1)
    elif platform == "youtube.com":
        if segments[0].startswith("@"):
            prefix, handle = "", segments[0]
        elif len(segments) >= 2 and segments[0] in ("c", "channel", "user"):
            prefix, handle = segments[0] + "/", segments[1]
        else:
            return None
    else:
        prefix, handle = "", segments[0]
    # `/n/` (Facebook's notification redirect) and `*.php` endpoints are site
    # machinery, not accounts.
    if prefix == "" and (handle.lower() in _NOT_PROFILES or handle.lower().endswith(".php") or len(handle) < 2):
        return None
    if not _HANDLE_RE.fullmatch(handle):
        return None
    return f"{platform}/{prefix}{handle.lower()}"
