"""Domain types. Dataclasses with slots: the pipeline builds thousands a second."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields
from typing import Any

from watchword.domain.states import ApproachType, Channel, DocumentKind, IndicatorType, Scope

# The longest free text a report may carry (intake refuses more; a reporter's added detail counts too).
MAX_REPORT_TEXT_CHARS = 100_000
# PostgreSQL's text type cannot hold U+0000; SQLite can. A NUL carries nothing a person meant
# (a paste from a binary file), so the searchable and analysed copy of a reporter's text shows
# U+FFFD in its place on both stores alike, while the sealed copy of their words keeps it as sent.
UNSTORABLE_IN_TEXT = "\x00"


def storable_text(text: str) -> str:
    """`text` as every store can hold it: each NUL shown as U+FFFD, nothing else changed."""
    return text.replace(UNSTORABLE_IN_TEXT, "\ufffd") if UNSTORABLE_IN_TEXT in text else text


@dataclass(slots=True)
class IncomingReport:
    """What every channel builds before calling `intake.submit()`.

    `raw_email` is the suspicious message as bytes when there is one; the
    free text is the reporter's own words. Either may be empty, not both.
    `contact` is optional reporter contact detail: it is encrypted before it
    reaches the store and never appears in analysis output.
    """

    channel: Channel
    text: str = ""
    raw_email: bytes | None = None
    approach_hint: str | None = None  # what the reporter chose in a guided form
    answers: dict[str, str] = field(default_factory=dict)  # guided-form answers
    contact: str | None = None
    source_name: str | None = None  # file name or mailbox id, for the analyst
    reporter_address: str | None = None  # mail channel: the forwarding reporter
    # Mail channel: the reporter's own words above an attached original. Kept (sealed) with
    # this submission for the analyst, never analysed: they describe the message, not the attack.
    comment: str = ""
    # The reporter's language, a shipped one or "" (the page's, the mail's Content-Language, a guess).
    language: str = ""


@dataclass(slots=True, frozen=True)
class Indicator:
    """One normalised observable. `type` is one of INDICATOR_TYPES."""

    type: str
    value: str


INDICATOR_TYPES = tuple(str(t) for t in IndicatorType)  # the store checks these (domain/states.py)


@dataclass(slots=True)
class Link:
    """A link as the recipient saw it: where it goes and what it said."""

    target: str
    text: str = ""
    kind: str = "href"  # href | form | img | text (a bare URL in plain text)
    mismatch: bool = False  # visible text names a different host than the target


@dataclass(slots=True)
class Attachment:
    filename: str
    declared_type: str
    sniffed_type: str
    size: int
    sha256: str
    risk_flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AuthResult:
    """Sender authentication as recorded by the receiving servers' headers."""

    spf: str = "none"  # pass | fail | softfail | neutral | none | temperror | permerror
    dkim: str = "none"
    dmarc: str = "none"
    from_address: str = ""
    from_domain: str = ""
    reply_to: str = ""
    return_path: str = ""
    reply_to_mismatch: bool = False
    return_path_mismatch: bool = False
    display_name_spoof: bool = False  # display name shows an address or brand not matching the sender
    lookalike_of: str = ""  # the well-known domain the sender domain imitates, if any
    display_name_claims: str = ""  # the brand or address the display name shows, when it is not the sender's


@dataclass(slots=True)
class WrapperFacts:
    """Facts about the reporter's forwarding wrapper, kept apart from the original."""

    reporter_address: str = ""
    reporter_comment: str = ""
    shape: str = ""  # attachment | inline-gmail | inline-outlook | inline-apple | inline-thunderbird


@dataclass(slots=True)
class Document:
    """The working state of one report inside the pipeline.

    Stages read what earlier stages set and add their own facts. A stage never
    does I/O; it may append to `warnings` instead of raising on odd input.
    """

    kind: DocumentKind
    raw: bytes = b""
    text_input: str = ""  # the reporter's own words (free-text report or note beside an email)
    approach_hint: str = ""  # the approach type the reporter picked in a guided form, if any
    answers: dict[str, str] = field(default_factory=dict)  # guided-form answers, by question key
    form: str = ""  # the guided form the report came through (email, social, in_person, device, visitor, other)
    # -- set by parsing ------------------------------------------------------
    message: Any = None  # email.message.Message of the analysed (original) message
    subject: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # decoded, lower-case names
    received: list[str] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    attachment_payloads: list[bytes] = field(default_factory=list)  # only for sniffing, never opened
    wrapper: WrapperFacts | None = None
    # -- set by text and link extraction --------------------------------------
    body_text: str = ""
    links: list[Link] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    indicator_counts: dict[str, int] = field(default_factory=dict)  # distinct found by type, before any cap
    auth: AuthResult | None = None
    # -- set by classification ----------------------------------------------
    risk: float = 0.0
    reasons: list[str] = field(default_factory=list)
    approach_type: ApproachType = ApproachType.BENIGN
    also_types: list[ApproachType] = field(default_factory=list)  # other approach types the acts show
    language: str = ""  # en, zh, de, es, fr or ru, detected from the reporter's words
    reading: Any = None  # reading.Reading of a free-text report, for the scope guard
    scope: Scope = Scope.IN_SCOPE
    scope_reason: str = ""
    # -- set by fingerprinting ----------------------------------------------
    content_hash: str = ""  # hash of normalised content: equal for exact re-reports
    shingles: list[int] = field(default_factory=list)  # for near-duplicate campaigns
    campaign_keys: list[str] = field(default_factory=list)  # typed candidate keys for shared-indicator links
    warnings: list[str] = field(default_factory=list)


