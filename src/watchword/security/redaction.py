"""Redaction of people and our own infrastructure from text that will be published.

Bulletins quote what an approach looked like; the quoted words come from
reports and so carry the names, addresses and phone numbers of the people
who received them, and sometimes our internal host names. Everything that
goes from a report into a bulletin passes through `redact()`. The analyst
then edits the draft, and `find_leaks()` checks the final text again before
publishing (services/bulletins.py).

Over-redaction is the accepted failure: a product name taken for a person
costs a word in a bulletin; a missed name costs a person their privacy.

Passes, in order (each replaces with a marker later passes do not touch):
  1. URLs: the host only, defanged; internal ones dropped. Paths and queries
     go: they often carry the recipient's address or a tracking id.
  2. Email addresses, also obfuscated ("jane at corp dot com", "jane[at]corp.com").
  3. UNC paths, internal host names (configured domains, .local/.corp/
     .internal/.lan ...), non-public IP addresses.
  4. Phone numbers: any run of 7-15 digits with spaces, dots, dashes,
     slashes or brackets between them (dates and versions excepted).
  5. Names known from the reports: reporters and recipients (To/Cc display
     names, the parts of their addresses), the sender's display name.
  6. Names by position: after a greeting ("Dear", "Hi", "Hello" ...), on the
     line after a closing ("Regards,", "Thanks,"), after "my name is", "I am
     ... from", in quoted From:/To:/Cc: lines, and capitalised name pairs.
All patterns are linear-time (bounded repetitions, no nested quantifiers).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

NAME = "[name]"
EMAIL = "[email address]"
PHONE = "[phone number]"
HOST = "[internal host]"
ADDRESS = "[internal address]"
LINK = "[internal link]"
PATH = "[internal path]"
MARKERS = (NAME, EMAIL, PHONE, HOST, ADDRESS, LINK, PATH)

INTERNAL_SUFFIXES = (".local", ".corp", ".internal", ".lan", ".intranet", ".home.arpa", ".localdomain", ".ad")

_W = r"[^\W\d_]"  # a letter, any script


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NAME_WORD = rf"{_W}(?:{_W}|['’\-](?={_W})){{0,30}}"  # an apostrophe or hyphen only inside a word (O'Brien, not Park')
# A URL runs to whitespace or a quote/bracket; `[.]` is let through so that our own
# defanged output (hxxp://evil[.]com/…) reads back as one URL when it is checked again.
_URL_BODY = r"(?:[^\s<>\"'`()\[\]]|\[\.\]){1,2000}"
_URL = re.compile(rf"\b(?:https?|ftp|hxxps?|fxp)(?:://|\[://\]|\[:\]//){_URL_BODY}", re.IGNORECASE)
_WWW = re.compile(rf"\bwww\.{_URL_BODY}", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}(?:@|%40|＠)[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}", re.UNICODE)
_AT = r"(?:\s{0,3}[\[\(\{<]\s{0,2}at\s{0,2}[\]\)\}>]\s{0,3}|\s{1,3}at\s{1,3})"
_DOT = r"(?:\s{0,3}[\[\(\{<]\s{0,2}dot\s{0,2}[\]\)\}>]\s{0,3}|\s{1,3}dot\s{1,3}|\.)"
_OBFUSCATED_EMAIL = re.compile(
    rf"\b[A-Za-z0-9_%+-]{{1,64}}(?:{_DOT}[A-Za-z0-9_%+-]{{1,64}}){{0,4}}{_AT}"
    rf"[A-Za-z0-9-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{0,6}}{_DOT}[A-Za-z]{{2,24}}\b",
    re.IGNORECASE,
)
_UNC = re.compile(r"\\\\[\w.-]{1,253}(?:\\[^\s\\]{1,255}){0,20}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"\b{_LABEL}(?:\.{_LABEL}){{1,10}}\b")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t\u00a0.\-()/]{5,40}\d(?!\w)")
_DATE_LIKE = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}"
    r"|\d{1,3}(?:\.\d{1,3}){1,3}"  # version numbers
)
_GREETING = re.compile(
    rf"\b(?P<lead>(?:Dear|Hi|Hello|Hey|Hiya|Greetings|Good\s(?:morning|afternoon|evening)|Attn:?|Attention:?)"
    rf"[ \t]{{1,3}}(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Herr|Frau)\.?[ \t]{{1,3}})?)"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]{{1,3}}(?:[A-Z]\.[ \t]{{0,2}})?{_NAME_WORD}){{0,3}})",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"(?im)^[ \t>]{0,8}(?P<lead>(?:(?:best|kind|warm|warmest|many|with)[ \t]{1,3})?"
    r"(?:regards|wishes|thanks|thank you|sincerely|cheers|best|respectfully|cordially|"
    r"yours(?:[ \t]{1,3}(?:sincerely|faithfully|truly))?|take care|speak soon|talk soon|"
    r"mit freundlichen grüßen|cordialement|saludos|groeten)[ \t]{0,3}[,.!-]?)"
    r"(?P<sep>[ \t]{0,3}(?:\r?\n[ \t>]{0,8}){0,3})(?P<name>[^\n]{1,80})"
)
_INTRO = re.compile(
    rf"\b(?P<lead>my\s+name\s+is|my\s+name's|i\s+am|i'm|this\s+is|it's|it\s+is|name:|signed:|contact:)"
    rf"[ \t]{{1,3}}(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?[ \t]{{1,3}})?"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]{{1,3}}{_NAME_WORD}){{0,2}})",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(
    r"(?im)^(?P<lead>[ \t>]{0,8}(?:from|to|cc|bcc|sent by|reply-to|von|an|de|à)[ \t]{0,3}:)(?P<value>[^\n]{1,500})"
)
# A run of words on one line; the callback picks the capitalised runs out of it
# (Python's re has no Unicode upper-case class, so "María José" is checked in code).
_WORD_RUN = re.compile(rf"{_NAME_WORD}\.?(?:[ \t]{{1,3}}{_NAME_WORD}\.?){{0,40}}")
_AFTER_NAME = re.compile(rf"\[name\][ \t]{{1,3}}(?:[A-Z]\.[ \t]{{0,2}})?(?P<word>{_NAME_WORD})")
_BEFORE_NAME = re.compile(rf"(?P<word>{_NAME_WORD})[ \t]{{1,3}}\[name\]")
# "[name] and Bob", "[name], Bob": more names after one already taken.
_NAME_LIST = re.compile(
    rf"\[name\](?P<sep>(?:,[ \t]{{1,3}}|[ \t]{{1,3}})(?:(?:and|&|und|et|y|or)[ \t]{{1,3}})?)"
    rf"(?P<word>{_NAME_WORD})"
)
# The display name of an address: `Jane Doe <[email address]>`, `"Doe, Jane" <[email address]>`.
_DISPLAY_NAME = re.compile(
    rf"(?:\"[^\"\n]{{1,80}}\"|'[^'\n]{{1,80}}'|(?P<words>(?:{_NAME_WORD}\.?[ \t]{{1,3}}){{0,3}}{_NAME_WORD}))"
    r"(?P<gap>[ \t]{0,3})<\[email address\]>"
)
_PARTICLES = _words("van von der den de da di du le la bin al ibn del dos y")
_TITLES = _words("mr mrs ms miss mx dr prof sir dame lord lady herr frau monsieur madame señor señora")

# Title-case words that start sentences, name products, places or calendar
# dates: a capitalised pair made only of these (or starting with one) is not taken as a name.
_COMMON = _words("""
a about account accounts action admin administrator after again all also am an and any are as at attached attachment
august april bank be because been before best billing board but by call can card click company confirm contact
corporation could customer data day dear december department desk details do document does download drive due each
email end enter error every february find first for free friday from full good google great group guidance have
he hello help her here hi his hr human i if important in inc information invoice is it january job july june just
kind last limited linkedin login ltd mail manager march may me message microsoft monday more my need new next no
not notice november october of office on once one only or order our outlook over page password payment people
please policy portal position privacy regards reply request required resources review sales saturday secure
security september service services she share sign since sir so some sunday support system team teams thank thanks
that the their them then there these they this thursday to today tuesday update urgent us user verify we wednesday
week welcome what when which who will with work would year yes you your
""")
_GREETING_NOT_NAMES = _words(
    "all there everyone team colleague colleagues customer customers user users sir madam friend friends folks "
    "valued member members client clients partner partners guys again back"
)


# Who a message was addressed to: the targeted people, at our own domains.
_RECIPIENT_HEADERS = frozenset({"to", "cc", "delivered-to", "x-original-to"})
# Shared mailboxes name no one; redacting "info" or "security" would eat ordinary words.
_ROLE_MAILBOXES = _words("info admin security abuse postmaster noreply no-reply support help helpdesk sales contact")


# A staff member's private address at a public mail service says nothing about our domains.
_PUBLIC_MAIL = _words(
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com icloud.com me.com "
    "proton.me protonmail.com gmx.com gmx.de gmx.net web.de aol.com mail.com yandex.ru"
)


@dataclass(slots=True)
class RedactionContext:
    """What we know about the people involved, and what may stay."""

    names: set[str] = field(default_factory=set)  # full names and name parts, as written
    addresses: set[str] = field(default_factory=set)  # lower-case email addresses
    internal_domains: tuple[str, ...] = ()
    allowed: frozenset[str] = frozenset()  # contacts that may stay (the security team's own)

    def add_address(self, display: str, address: str) -> None:
        if address and "@" in address:
            address = address.lower()
            self.addresses.add(address)
            local = address.split("@", 1)[0]
            parts = [p for p in re.split(r"[._+\-0-9]+", local) if p]
            # first.last, j.smith: a person's name. A single word (offers, hr, jdoe) is a role or
            # a handle, and the display name, when there is one, names the person anyway.
            if len(parts) >= 2:
                for part in parts:
                    if len(part) >= 3 and part.isalpha() and part not in _COMMON:
                        self.names.add(part)
        display = display.strip().strip("'\"")
        if display and "@" not in display:
            self.add_name(display)

    def add_recipient(self, address: str, domains: set[str]) -> None:
        """A targeted person's address: its whole local part ("jdoe", "carol") names them, and
        its domain is ours (a lure sent to staff goes to our own domains)."""
        address = address.strip().lower()
        local, _, domain = address.partition("@")
        if not domain:
            return
        if len(local) >= 3 and local not in _COMMON and local not in _ROLE_MAILBOXES:
            self.names.add(local)
        domain = domain.strip(".")
        if "." in domain and domain not in _PUBLIC_MAIL:
            domains.add(domain)

    def add_name(self, name: str) -> None:
        name = re.sub(r"\s+", " ", name).strip(" ,;'\"")
        if not name:
            return
        self.names.add(name)
        for part in re.split(r"[\s,]+", name):
            part = part.strip(".'’()")
            if len(part) >= 2 and part.replace("-", "").replace("'", "").isalpha():
                self.names.add(part)

    @classmethod
    def from_analyses(
        cls, results: Iterable[dict[str, Any]], internal_domains: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> RedactionContext:
        """Reporters and recipients from stored analyses (Analysis.to_dict())."""
        ctx = cls(
            internal_domains=tuple(d.lower().strip(".") for d in internal_domains),
            allowed=frozenset(a.lower() for a in allowed),
        )
        domains = set(ctx.internal_domains)
        for result in results:
            headers = result.get("headers") or {}
            for name in ("to", "cc", "delivered-to", "x-original-to", "from", "reply-to", "sender"):
                for display, address in getaddresses([str(headers.get(name, ""))]):
                    ctx.add_address(display, address)
                    if name in _RECIPIENT_HEADERS:
                        ctx.add_recipient(address, domains)
            wrapper = result.get("wrapper") or {}
            if wrapper.get("reporter_address"):
                ctx.add_address("", str(wrapper["reporter_address"]))
                ctx.add_recipient(str(wrapper["reporter_address"]), domains)
            auth = result.get("auth") or {}
            for key in ("from_address", "reply_to", "return_path"):
                if auth.get(key):
                    ctx.addresses.add(str(auth[key]).lower())
        ctx.internal_domains = tuple(sorted(domains))
        return ctx


@dataclass(slots=True)
class Redacted:
    text: str
    counts: dict[str, int]


class _Pass:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def hit(self, kind: str, marker: str = "") -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return marker


def is_internal_host(host: str, internal_domains: Iterable[str]) -> bool:
    host = host.lower().strip(".[]")
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    if "." not in host:
        return True
    return host.endswith(INTERNAL_SUFFIXES) or any(host == d or host.endswith("." + d) for d in internal_domains)


def defang(host: str) -> str:
    return host.replace(".", "[.]")


def _url_host(url: str) -> str:
    rest = re.split(r"://|\[://\]|\[:\]//", url, maxsplit=1)[-1]
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    return authority.rpartition("@")[2].split(":")[0].replace("[.]", ".").lower()


def redact(text: str, ctx: RedactionContext | None = None) -> Redacted:
    """`text` with people and internal infrastructure replaced by markers, and what was replaced (counts)."""
    ctx = ctx or RedactionContext()
    counts: dict[str, int] = {}
    p = _Pass(counts)

    def url(m: re.Match[str]) -> str:
        host = _url_host(m.group())
        if not host or is_internal_host(host, ctx.internal_domains):
            p.hit("link")
            return LINK
        p.hit("url path")
        return f"hxxp://{defang(host)}/…"

    text = _URL.sub(url, text)
    text = _WWW.sub(url, text)

    def email(m: re.Match[str]) -> str:
        value = m.group().replace("%40", "@").replace("＠", "@")
        if "@" not in value:
            return m.group()
        if value.lower() in ctx.allowed:
            return m.group()
        p.hit("email")
        return EMAIL

    text = _EMAIL.sub(email, text)
    text = _OBFUSCATED_EMAIL.sub(email_obfuscated(p), text)
    for address in sorted(ctx.addresses, key=len, reverse=True):  # e.g. split over a line break
        if address in text.lower():
            text = re.sub(re.escape(address), lambda _m: p.hit("email", EMAIL), text, flags=re.IGNORECASE)

    text = _UNC.sub(lambda _m: p.hit("path", PATH), text)

    def ip(m: re.Match[str]) -> str:
        try:
            address = ipaddress.ip_address(m.group())
        except ValueError:
            return m.group()
        if address.is_global:
            return m.group()
        p.hit("address")
        return ADDRESS

    text = _IPV4.sub(ip, text)
    text = _IPV6.sub(lambda m: ip(m) if m.group().count(":") >= 2 else m.group(), text)

    def host(m: re.Match[str]) -> str:
        value = m.group()
        if value.lower().strip(".").endswith(INTERNAL_SUFFIXES) or any(
            value.lower() == d or value.lower().endswith("." + d) for d in ctx.internal_domains
        ):
            p.hit("host")
            return HOST
        return value

    text = _HOSTNAME.sub(host, text)

    def phone(m: re.Match[str]) -> str:
        value = m.group()
        digits = sum(c.isdigit() for c in value)
        if digits < 7 or _DATE_LIKE.fullmatch(value.strip()):
            return value
        if re.sub(r"[^\d+]", "", value) in {re.sub(r"[^\d+]", "", a) for a in ctx.allowed}:
            return value
        p.hit("phone")
        return PHONE

    text = _PHONE.sub(phone, text)
    text = _redact_names(text, ctx, p)
    return Redacted(text, counts)


def email_obfuscated(p: _Pass) -> Any:
    def replace(m: re.Match[str]) -> str:
        value = m.group()
        # "meet at noon dot com" would need a TLD at the end: required by the pattern.
        p.hit("email")
        return EMAIL if value else value

    return replace


def _name_words_ok(name: str, greeting: bool = False) -> bool:
    words = [w.strip(".'’-").lower() for w in name.split()]
    words = [w for w in words if w]
    if not words:
        return False
    if greeting:
        return words[0] not in _GREETING_NOT_NAMES and words[0] not in _COMMON
    return not all(w in _COMMON for w in words) and words[0] not in _COMMON


def _redact_names(text: str, ctx: RedactionContext, p: _Pass) -> str:
    # Known people first: longest names first, so "Jane Doe" goes whole before "Jane".
    for name in sorted(ctx.names, key=len, reverse=True):
        if len(name) < 2:
            continue
        common = name.lower() in _COMMON
        flags = 0 if common else re.IGNORECASE  # "may", "will": only when written as a name
        pattern = re.compile(rf"(?<![\w@]){re.escape(name)}(?:'s|’s)?(?![\w@])", flags)
        text = pattern.sub(lambda _m: p.hit("name", NAME), text)

    def header(m: re.Match[str]) -> str:
        value = m.group("value").strip()
        if not value or all(part.strip() in MARKERS for part in re.split(r"[,;<>]", value) if part.strip()):
            return m.group()
        p.hit("name")
        return f"{m.group('lead')} {NAME}"

    text = _HEADER_LINE.sub(header, text)

    def display(m: re.Match[str]) -> str:
        words = m.group("words")
        if words is not None:
            # Unquoted: only the capitalised words right before the address are the name.
            parts = words.split()
            keep = len(parts)
            while keep and _is_cap(parts[keep - 1]) and parts[keep - 1].strip(".").lower() not in _COMMON:
                keep -= 1
            if keep == len(parts):
                return m.group()
            p.hit("name")
            lead = " ".join(parts[:keep])
            return f"{lead}{' ' if lead else ''}{NAME}{m.group('gap')}<{EMAIL}>"
        p.hit("name")
        return f'"{NAME}"{m.group("gap")}<{EMAIL}>'

    text = _DISPLAY_NAME.sub(display, text)

    def greeting(m: re.Match[str]) -> str:
        name = m.group("name")
        if name.split()[0].strip(".").lower() in _TITLES or not _name_words_ok(name, greeting=True):
            return m.group()
        # Keep only the words that look like a name: "Dear John, thanks" ends the name at the comma
        # already; "Hi John how are you" would take "how are you" too, so stop at the first common word.
        kept: list[str] = []
        for word in name.split():
            if kept and word.strip(".").lower() in _COMMON:
                break
            kept.append(word)
        rest = name[len(" ".join(kept)) :] if name.startswith(" ".join(kept)) else ""
        p.hit("name")
        return f"{m.group('lead')}{NAME}{rest}"

    text = _GREETING.sub(greeting, text)

    def closing(m: re.Match[str]) -> str:
        line = m.group("name")
        # The signature's first line: a name, often followed by "| Company | phone" or ", Title".
        segment = re.split(r"[ \t][|/–—-][ \t]|,|\t", line, maxsplit=1)[0].strip()
        if (
            not segment
            or segment in MARKERS
            or len(segment.split()) > 4
            or segment.endswith((".", "?", ":"))
            or not segment[0].isalpha()
        ):
            return m.group()
        p.hit("name")
        start = line.index(segment)
        return f"{m.group('lead')}{m.group('sep')}{line[:start]}{NAME}{line[start + len(segment) :]}"

    text = _CLOSING.sub(closing, text)

    def intro(m: re.Match[str]) -> str:
        name = m.group("name")
        words = name.split()
        # "I am writing", "this is urgent": a name is capitalised after these leads.
        if not words[0][:1].isupper() or words[0].lower() in _COMMON:
            return m.group()
        kept = [w for w in words if w[:1].isupper()]
        kept = words[: len(kept)] if kept == words[: len(kept)] else words[:1]
        p.hit("name")
        return m.group()[: m.start("name") - m.start()] + NAME + name[len(" ".join(kept)) :]

    text = _INTRO.sub(intro, text)

    text = _WORD_RUN.sub(lambda m: _capitalised_names(m.group(), p), text)

    def neighbour(m: re.Match[str]) -> str:
        # "[name] O'Neill-Smith", "Jane [name]": the rest of a name whose other part was known.
        word = m.group("word")
        if not _is_cap(word) or word.strip(".'’-").lower() in _COMMON:
            return m.group()
        p.hit("name")
        return NAME

    text = _AFTER_NAME.sub(neighbour, text)
    text = _BEFORE_NAME.sub(neighbour, text)

    def listed(m: re.Match[str]) -> str:
        word = m.group("word")
        if not _is_cap(word) or word.strip(".'’-").lower() in _COMMON:
            return m.group()
        p.hit("name")
        return f"{NAME}{m.group('sep')}{NAME}"

    for _ in range(3):  # "Hi [name], Bob and Carol": one more name per round
        text = _NAME_LIST.sub(listed, text)
    return text


def _is_cap(word: str) -> bool:
    core = word.strip(".'’-")
    return len(core) >= 2 and core[0].isupper() and any(c.islower() for c in core[1:])


def _capitalised_names(run: str, p: _Pass) -> str:
    """Replace runs of two or more capitalised non-common words (and one after a title) in a word run."""
    words = run.split()
    if len(words) < 2 and not any(w.strip(".").lower() in _TITLES for w in words):
        return run
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        bare = word.strip(".,'’").lower()
        after_title = bare in _TITLES and i + 1 < len(words) and _is_cap(words[i + 1])
        j = i + 1 if after_title else i
        start = j
        while j < len(words) and (
            (_is_cap(words[j]) and words[j].strip(".'’-").lower() not in _COMMON)
            or (j > start and words[j].lower() in _PARTICLES and j + 1 < len(words) and _is_cap(words[j + 1]))
            or (j > start and re.fullmatch(r"[A-Z]\.", words[j]) is not None)
        ):
            j += 1
        length = j - start
        if length >= 2 or (after_title and length == 1):
            if after_title:
                out.append(word)
            trailing = words[j - 1][len(words[j - 1].rstrip(".")) :] if not after_title or length else ""
            out.append(NAME + ("." if trailing and j == len(words) else ""))
            p.hit("name")
            i = j
        else:
            out.append(word)
            i += 1
    return " ".join(out) if out != words else run


def find_leaks(text: str, ctx: RedactionContext | None = None) -> dict[str, int]:
    """What `redact` would still replace in `text`: empty when it is safe to publish.

    Only the definite kinds count (addresses, phones, internal hosts and known
    people); the positional name heuristics are for drafts, where over-redaction
    is cheap, and would refuse ordinary prose the analyst wrote.
    """
    ctx = ctx or RedactionContext()
    counts = dict(redact(text, ctx).counts)
    counts.pop("url path", None)
    if "name" in counts:
        known_only = RedactionContext(names=ctx.names, internal_domains=ctx.internal_domains, allowed=ctx.allowed)
        names = _Pass({})
        for name in sorted(known_only.names, key=len, reverse=True):
            flags = 0 if name.lower() in _COMMON else re.IGNORECASE
            if re.search(rf"(?<![\w@]){re.escape(name)}(?![\w@])", text, flags):
                names.hit("name")
        counts.pop("name")
        if names.counts:
            counts["name"] = names.counts["name"]
    return counts
