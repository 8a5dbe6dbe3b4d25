"""Fingerprint stage: what campaign assignment needs, computed once per report.

Three facts, all pure functions of the earlier stages' output:

- `content_hash`: a hash of the *normalised* content. Two reports of one wave
  that differ only in personalisation (recipient name, amounts, dates,
  tracking tokens, transfer encoding, header order) hash equally and become
  sightings of one content.
- `shingles`: a MinHash signature (NUM_PERM 32-bit ints) of word 3-gram
  shingles over the same normalised text, for near-duplicate search with
  banded LSH (campaigns/engine.py).
- `campaign_keys`: typed candidate keys (`type:value`) for shared-indicator
  linking: sender and reply-to addresses, URL host+path, registrable domains,
  phones, wallets, IBANs, profiles, attachment hashes, persona names, the
  normalised subject. Which of them may link, and how strongly, is the
  campaigns package's policy (ubiquity lists, frequency caps), not this
  stage's: the keys are stored with the analysis so that a policy change is a
  re-clustering, not a re-analysis.

Why our own MinHash rather than datasketch: the signature is computed for the
whole token set in one vectorised numpy expression (no per-shingle Python
call), and multiply-shift hashing (the high 32 bits of a*x+b modulo 2**64,
with a odd) is a universal family that needs no modulo: uint64 arithmetic
wraps exactly as the scheme wants. `bench/campaigns.py` prints the throughput.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from watchword.analysis import asciiwords
from watchword.analysis.redirectors import unwrap
from watchword.analysis.text import clean_text
from watchword.analysis.urls import registrable_domain, split_url
from watchword.domain import Document
from watchword.domain.states import DocumentKind

if TYPE_CHECKING:
    import numpy as np

FINGERPRINT_VERSION = 3  # bump (and ANALYSIS_VERSION) when normalisation or hashing changes: stored keys become stale
NUM_PERM = 64
SHINGLE_WORDS = 3
MAX_TOKENS = 3000  # a long thread's tail adds no campaign signal but costs time
MAX_CHARS = 60_000
_GREETING_SPAN = 600


class _Hashing(NamedTuple):
    a: np.ndarray
    b: np.ndarray
    mask: np.uint64
    shift: np.uint64
    m1: np.uint64
    m2: np.uint64
    fifteen: np.uint64


@cache
def _hashing() -> _Hashing:
    """The MinHash permutations and the hashing constants, made on first use: numpy is imported here
    and not with the module (nor by scopemodel.py or typemodel.py), so a process that computes no
    signature and reads no free-text report, `watchword analyze` over emails (shingles=False), never
    loads it (~0.08 s CPU of its start-up). The same values as when they were module constants."""
    import numpy as np

    rng = np.random.default_rng(0x5EED)  # fixed seed: signatures are persisted and compared across runs
    # Multiply-shift hashing (the high 32 bits of a*x+b mod 2**64, a odd): a
    # universal family that needs no modulo, which was the costliest numpy step.
    a = rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)
    return _Hashing(
        a, b, np.uint64(0xFFFFFFFF), np.uint64(32), np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(15)
    )


def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The MinHash's multipliers (odd) and offsets, one of each per permutation."""
    hashing = _hashing()
    return hashing.a, hashing.b


# -- normalisation ---------------------------------------------------------------