# Bump when a stage's output changes (fingerprint keys included): stored
# analyses of an older version are re-run by `watchword recluster`.
# 3: reports read as acts; 4: redirectors unwrapped (indicators and campaign keys); 5: a form report's own
# words fingerprinted without its answers when they say enough
ANALYSIS_VERSION = 5


@dataclass(slots=True)
class Analysis:
    """The stored, JSON-serialisable result of the pipeline for one report."""

    kind: str
    subject: str
    approach_type: str
    scope: str
    scope_reason: str
    risk: float
    reasons: list[str]
    indicators: list[dict[str, str]]
    links: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    auth: dict[str, Any] | None
    wrapper: dict[str, str] | None
    body_text: str
    content_hash: str
    shingles: list[int]
    warnings: list[str]
    headers: dict[str, str]
    version: int = ANALYSIS_VERSION
    campaign_keys: list[str] = field(default_factory=list)
    indicator_counts: dict[str, int] = field(default_factory=dict)
    also_types: list[str] = field(default_factory=list)
    language: str = ""

    @classmethod
    def from_document(cls, doc: Document) -> Analysis:
        return cls(
            kind=doc.kind,
            subject=doc.subject,
            approach_type=str(doc.approach_type),
            scope=str(doc.scope),
            scope_reason=doc.scope_reason,
            risk=round(doc.risk, 4),
            reasons=list(doc.reasons),
            indicators=[{"type": i.type, "value": i.value} for i in doc.indicators],
            links=[_as_dict(link) for link in doc.links],
            attachments=[_as_dict(a) for a in doc.attachments],
            auth=_as_dict(doc.auth) if doc.auth else None,
            wrapper=_as_dict(doc.wrapper) if doc.wrapper else None,
            body_text=doc.body_text,
            content_hash=doc.content_hash,
            shingles=list(doc.shingles),
            warnings=list(doc.warnings),
            headers=dict(doc.headers),
            campaign_keys=list(doc.campaign_keys),
            indicator_counts=dict(doc.indicator_counts),
            also_types=[str(t) for t in doc.also_types],
            language=doc.language,
        )

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


def stored_form(analysis: Analysis) -> dict[str, Any]:
    """What `Analysis.to_dict()` gives, without its deep copy (most of its cost): the
    values are already plain JSON data, and the store serialises them at once."""
    return {name: getattr(analysis, name) for name in _names(Analysis)}


def stored_text(analysis: Analysis) -> str:
    """The analysis as the store keeps it (`analyses.result`): `json.dumps` with its defaults,
    which is what the JSON column's own bind processor calls, so the stored bytes are the same
    whoever makes the text (the worker's pool beside the pipeline, or the writer)."""
    return json.dumps(stored_form(analysis))


def holds_reporter_comment(analysis: Analysis) -> bool:
    """The reporter's own words above a forwarded message, still plain: sealed before the
    analysis is stored (services/processing.seal_reporter_words), so not yet its stored text."""
    return bool(analysis.wrapper and analysis.wrapper.get("reporter_comment"))


# dataclasses.asdict, for the types above: their fields hold str, numbers, bools, None, the
# dataclasses above, and lists, tuples and dicts of those. asdict deep-copies through a generic
# path (a third of the cost of `watchword analyze` after the pipeline itself); this gives the same
# dict, with every list, tuple and dict fresh as asdict's are, and other values shared: strings,
# numbers and enums are immutable, and asdict's deepcopy returns those same objects.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def _as_dict(obj: Any) -> dict[str, Any]:
    names = _names(type(obj))
    return {name: _copy(getattr(obj, name)) for name in names}


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [item if type(item) in _PLAIN else _copy(item) for item in value]
    if kind is dict:
        return {
            key if type(key) in _PLAIN else _copy(key): item if type(item) in _PLAIN else _copy(item)
            for key, item in value.items()
        }
    if kind is tuple:
        return tuple(_copy(item) for item in value)
    if hasattr(kind, "__dataclass_fields__"):
        return _as_dict(value)
    return copy.deepcopy(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})
