"""The targeted people, scrubbed from exported values, and a leak check over every export.

Phishing kits personalise links: `?u=alex.morgan`, `/bob.smith/signin`,
`?e=bob.smith%2540acme-corp.com`, `?name=Bob%20Smith`, `?phone=+1202…`, the
address in base64 or hex. Shared as they are, those URLs tell every partner
who was targeted. `Victims` gathers what identifies the people on our side
(the recipients' addresses and local parts from To/Cc and the envelope
headers, their display names and the name in the greeting, the reporter's
address, our internal domains and the recipients' own domains) and one
detector finds them in any text, plain or encoded (percent, double percent,
`+` for space, base64, hex).

`scrub_url` cuts a URL before the first part that names someone: a query
goes whole, a path is kept up to the segment before. The kit's landing path
usually survives (`https://evil.example/owa/`); when nothing but the host
would be left, the URL is not shared (its host still is). `leak_check` runs
the same detector over a rendered export; a hit fails the export, so a
forgotten field (a title, a comment) can never carry a name out.

Over-scrubbing is the accepted failure: a victim called "Chase" costs a
`chase-login` URL its path; a missed name costs a person their privacy.
The detector is linear in its input: words and n-grams are looked up in
sets, encoded runs are decoded once each.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any
from urllib.parse import unquote, unquote_plus

from watchword import errors
from watchword.analysis.urls import registrable_domain, split_url

RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to", "resent-to", "bcc")
MAX_NGRAM = 4
_WORD = re.compile(r"[^\W_]+")
_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){6,}")
_DIGITS = re.compile(r"\d[\d .()-]{5,20}\d")
_GREETING = re.compile(
    r"(?im)^[ \t>]{0,8}(?:dear|hi|hello|hey|hallo|bonjour|hola|good (?:morning|afternoon|evening))[ \t]{1,3}"
    r"(?:(?:mr|mrs|ms|miss|dr|prof)\.?[ \t]{1,3})?(?P<name>[\w.'’-]{2,40}(?:[ \t]{1,2}[\w'’-]{2,40}){0,2})"
)
# Words a greeting is often followed by that are not names, and name-like words too
# common to scrub from every value (they would cut half the URLs of the world).
_NOT_NAMES = frozenset(
    [
        "all",
        "everyone",
        "team",
        "customer",
        "customers",
        "user",
        "users",
        "sir",
        "madam",
        "friend",
        "friends",
        "colleague",
        "colleagues",
        "client",
        "clients",
        "member",
        "members",
        "valued",
        "there",
        "again",
        "partner",
        "partners",
        "and",
        "the",
        "dear",
        "hi",
        "hello",
        "you",
        "your",
        "our",
        "admin",
        "info",
        "support",
        "sales",
        "service",
        "contact",
        "mail",
        "email",
        "office",
        "account",
        "accounts",
        "billing",
        "hr",
        "it",
        "helpdesk",
        "security",
        "noreply",
        "no-reply",
        "reply",
        "web",
        "www",
        "http",
        "https",
        "com",
        "net",
        "org",
        "login",
        "sign",
        "signin",
        "secure",
        "update",
        "verify",
        "home",
        "index",
        "page",
        "phishing",
        "spam",
        "report",
        "reports",
        "reported",
        "campaign",
        "campaigns",
        "message",
        "messages",
        "people",
        "person",
        "analyst",
        "verdict",
        "malicious",
        "suspicious",
        "benign",
        "indicator",
        "indicators",
        "seen",
        "shared",
        "credential",
        "malware",
        "delivery",
        "invoice",
        "payment",
        "fraud",
        "recruitment",
        "elicitation",
        "inducement",
        "impersonation",
        "profile",
        "fake",
        "technical",
        "surveillance",
        "physical",
        "approach",
        "extortion",
        "scam",
        "sensitive",
        "information",
        "activity",
    ]
)


@dataclass(slots=True)
class Victims:
    """What identifies the people who were targeted, in lower case."""

    addresses: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # single words: local parts, name parts
    phrases: set[tuple[str, ...]] = field(default_factory=set)  # multi-word names and local parts
    domains: set[str] = field(default_factory=set)  # internal and recipients' own domains
    phones: set[str] = field(default_factory=set)  # the last 9 digits of each known number

    def add_address(self, display: str, address: str) -> None:
        address = address.strip().lower()
        if "@" not in address:
            return
        self.addresses.add(address)
        local, _, domain = address.rpartition("@")
        self._add_words(local)
        if domain:
            self.domains.add(domain)
        if display and "@" not in display:
            self.add_name(display)

    def add_name(self, name: str) -> None:
        self._add_words(name.strip(" \"'"))

    def add_domain(self, domain: str) -> None:
        """One of our domains, or a recipient's: the domain, and its name (`acme-corp`) as words."""
        domain = domain.lower().strip(".")
        if not domain:
            return
        self.domains.add(domain)
        registrable = registrable_domain(domain) or domain
        self._add_words(registrable.split(".", 1)[0])

    def add_phone(self, number: str) -> None:
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 7:
            self.phones.add(digits[-9:])

    def _add_words(self, text: str) -> None:
        parts = [w for w in _WORD.findall(text.lower()) if not w.isdigit()]
        if not parts:
            return
        if 1 < len(parts) <= MAX_NGRAM:
            self.phrases.add(tuple(parts))
        joined = "".join(parts)
        if len(joined) >= 4 and joined not in _NOT_NAMES:
            self.words.add(joined)  # `bobsmith`, `jdoe`
        for part in parts:
            if len(part) >= 3 and part not in _NOT_NAMES:
                self.words.add(part)

    def __bool__(self) -> bool:
        return bool(self.addresses or self.words or self.domains or self.phones)

    def scan_analysis(self, result: dict[str, Any]) -> None:
        headers = result.get("headers") or {}
        for name in RECIPIENT_HEADERS:
            for display, address in getaddresses([str(headers.get(name, ""))]):
                self.add_address(display, address)
        wrapper = result.get("wrapper") or {}
        if wrapper.get("reporter_address"):
            self.add_address("", str(wrapper["reporter_address"]))
        body = str(result.get("body_text") or "")[:2000]  # the greeting is at the top
        for match in _GREETING.finditer(body):
            words = [w for w in match.group("name").split() if w.lower().strip(".,") not in _NOT_NAMES]
            if words:
                self.add_name(" ".join(words))


