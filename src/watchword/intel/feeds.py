"""Indicator feeds in: STIX 2.1 bundles, MISP events and MISP feeds, CSV lists.

Parsing is pure (`parse_*` yield `FeedIndicator`s); `store_batch` writes one
import batch in set-based chunks. Nothing here touches the network: a MISP
feed is read from a local directory (manifest.json + <uuid>.json), as
mirrored by whatever fetched it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchword import clock, errors
from watchword.domain.states import FeedFormat
from watchword.intel import tlp as tlp_levels
from watchword.intel.normalise import infer_type, typed
from watchword.store.models import utcnow
from watchword.store.models_intel import ImportBatch, KnownBad
from watchword.store.upsert import upsert

DEFAULT_CONFIDENCE = 50
MAX_VALUE = 2048
_CHUNK = 5000  # rows per executemany call


@dataclass(frozen=True, slots=True)
class FeedIndicator:
    type: str
    value: str  # normalised
    confidence: int
    description: str = ""
    tlp: str | None = None  # the TLP 2.0 level the source marked it with


def strictest(*levels: str | None) -> str | None:
    """The most restrictive of the TLP levels given (None when none is given)."""
    known = [level for level in levels if level]
    if not known:
        return None
    out = known[0]
    for level in known[1:]:
        out = tlp_levels.stricter(out, level)
    return out


def _level(name: str) -> str | None:
    """A TLP level from a marking's or tag's own words, None when it names none we know."""
    try:
        return tlp_levels.normalise(name)
    except errors.Invalid:
        return None


@dataclass(slots=True)
class ParseResult:
    indicators: list[FeedIndicator]
    skipped: int
    format: str


def _confidence(value: Any, default: int) -> int:
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return default


# -- STIX 2.1 ---------------------------------------------------------------------

# One comparison `object-path = 'literal'` of the object paths we can match on.
_COMPARISON = re.compile(
    r"(?P<path>url:value|domain-name:value|ipv4-addr:value|ipv6-addr:value|email-addr:value"
    r"|email-message:(?:from_ref|sender_ref)\.value"
    r"|file:hashes\.(?:'[^']+'|\"[^\"]+\"|[A-Za-z0-9-]+))"
    r"\s*=\s*'(?P<literal>(?:[^'\\]|\\.)*)'"
)
_STIX_PATH_TYPE = {
    "url:value": "url",
    "domain-name:value": "domain",
    "ipv4-addr:value": "ipv4",
    "ipv6-addr:value": "ipv6",
    "email-addr:value": "email",
    "email-message:from_ref.value": "email",
    "email-message:sender_ref.value": "email",
}
_STIX_HASHES = {"md5": "md5", "sha-1": "sha1", "sha1": "sha1", "sha-256": "sha256", "sha256": "sha256"}


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def pattern_values(pattern: str) -> Iterator[tuple[str, str]]:
    """(type, raw value) of each equality comparison in a STIX pattern.

    A comparison joined to others by AND narrows the match (`file:name = x AND
    file:size = y`); alone its value is not known to be bad, so only hash
    comparisons (identifying on their own) are taken from such patterns.
    """
    conjunctive = " AND " in pattern.upper() or "FOLLOWEDBY" in pattern.upper()
    for match in _COMPARISON.finditer(pattern):
        path, literal = match.group("path"), _unescape(match.group("literal"))
        if path.startswith("file:hashes."):
            algo = path.removeprefix("file:hashes.").strip("'\"").lower()
            kind = _STIX_HASHES.get(algo)
            if kind:
                yield kind, literal
        elif not conjunctive:
            yield _STIX_PATH_TYPE[path], literal


def _expired(valid_until: Any) -> bool:
    """An indicator past its valid_until is no longer asserted bad by its producer."""
    if not valid_until:
        return False
    try:
        until = dt.datetime.fromisoformat(str(valid_until).replace("Z", "+00:00"))
    except ValueError:
        return False
    return (until if until.tzinfo else until.replace(tzinfo=dt.UTC)) < clock.now()


def _stix_markings(objects: Iterable[Any]) -> dict[str, str]:
    """marking-definition id -> TLP level: the published TLP 1.0 and 2.0 ids, and any TLP
    marking-definition the bundle itself carries (its own id, naming the level inside)."""
    levels: dict[str, str] = {}
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("type") != "marking-definition":
            continue
        level = None
        extension = (obj.get("extensions") or {}).get(tlp_levels.TLP2_EXTENSION_ID)
        if isinstance(extension, dict) and extension.get("tlp_2_0"):
            level = _level(str(extension["tlp_2_0"]))
        definition = obj.get("definition")
        if level is None and obj.get("definition_type") == "tlp" and isinstance(definition, dict):
            level = _level(str(definition.get("tlp", "")))
        if level is None and str(obj.get("name", "")).upper().startswith("TLP:"):
            level = _level(str(obj["name"]))
        if level:
            levels[str(obj.get("id"))] = level
    return levels


def _stix_tlp(obj: dict[str, Any], markings: dict[str, str]) -> str | None:
    refs = obj.get("object_marking_refs") or []
    return strictest(*(markings.get(str(r)) or tlp_levels.level_of_marking(str(r)) for r in refs))


def parse_stix(data: dict[str, Any], default_confidence: int = DEFAULT_CONFIDENCE) -> ParseResult:
    out: list[FeedIndicator] = []
    skipped = 0
    objects = data.get("objects", []) if data.get("type") == "bundle" else [data]
    markings = _stix_markings(objects)
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        if obj.get("revoked") or obj.get("pattern_type", "stix") != "stix" or _expired(obj.get("valid_until")):
            skipped += 1
            continue
        confidence = _confidence(obj.get("confidence"), default_confidence)
        description = str(obj.get("name") or obj.get("description") or "")[:500]
        level = _stix_tlp(obj, markings)
        found = False
        for kind, raw in pattern_values(str(obj.get("pattern", ""))):
            pair = typed(kind, raw)
            if pair is None:
                skipped += 1
                continue
            found = True
            out.append(FeedIndicator(pair[0], pair[1][:MAX_VALUE], confidence, description, level))
        if not found:
            skipped += 1
    out += _bare_observables(objects, default_confidence, {(i.type, i.value) for i in out}, markings)
    return ParseResult(out, skipped, FeedFormat.STIX)


# SCO type -> (our type, the property holding the value)
_SCO_VALUES = {
    "url": "url",
    "domain-name": "domain",
    "ipv4-addr": "ipv4",
    "ipv6-addr": "ipv6",
    "email-addr": "email",
}
_SCO_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256"}


def _bare_observables(
    objects: Iterable[Any], confidence: int, seen: set[tuple[str, str]], markings: dict[str, str]
) -> list[FeedIndicator]:
    """Observables a partner shared without an Indicator around them (many feeds are SCOs only)."""
    out: list[FeedIndicator] = []
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("revoked"):
            continue
        pairs: list[tuple[str, str]] = []
        kind = _SCO_VALUES.get(str(obj.get("type")))
        if kind and isinstance(obj.get("value"), str):
            pairs.append((kind, obj["value"]))
        if obj.get("type") == "file" and isinstance(obj.get("hashes"), dict):
            pairs += [(_SCO_HASHES[k], str(v)) for k, v in obj["hashes"].items() if k in _SCO_HASHES]
        level = _stix_tlp(obj, markings)
        for kind, raw in pairs:
            pair = typed(kind, raw)
            if pair is not None and pair not in seen:
                seen.add(pair)
                out.append(FeedIndicator(pair[0], pair[1][:MAX_VALUE], confidence, "observable", level))
    return out


# -- MISP ---------------------------------------------------------------------------

# MISP attribute type -> our type(s); composite types name one type per part.
_MISP_TYPES: dict[str, tuple[str, ...]] = {
    "url": ("url",),
    "uri": ("url",),
    "domain": ("domain",),
    "hostname": ("domain",),
    "ip-dst": ("ip",),
    "ip-src": ("ip",),
    "ip-dst|port": ("ip", ""),
    "ip-src|port": ("ip", ""),
    "domain|ip": ("domain", "ip"),
    "hostname|port": ("domain", ""),
    "email-src": ("email",),
    "email": ("email",),
    "email-reply-to": ("email",),
    "md5": ("md5",),
    "sha1": ("sha1",),
    "sha256": ("sha256",),
    "filename|md5": ("", "md5"),
    "filename|sha1": ("", "sha1"),
    "filename|sha256": ("", "sha256"),
    "btc": ("btc",),
    "xmr": ("xmr",),
    "iban": ("iban",),
    "phone-number": ("phone",),
}
# Inside MISP objects the relation names the role: an `email` object's `to` is a victim.
_OBJECT_RELATIONS_SKIPPED = frozenset({"to", "cc", "bcc", "to-display-name", "cc-display-name"})
_MISP_CONFIDENCE_TAG = re.compile(r'misp:confidence-level="?([\w-]+)"?')
_CONFIDENCE_WORDS = {
    "completely-confident": 100,
    "usually-confident": 75,
    "fairly-confident": 50,
    "rarely-confident": 25,
    "unconfident": 0,
}


def _misp_tlp(tags: Any) -> str | None:
    """The strictest `tlp:` tag of a MISP event or attribute (tags as dicts or names)."""
    names = [str(t.get("name", "")) if isinstance(t, dict) else str(t) for t in tags or []]
    return strictest(*(_level(n) for n in names if n.strip().lower().startswith("tlp:")))


def _misp_attribute(attr: dict[str, Any], confidence: int, out: list[FeedIndicator], tlp: str | None = None) -> int:
    """Append the attribute's indicators; return how many parts were skipped."""
    if attr.get("deleted") in (True, "1", 1) or attr.get("to_ids") in (False, "0", 0):
        return 1
    kinds = _MISP_TYPES.get(str(attr.get("type", "")))
    if not kinds:
        return 1
    parts = str(attr.get("value", "")).split("|") if len(kinds) > 1 else [str(attr.get("value", ""))]
    skipped = 0
    level = strictest(tlp, _misp_tlp(attr.get("Tag")))
    for kind, raw in zip(kinds, parts, strict=False):
        if not kind:
            continue
        pair = typed(kind, raw)  # an ip-dst may be a range: MISP allows CIDR notation there
        if pair is None:
            skipped += 1
            continue
        out.append(FeedIndicator(pair[0], pair[1][:MAX_VALUE], confidence, str(attr.get("comment") or "")[:500], level))
    return skipped