# The lookahead matches no more than the alternatives' first letters already do; it lets the scan
# skip every other position at C speed (2.4x faster over the corpus's bodies with links).
_URL = re.compile(r"(?=[hfw])(?:(?:https?|ftp)://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+)", re.IGNORECASE)
# The lookbehind makes a match start only where a local part can start: without
# it every position of a long word is a fresh start and the scan is quadratic.
_EMAIL = re.compile(r"(?<![\w.+%'-])[\w.+%'-]{1,64}@[\w-]+(?:\.[\w-]+)+")
# In text an address is personalisation (a subject that greets the
# recipient's mailbox), dotless intranet and anonymised forms included.
_TEXT_ADDRESS = re.compile(r"(?<![\w.+%'-])[\w.+%'-]{1,64}@[\w-]+(?:\.[\w-]+)*")
# The patterns below with their \w tested from a table (re.ASCII), for ASCII text (str.isascii() reads
# a flag of the string): there \w is [a-zA-Z0-9_] in either mode, so they find the same.
_TEXT_ADDRESS_ASCII = re.compile(_TEXT_ADDRESS.pattern, re.ASCII)
# Greetings in the languages the corpus shows; the name after them is personalisation.
_GREETING = re.compile(
    r"(?im)^[ \t>]*(dear|hi|hello|hey|greetings|good (?:morning|afternoon|evening)|attn:?|"
    r"hallo|liebe[rs]?|sehr geehrte[rs]?(?: herr| frau| damen und herren)?|guten tag|"
    r"bonjour|cher|ch[eè]re|salut|beste|geachte(?: heer| mevrouw)?|hoi|"
    r"ol[aá]|oi|caro|cara|prezado|prezada|hola|estimad[oa]|querid[oa]|buongiorno|gentile|ciao)"
    r"\b[ \t]*[^\n,:;!]{0,48}"
)
# Lines of boilerplate (unsubscribe footers, legal notices, list footers) in
# the languages the corpus shows. A wave re-sent through another mailer or
# country wraps the same lure in other, often translated, boilerplate; left in,
# a long footer outweighs a short lure in the shingles. Phrases, not single
# words: "confidential" alone is often the lure itself. Plain substring
# searches: one regex alternation over the text cost 4 ms per 16 KB.
_BOILERPLATE_CUES = (
    "unsubscribe",
    "opt out",
    "opt-out",
    "©",
    "copyright",
    "all rights reserved",
    "privacy policy",
    "privacy notice",
    "this email was sent to",
    "this e-mail was sent to",
    "this message was sent to",
    "you are receiving this",
    "you received this",
    "if you no longer wish",
    "do not reply to this",
    "intended solely for",
    "intended only for",
    "not the intended recipient",
    "mailing list",
    "listinfo",
    "manage your preferences",
    "manage preferences",
    "manage your subscription",
    "abmelden",
    "abbestellen",
    "datenschutz",
    "alle rechte vorbehalten",
    "diese e-mail wurde",
    "sie erhalten diese",
    "désabonner",
    "desabonner",
    "désinscri",
    "desinscri",
    "tous droits réservés",
    "politique de confidentialité",
    "vous recevez cet",
    "darse de baja",
    "cancelar la suscripción",
    "cancelar suscripción",
    "todos los derechos reservados",
    "política de privacidad",
    "cancelar inscrição",
    "descadastr",
    "todos os direitos reservados",
    "política de privacidade",
    "disiscriv",
    "annulla l'iscrizione",
    "tutti i diritti riservati",
    "informativa sulla privacy",
    "uitschrijven",
    "afmelden",
    "alle rechten voorbehouden",
    "privacybeleid",
    "u ontvangt deze",
)


# An ASCII text can hold none of the cues with other characters ("©", "désabonner"): they are not
# searched for there (str.isascii() reads a flag of the string).
_ASCII_CUES = tuple(cue for cue in _BOILERPLATE_CUES if cue.isascii())

_BOILERPLATE_REACH = 200
_SENTENCE_ENDS = (". ", "! ", "? ")


def strip_boilerplate(text: str) -> str:
    """The text lower-cased, without its boilerplate lines (the tokens are case-folded anyway)."""
    low = text.lower()
    spans: list[tuple[int, int]] = []
    for cue in _ASCII_CUES if low.isascii() else _BOILERPLATE_CUES:
        at = low.find(cue)
        while at != -1:
            after = at + len(cue)
            # The line, but no further than the sentence and 200 characters
            # either way: an HTML body may be one long line with the lure in it.
            start = max(low.rfind("\n", 0, at) + 1, at - _BOILERPLATE_REACH)
            start = max([start] + [low.rfind(p, start, at) + 2 for p in _SENTENCE_ENDS])
            end = low.find("\n", after)
            end = min(len(low) if end == -1 else end, after + _BOILERPLATE_REACH)
            ends = [e + 1 for e in (low.find(p, after, end) for p in _SENTENCE_ENDS) if e != -1]
            end = min([end, *ends])
            spans.append((start, end))
            at = low.find(cue, end)
    if not spans:
        return low
    spans.sort()
    out, last = [], 0
    for start, end in spans:
        if start > last:
            out.append(low[last:start])
        last = max(last, end)
    out.append(low[last:])
    return " ".join(out)


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# The same tokens of ASCII text, [a-zA-Z0-9]+, split in C (asciiwords).
_TOKEN_ASCII = asciiwords.table(str.isalnum)
_SPACE = re.compile(r"\s+")
_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|wg|tr|sv|vs|rv|antw|doorst)\s*(?:\[\d+\])?\s*:)+", re.I)