# -- the detector ---------------------------------------------------------------------------


def _decoded_forms(text: str) -> Iterator[str]:
    """The text, percent-decoded up to twice (with `+` as a space), and what its base64 and hex runs hold."""
    seen = {text}
    forms = [text]
    current = text
    for _ in range(3):
        current = unquote(current)
        if current in seen:
            break
        seen.add(current)
        forms.append(current)
    plus = unquote_plus(text)
    if plus not in seen:
        forms.append(plus)
    yield from forms
    for form in forms:
        for run in _B64_RUN.findall(form):
            decoded = _b64(run)
            if decoded:
                yield decoded
        for run in _HEX_RUN.findall(form):
            decoded = _hex(run)
            if decoded:
                yield decoded


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or sum(ch.isprintable() for ch in text) < 0.9 * len(text):
        return None
    return text


def _b64(run: str) -> str | None:
    body = run.rstrip("=")
    for alphabet in ("std", "url"):
        try:
            if alphabet == "std":
                raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            else:
                raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            continue
        text = _printable(raw)
        if text:
            return text
    return None


def _hex(run: str) -> str | None:
    try:
        return _printable(bytes.fromhex(run))
    except ValueError:
        return None


def _hits_in_plain(text: str, victims: Victims) -> list[str]:
    lowered = text.lower()
    hits: list[str] = []
    for address in _ADDRESS.findall(lowered):
        address = address.strip(".'")
        domain = address.rpartition("@")[2]
        if address in victims.addresses or domain in victims.domains:
            hits.append("address")
    if "@" in lowered and not hits:
        # An address without a dot in its domain (`user@intranet`) is still somebody's.
        hits.extend("address" for address in victims.addresses if address in lowered)
    words = _WORD.findall(lowered)
    if victims.words and any(w in victims.words for w in words):
        hits.append("name or local part")
    if victims.phrases:
        for n in range(2, MAX_NGRAM + 1):
            if any(tuple(words[i : i + n]) in victims.phrases for i in range(len(words) - n + 1)):
                hits.append("name")
                break
    if victims.domains:
        for host in re.findall(r"[a-z0-9][a-z0-9.-]{0,252}\.[a-z]{2,63}", lowered):
            # `40acme-corp.com`: the domain of a percent-encoded address, mangled by an extractor
            if any(host == d or (host.endswith(d) and not host[-len(d) - 1].isalpha()) for d in victims.domains):
                hits.append("domain")
                break
    if victims.phones:
        for run in _DIGITS.findall(lowered):
            digits = re.sub(r"\D", "", run)
            if len(digits) >= 7 and digits[-9:] in victims.phones:
                hits.append("phone")
                break
    return hits