def parse_misp_event(data: dict[str, Any], default_confidence: int = DEFAULT_CONFIDENCE) -> ParseResult:
    event = data.get("Event", data)
    confidence = default_confidence
    for tag in event.get("Tag") or []:
        match = _MISP_CONFIDENCE_TAG.search(str(tag.get("name", "")))
        if match and match.group(1) in _CONFIDENCE_WORDS:
            confidence = _CONFIDENCE_WORDS[match.group(1)]
    out: list[FeedIndicator] = []
    skipped = 0
    level = _misp_tlp(event.get("Tag"))
    for attr in event.get("Attribute") or []:
        skipped += _misp_attribute(attr, confidence, out, level)
    for obj in event.get("Object") or []:
        for attr in obj.get("Attribute") or []:
            if attr.get("object_relation") in _OBJECT_RELATIONS_SKIPPED:
                skipped += 1
                continue
            if obj.get("name") == "email" and attr.get("object_relation") in ("from", "reply-to", "return-path"):
                attr = {**attr, "type": "email-src", "to_ids": True}
            skipped += _misp_attribute(attr, confidence, out, level)
    return ParseResult(out, skipped, FeedFormat.MISP)


def parse_misp_feed(directory: Path, default_confidence: int = DEFAULT_CONFIDENCE) -> ParseResult:
    """A MISP feed as MISP publishes it: manifest.json listing event uuids, one <uuid>.json each."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    out: list[FeedIndicator] = []
    skipped = 0
    for event_uuid in manifest:
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", str(event_uuid)):
            skipped += 1  # a manifest key must never become a path outside the feed
            continue
        path = directory / f"{event_uuid}.json"
        if not path.is_file():
            skipped += 1
            continue
        result = parse_misp_event(json.loads(path.read_text(encoding="utf-8")), default_confidence)
        out += result.indicators
        skipped += result.skipped
    return ParseResult(out, skipped, FeedFormat.MISP_FEED)


# -- CSV and plain lists -------------------------------------------------------------


def parse_csv(text: str, default_confidence: int = DEFAULT_CONFIDENCE) -> ParseResult:
    """A CSV with `type` and `value` columns (ours, or MISP's CSV export with MISP attribute
    types), or one value per line (type inferred).

    Lines starting with `#` are comments (our own blocklists carry their TLP there).
    """
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    out: list[FeedIndicator] = []
    skipped = 0
    header = [c.strip().lower() for c in next(csv.reader([lines[0]]))] if lines else []
    if "type" in header and "value" in header:
        # Ours (`type,value,...`) and MISP's CSV export (`uuid,event_id,category,type,value,...`,
        # with MISP attribute types): any header naming both columns.
        reader = csv.DictReader(io.StringIO("\n".join(lines[1:])), fieldnames=header)
        for row in reader:
            kind = (row.get("type") or "").strip().lower()
            raw = (row.get("value") or "").strip().lstrip("'")  # our own CSV's formula guard
            confidence = _confidence(row.get("confidence"), default_confidence)
            # Ours has a `tlp` column (TLP:AMBER); MISP's export puts tags in `attribute_tag`.
            level = strictest(
                _level(row.get("tlp") or "") if (row.get("tlp") or "").strip() else None,
                _misp_tlp((row.get("attribute_tag") or "").split(",")),
            )
            if kind in _MISP_TYPES and kind not in ("url", "domain", "md5", "sha1", "sha256", "btc", "xmr", "iban"):
                misp_row = {"type": kind, "value": raw, "to_ids": row.get("to_ids", "1"), "comment": row.get("comment")}
                if str(misp_row["to_ids"]).strip().lower() in ("false", "0"):
                    misp_row["to_ids"] = "0"
                skipped += _misp_attribute(misp_row, confidence, out, level)
                continue
            pair = typed(kind, raw) if kind else None
            if pair is None:
                skipped += 1
                continue
            out.append(FeedIndicator(pair[0], pair[1][:MAX_VALUE], confidence, tlp=level))
        return ParseResult(out, skipped, FeedFormat.CSV)
    for line in lines:
        raw = line.strip()
        inferred = infer_type(raw)
        pair = typed(inferred, raw) if inferred else None
        if pair is None:
            skipped += 1
            continue
        out.append(FeedIndicator(pair[0], pair[1][:MAX_VALUE], default_confidence))
    return ParseResult(out, skipped, FeedFormat.CSV)


def parse_path(path: Path, default_confidence: int = DEFAULT_CONFIDENCE) -> ParseResult:
    """Whatever `path` is: a MISP feed directory, a STIX bundle, a MISP event, or a list."""
    if path.is_dir():
        return parse_misp_feed(path, default_confidence)
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = json.loads(text)
        if data.get("type") == "bundle" or data.get("spec_version"):
            return parse_stix(data, default_confidence)
        if "Event" in data or "Attribute" in data:
            return parse_misp_event(data, default_confidence)
        raise ValueError(f"{path}: JSON that is neither a STIX bundle nor a MISP event")
    return parse_csv(text, default_confidence)


# -- storing --------------------------------------------------------------------------


def store_batch(session: Session, source: str, result: ParseResult, origin: str = "") -> ImportBatch:
    """Upsert the parsed indicators as known-bad from `source`, all under one new batch.

    A value the same source sends again takes the new confidence and moves to
    this batch, so the retro-hunt of this batch covers everything it asserted.
    """
    batch = ImportBatch(source=source[:200], format=result.format, origin=origin[:500], skipped=result.skipped)
    session.add(batch)
    session.flush()
    unique: dict[tuple[str, str], FeedIndicator] = {}
    for ind in result.indicators:
        known = unique.get((ind.type, ind.value))
        if known is None:
            unique[(ind.type, ind.value)] = ind
            continue
        # The same value twice in one feed: the higher confidence, under the stricter marking.
        best = ind if ind.confidence > known.confidence else known
        level = strictest(known.tlp, ind.tlp)
        unique[(ind.type, ind.value)] = FeedIndicator(best.type, best.value, best.confidence, best.description, level)
    now = utcnow()
    rows = [
        {
            "type": i.type,
            "value": i.value,
            "source": batch.source,
            "confidence": i.confidence,
            "description": i.description,
            "tlp": i.tlp,
            "batch_id": batch.id,
            "first_imported": now,
            "last_imported": now,
        }
        for i in unique.values()
    ]
    # One prepared statement run as executemany: compiling a 1,000-row VALUES list per
    # chunk costs SQLAlchemy more than SQLite spends inserting the rows.
    statement = upsert(session, KnownBad)
    statement = statement.on_conflict_do_update(
        index_elements=["type", "value", "source"],
        set_={
            "confidence": statement.excluded.confidence,
            "description": statement.excluded.description,
            "tlp": statement.excluded.tlp,
            "batch_id": statement.excluded.batch_id,
            "last_imported": statement.excluded.last_imported,
        },
    )
    for start in range(0, len(rows), _CHUNK):
        session.execute(statement, rows[start : start + _CHUNK])
    batch.indicator_count = len(rows)
    return batch


def known_bad_count(session: Session, source: str | None = None) -> int:
    query = select(func.count()).select_from(KnownBad)
    if source:
        query = query.where(KnownBad.source == source)
    return int(session.scalar(query) or 0)


def iter_sources(session: Session) -> Iterable[tuple[str, int]]:
    yield from session.execute(
        select(KnownBad.source, func.count()).group_by(KnownBad.source).order_by(KnownBad.source)
    ).tuples()