def _host_token(match: re.Match[str]) -> str:
    # A link becomes its host: the path and query carry per-recipient tokens,
    # the host is the part the wave shares (the URL itself is a separate key).
    return _link_host(match.group())


@lru_cache(maxsize=16384)
def _link_host(url: str) -> str:
    """The host of a link in text, with a space either side (cached: a wave repeats its links)."""
    if url[:4].lower() == "www.":
        url = "http://" + url
    parts = split_url(url)
    host = parts[2].lower() if parts else ""
    return " " + (host[4:] if host.startswith("www.") else host) + " "


def recipient_tokens(to_header: str) -> frozenset[str]:
    """Words of the recipient's name and mailbox: personalisation to drop from the text."""
    words: set[str] = set()
    for piece in re.split(r"[\s<>\"',;()]+", to_header.casefold()):
        if not piece:
            continue
        if "@" in piece:
            local = piece.split("@", 1)[0]
            words.update(w for w in re.split(r"[._+-]+", local) if len(w) >= 3)
        elif len(piece) >= 3 and piece.isalpha():
            words.add(piece)
    return frozenset(words)


def normalise_tokens(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    """The text as tokens with personalisation removed (see module docstring)."""
    text = text[:MAX_CHARS]
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(_host_token, text)
    if "@" in text:
        text = (_TEXT_ADDRESS_ASCII if text.isascii() else _TEXT_ADDRESS).sub(" ", text)
    # Greetings open a message: searching the head is enough and keeps this linear in practice.
    head, tail = text[:_GREETING_SPAN], text[_GREETING_SPAN:]
    # The greeting goes with the name: one mailer writes "Dear Anna," another
    # "Hello Anna," and a third nothing, around the same lure.
    text = _GREETING.sub(" ", head) + tail
    folded = text.casefold()
    words = asciiwords.runs(folded, _TOKEN_ASCII) if folded.isascii() else _TOKEN.findall(folded)
    out: list[str] = []
    # In slices, each through list comprehensions (a Python loop per word was most of this stage's
    # time); a slice of words gives at most as many tokens, so the loop stops near MAX_TOKENS.
    for at in range(0, len(words), MAX_TOKENS):
        # Base64 runs and random identifiers (over 24 letters) are never the lure; nor the recipient's
        # name. A word with a digit (amount, date, id, tracking token) is one placeholder, "#".
        kept = [w if w.isalpha() else "#" for w in words[at : at + MAX_TOKENS] if len(w) <= 24 and w not in drop]
        if "#" in kept:
            # Runs of placeholders collapse: "12/03/2024" is one date. Words left out above do not
            # break a run, as they are not in the list.
            previous = out[-1] if out else ""
            kept = [w for w, p in zip(kept, [previous, *kept], strict=False) if w != "#" or p != "#"]
        out += kept
        if len(out) >= MAX_TOKENS:
            return out[:MAX_TOKENS]
    return out


@lru_cache(maxsize=256)
def _body_tokens(body: str, drop: frozenset[str]) -> tuple[str, ...]:
    """An email body's tokens, cached by the body and the words dropped: a wave's copies to one
    recipient (or to recipients the body does not name) carry one body. 256 entries: a body is up to
    60,000 characters and 3,000 tokens, so the cache stays under ~60 MB in the worst case (~5 MB for
    the corpus's bodies) in every pipeline process."""
    return tuple(normalise_tokens(strip_boilerplate(body), drop))


def normalise_subject(subject: str, drop: frozenset[str] = frozenset()) -> str:
    return " ".join(normalise_tokens(_SUBJECT_PREFIX.sub("", subject), drop))


# A reporter's own words compared without the form's answers from this many tokens on: fewer
# (a generic "He asked about our project") would make unrelated reports one text.
OWN_WORDS_ENOUGH = 12


# -- hashing ---------------------------------------------------------------------


def gram_hashes(tokens: list[str]) -> np.ndarray:
    """32-bit hashes of the word 3-grams in order, repeats included, combined from per-word CRC-32s.

    Each word's CRC-32 is computed in C (map over the words, no Python step per word): cheaper than
    the per-word cache this replaced, whose misses went through a Python call each.
    """
    import numpy as np

    h = _hashing()
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    ids = np.fromiter(map(zlib.crc32, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens))
    if len(tokens) < SHINGLE_WORDS:
        short: np.ndarray = (ids * h.m1).sum(keepdims=True) & h.mask
        return short
    # uint64 arithmetic on arrays wraps without a check or warning (only numpy scalars warn), so no
    # np.errstate around it: entering and leaving one cost more than the arithmetic for most bodies.
    grams = ((ids[:-2] * h.m1 + ids[1:-1]) * h.m2 + ids[2:]) & h.mask
    grams ^= grams >> h.fifteen
    return grams


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """32-bit hashes of the distinct word 3-grams (sorted)."""
    import numpy as np

    return np.unique(gram_hashes(tokens))


def minhash(hashes: np.ndarray) -> list[int]:
    import numpy as np

    if hashes.size == 0:
        return []
    h = _hashing()
    # The shift is monotonic, so the minimum of the shifted values is the shifted minimum: one pass
    # over the 64 x n products (added to in place) instead of three temporaries of that size. Array
    # arithmetic wraps silently (see gram_hashes).
    values = np.multiply.outer(h.a, hashes)
    values += h.b[:, None]
    # The ufunc's reduce itself: ndarray.min goes through a Python wrapper (numpy's _methods) first.
    result: list[int] = (np.minimum.reduce(values, axis=1) >> h.shift).tolist()
    return result


def content_digest(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# -- candidate keys -------------------------------------------------------------------

_LIST_HEADERS = ("list-unsubscribe", "list-archive", "list-help", "list-subscribe", "list-post", "list-owner")
_TRIVIAL_PATHS = frozenset({"", "/", "/index.html", "/index.php", "/favicon.ico", "/unsubscribe"})
_STRONG_INDICATORS = {
    "email": "email",
    "phone": "phone",
    "btc": "wallet",
    "eth": "wallet",
    "xmr": "wallet",
    "iban": "iban",
    "social": "social",
    "ipv4": "ip",
}
# A named organisation in a free-text report: capitalised words ending in a
# word that names a firm, a recruiter, an institute or a publication (the
# journalist's cover is as common as the headhunter's).
_ORG = re.compile(
    r"\b((?:[A-Z][\w&'-]+\s){1,4}(?:Ltd|LLC|Inc|GmbH|AG|SA|BV|Limited|Consulting|Consultancy|Partners|Group|"
    r"Associates|Recruitment|Recruiting|Talent|Solutions|Advisory|Capital|Holdings|Institute|Foundation|"
    r"Research|Ventures|Agency|Staffing|Executive Search|Review|Journal|Magazine|Times|Media|Press|News|"
    r"Association|Society|Council|Forum|Academy|University|Technologies|International)\b\.?)"
)
# "Northbridge Consulting Ltd." and "Northbridge Consulting" are one firm.
_LEGAL_FORM = re.compile(r"(?:\s+(?:ltd|llc|inc|gmbh|ag|sa|bv|limited|plc|co))+\.?$")
_PRIVATE_IP = re.compile(r"^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|0\.|169\.254\.)")
_LIST_ID = re.compile(r"<(?:mailto:)?([^<>\s]+)>")
_MESSAGE_ID = re.compile(r"<([^<>\s]{3,250})>")


def thread_root(headers: dict[str, str]) -> str:
    """The Message-ID that started this message's thread (its own, for a first message).

    References lists the thread from its root; a client that drops it still
    sets In-Reply-To. A phishing kit that forges one fixed "reply" id across
    a wave is linked by it too, which is right: it is the kit's fingerprint.
    """
    for name in ("references", "in-reply-to", "message-id"):
        for found in _MESSAGE_ID.finditer(headers.get(name, "")):
            value = found.group(1).lower()
            local = value.split("@", 1)[0]
            # Some clients quote the person replied to ("<garym@canada.com>")
            # where an id belongs; such a mailbox names a person, not a thread.
            if len(local) >= 10 or any(ch.isdigit() for ch in local):
                return value
    return ""


_FOOTER_URL = re.compile(r"https?://[^\s<>,]+")
_ADDRESS = _EMAIL


@lru_cache(maxsize=65536)
def url_key(url: str) -> tuple[str, str] | None:
    """(host+path, registrable domain) of a link; the query and fragment are dropped."""
    if "://" not in url:
        return None
    parts = split_url(url)
    if parts is None:
        return None
    host = parts[2].lower().rstrip(".")
    if not host:
        return None
    path = parts[4].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    domain = registrable_domain(host) or host
    return (f"{host}{path}" if path.lower() not in _TRIVIAL_PATHS else "", domain)


def _address(value: str) -> str:
    found = _ADDRESS.search(value or "")
    return found.group().lower().strip(".") if found else ""


def campaign_keys(
    doc: Document, recipients: frozenset[str], recipient_addresses: set[str], subject: str | None = None
) -> list[str]:
    keys: dict[str, None] = {}
    if subject is None:
        subject = normalise_subject(doc.subject, recipients)
    footer = {
        k
        for k in map(url_key, _FOOTER_URL.findall(" ".join(doc.headers.get(h, "") for h in _LIST_HEADERS)))
        if k is not None
    }
    if doc.kind == DocumentKind.EMAIL:
        sender = doc.auth.from_address if doc.auth else _address(doc.headers.get("from", ""))
        reply = doc.auth.reply_to if doc.auth else _address(doc.headers.get("reply-to", ""))
        for kind, addr in (("sender", sender), ("replyto", reply)):
            addr = _address(addr)
            if addr and addr not in recipient_addresses:
                keys[f"{kind}:{addr}"] = None
                host = addr.rsplit("@", 1)[1]
                keys[f"sdomain:{registrable_domain(host) or host}"] = None
        list_id = _LIST_ID.search(doc.headers.get("list-id", "")) or _LIST_ID.search(doc.headers.get("list-post", ""))
        if list_id:
            keys[f"list:{list_id.group(1).lower()}"] = None
        root = thread_root(doc.headers)
        if root:
            keys[f"thread:{root}"] = None
        if list_id and subject.strip("# "):
            # One list, one subject: a thread even when clients dropped
            # References and the subject is one word ("Re: Sorting").
            keys[f"thread:{list_id.group(1).lower()}|{subject}"] = None
    img_domains: set[str] = set()
    link_domains: set[str] = set()
    for link in doc.links:
        # A redirector (ad click, Safe Links, a newsletter player) is shared by
        # unrelated senders: only the destination it carries may link reports.
        wrapped = unwrap(link.target) if "://" in link.target else None
        if wrapped is not None and wrapped.target is None:
            continue
        found = url_key(wrapped.target if wrapped is not None and wrapped.target else link.target)
        if found is None:
            continue
        path_key, domain = found
        if link.kind == "img":
            img_domains.add(domain)  # brand logos hot-linked by kits and newsletters alike
            continue
        if found in footer or "listinfo" in path_key:
            continue  # a mailing list's own footer links join every post of the list
        link_domains.add(domain)
        keys[f"domain:{domain}"] = None
        if path_key:
            keys[f"url:{path_key}"] = None
    for ind in doc.indicators:
        if ind.type == "domain":
            dom = registrable_domain(ind.value) or ind.value
            if dom not in img_domains or dom in link_domains:
                keys[f"domain:{dom}"] = None
            continue
        ikind = _STRONG_INDICATORS.get(ind.type)
        if ikind is None:
            continue
        value = ind.value.lower()
        if ikind == "email" and (value in recipient_addresses or value.split("@", 1)[0] in recipients):
            continue
        if ikind == "ip" and _PRIVATE_IP.match(value):
            continue
        keys[f"{ikind}:{value}"] = None
    for att in doc.attachments:
        # Every empty attachment has the same hash, and inline images are
        # logos and signatures, shared by everyone who mails from that brand.
        if att.sha256 and att.size > 0 and not att.declared_type.startswith("image/"):
            keys[f"attachment:{att.sha256}"] = None
    persona_text = doc.text_input if doc.kind == "text" else ""
    persona_text += " " + " ".join(
        v for k, v in doc.answers.items() if any(w in k for w in ("name", "org", "company", "firm", "handle"))
    )
    for match in _ORG.finditer(persona_text):
        name = _LEGAL_FORM.sub("", _SPACE.sub(" ", match.group(1).casefold()).strip(" ."))
        name = name.removeprefix("the ").removeprefix("a ").removeprefix("an ")
        if name:
            keys[f"org:{name}"] = None
    if len([t for t in subject.split() if t != "#"]) >= 2:
        keys[f"subject:{subject}"] = None
    return [k for k in keys if not k.endswith(":")]


def fingerprint(doc: Document, shingles: bool = True) -> None:
    """Stage: content hash, shingles and campaign keys. `shingles=False` leaves the MinHash signature
    empty, for a caller that never reads it (`watchword analyze` drops it from what it prints): the
    3-gram hashes and MinHash are a sixteenth of an email's analysis, and nothing else depends on them."""
    recipients, recipient_addresses = recipients_of(doc)
    fingerprint_for(doc, recipients, recipient_addresses, shingles)


def recipients_of(doc: Document) -> tuple[frozenset[str], set[str]]:
    """What the fingerprint reads of the recipient and the reporter's wrapper: the words of the To
    and Cc names and mailboxes (dropped from the text), and their addresses with the reporter's
    (never a sender's key). The only part of the fingerprint that reads To, Cc or the wrapper."""
    to_header = doc.headers.get("to", "") + " " + doc.headers.get("cc", "")
    recipient_addresses = {m.group().lower() for m in _ADDRESS.finditer(to_header)}
    if doc.wrapper and doc.wrapper.reporter_address:
        recipient_addresses.add(doc.wrapper.reporter_address.lower())
    return recipient_tokens(to_header), recipient_addresses


def fingerprint_for(
    doc: Document, recipients: frozenset[str], recipient_addresses: set[str], shingles: bool = True
) -> None:
    """The fingerprint given `recipients_of(doc)`. It reads neither To, Cc nor the wrapper, and asks
    of the two sets only whether a word or an address is in them (analysis/reuse.py relies on both:
    a copy to another recipient gets the same facts when its sets answer those questions alike)."""
    body = doc.body_text
    if doc.kind == "text" and not body:
        # Free text: the reporter's words are the content (the text stage puts
        # them in body_text; fall back to the raw input if it has not run).
        body = "\n".join([doc.text_input, *doc.answers.values()])
    own_words = normalise_tokens(clean_text(doc.text_input), recipients) if doc.kind == "text" and doc.answers else []
    if len(own_words) >= OWN_WORDS_ENOUGH:
        # A guided form's answers (where, when, the options ticked) follow the reporter's words: one person
        # describes a found USB stick in a sentence, another in the same sentence with the answers filled
        # in, and as one text the two were too far apart to join (issue 15, item 8). Words that say
        # enough on their own are the content; the answers still give their campaign keys.
        tokens = own_words
    else:
        tokens = (
            # A set that records what it is asked (reuse.Asked) must be asked, not its cached answers.
            list(
                (_body_tokens if type(recipients) is frozenset else _body_tokens.__wrapped__)(
                    body[:MAX_CHARS], recipients
                )
            )
            if doc.kind == "email"
            else normalise_tokens(body, recipients)
        )
    subject = normalise_subject(doc.subject, recipients)
    subject_tokens = subject.split() if subject else []
    attachments = sorted(a.sha256 for a in doc.attachments if a.sha256)
    if tokens or subject_tokens or attachments:
        doc.content_hash = content_digest([doc.kind, subject, " ".join(tokens), *attachments])
    # A minimum per permutation: repeated shingles change nothing, so they are not removed first.
    if shingles:
        doc.shingles = minhash(gram_hashes(subject_tokens + tokens))
    doc.campaign_keys = campaign_keys(doc, recipients, recipient_addresses, subject)