def find_in(text: str, victims: Victims) -> list[str]:
    """What identifies a victim in `text` (kinds, possibly repeated), in any encoding."""
    if not victims or not text:
        return []
    hits: list[str] = []
    for form in _decoded_forms(text):
        hits.extend(_hits_in_plain(form, victims))
    return hits


# -- scrubbing values -------------------------------------------------------------------------

_PERSON_PARAMS = frozenset(
    [
        "e",
        "email",
        "mail",
        "u",
        "user",
        "username",
        "login",
        "uid",
        "name",
        "fname",
        "lname",
        "firstname",
        "lastname",
        "fullname",
        "recipient",
        "to",
        "rcpt",
        "phone",
        "tel",
        "mobile",
        "msisdn",
        "cell",
        "account",
        "acct",
    ]
)


def scrub_url(url: str, victims: Victims) -> tuple[str | None, bool]:
    """(the URL cut before anything that names a victim, whether it was cut).

    None when only the bare host would be left, or the host itself names someone.
    Query parameters that carry a person by name (`email=`, `phone=`, `name=`)
    go even when their value is not one we know: a kit fills them for the victim.
    """
    parts = split_url(url)
    if parts is None:
        return (None, True) if find_in(url, victims) else (url, False)
    scheme, userinfo, host, port, rest = parts
    if userinfo or find_in(host, victims):
        return None, True
    path, qmark, query = rest.partition("?")
    path, hash_, fragment = path.partition("#") if not qmark else (path, "", "")
    if qmark:
        query, hash_, fragment = query.partition("#")
    prefix = f"{scheme}://{host}{':' + port if port else ''}"
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if segment and find_in(segment, victims):
            kept = "/".join(segments[:i]) + "/"
            return (prefix + kept if kept.strip("/") else None), True
    if qmark and _query_names_someone(query, victims):
        return (prefix + path if path.strip("/") else None), True
    if hash_ and find_in(fragment, victims):
        return prefix + path + (qmark + query if qmark else ""), True
    return url, False


def _query_names_someone(query: str, victims: Victims) -> bool:
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key).lower() in _PERSON_PARAMS and value:
            return True
        if "@" in unquote(unquote(value)):
            return True  # an address we do not know is still somebody's
        if find_in(pair, victims):
            return True
    return False


# -- the leak check ---------------------------------------------------------------------------


class LeakError(errors.Conflict):
    """An export would carry something that identifies a targeted person."""


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def leaks(body: str, victims: Victims) -> dict[str, int]:
    """Counts, by kind, of victim identifiers in a rendered export (JSON read as its strings)."""
    if not victims:
        return {}
    texts: Iterable[str]
    try:
        texts = list(_strings(json.loads(body))) if body.lstrip()[:1] in ("{", "[") else body.splitlines()
    except ValueError:
        texts = body.splitlines()
    counts: dict[str, int] = {}
    for text in texts:
        for kind in find_in(text, victims):
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def leak_check(body: str, victims: Victims, what: str) -> None:
    found = leaks(body, victims)
    if found:
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(found.items()))
        raise LeakError(
            f"{what} not exported: it would identify the people who were targeted ({summary}). "
            "Edit the campaign title or leave the values out, then export again."
        )
