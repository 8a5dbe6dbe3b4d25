"""TAXII 2.1 Add Objects: partners push STIX objects into the `feeds-in` collection.

A token with the `write` scope (or `admin`) POSTs an envelope; every object is
checked on its own (the stix2 library parses it, patterns included), so one bad
object is a failure in the status resource, never a refused request or a 500.
The accepted objects go the way of `watchword feeds import`: intel.feeds parses
their indicators and observables and stores them as known-bad, one import
batch per TLP level seen (the level is kept in the batch's `stats` and its
origin), and the retro-hunt is queued for the worker.

Nothing is stored as a TAXII object: `feeds-in` cannot be read back (a partner
never sees another partner's submissions), and the objects' only use here is
matching reported mail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from typing import Any

import stix2
import stix2.exceptions
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain.states import FeedFormat
from watchword.intel import tlp as tlp_mod
from watchword.intel.feeds import DEFAULT_CONFIDENCE, ParseResult, parse_stix, store_batch
from watchword.intel.retrohunt import enqueue_retrohunt
from watchword.store import audit
from watchword.store.models import utcnow
from watchword.store.models_intel import TaxiiStatus

MAX_OBJECTS = 10_000  # per request, besides the byte bound (WATCHWORD_TAXII_MAX_CONTENT_LENGTH)
_MESSAGE_CHARS = 300
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID = re.compile(r"(?P<type>[a-z0-9][a-z0-9-]{1,249})--" + _UUID)
# One equality comparison of a path we match on, with a quoted literal (only \' and \\ escaped):
# valid STIX patterning by construction. The stix2 library's grammar run (ANTLR) costs ~5 ms per
# pattern, three quarters of checking an indicator, so such patterns skip it; any other pattern runs it.
_PLAIN_PATTERN = re.compile(r"\[(?:url|domain-name|ipv4-addr|ipv6-addr|email-addr):value = '(?:[^'\\]|\\['\\])*'\]")
# TLP of objects that carry no TLP marking: the strictest level that still lets analysts act on it
# inside the organisation (AMBER), never CLEAR by default.
UNMARKED_TLP = "amber"


class StatusNotFound(errors.NotFound):
    """No status resource with that id for this requester."""


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def _record(obj: Any, message: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": "", "message": _short(message)}
    if isinstance(obj, dict):
        record["id"] = str(obj.get("id", ""))[:300]
        version = _version(obj)
        if version:
            record["version"] = version[:40]
    return record


def check_object(obj: Any) -> str | None:
    """Why this object cannot be accepted, or None when it can."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    kind, ident = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not isinstance(ident, str):
        return "an object needs a string type and id"
    match = _ID.fullmatch(ident)
    if match is None or match.group("type") != kind:
        return f"the id {ident[:100]!r} is not {kind[:50]}--<UUID>"
    if obj.get("spec_version", "2.1") != "2.1":
        return f"spec_version {str(obj.get('spec_version'))[:20]!r}: this server takes STIX 2.1 only"
    checked = obj
    if kind == "indicator" and obj.get("pattern_type") == "stix" and _PLAIN_PATTERN.fullmatch(str(obj.get("pattern"))):
        checked = {**obj, "pattern_type": "x-checked-plain"}  # the rest of the object is still checked
    try:
        # Custom (x-) objects and properties are allowed in, as the spec lets producers add them;
        # they are accepted and carry nothing we match on.
        stix2.parse(checked, allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
        return f"not valid STIX 2.1: {exc}"
    return None


def tlp_of(obj: dict[str, Any]) -> str:
    """The strictest TLP marking an object carries (TLP 2.0 or 1.0 ids); UNMARKED_TLP without one."""
    levels = [tlp_mod.level_of_marking(str(ref)) for ref in obj.get("object_marking_refs") or ()]
    found = [level for level in levels if level]
    if not found:
        return UNMARKED_TLP
    strictest = found[0]
    for level in found[1:]:
        strictest = tlp_mod.stricter(strictest, level)
    return strictest


def import_by_tlp(
    session: Session,
    source: str,
    by_level: dict[str, list[dict[str, Any]]],
    origin: str,
    default_confidence: int,
    stats: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Store checked STIX objects as known-bad through intel.feeds, one import batch per TLP level
    (kept in the batch's stats and origin), each batch's retro-hunt queued for the worker.

    Returns the batches ({batch_id, tlp, indicators}) and, per object id, what became of it."""
    batches: list[dict[str, Any]] = []
    outcome: dict[str, str] = {}
    nothing = "accepted; it carries nothing this server matches reports on"
    for level, group in sorted(by_level.items()):
        # Each object parsed once on its own: what it yields is its outcome, and together the batch.
        result = ParseResult([], 0, FeedFormat.STIX)
        for obj in group:
            alone = parse_stix({"type": "bundle", "objects": [obj]}, default_confidence)
            result.indicators += alone.indicators
            result.skipped += alone.skipped
            if alone.indicators:
                name = tlp_mod.TLP2_MARKINGS[level][1]
                outcome[obj["id"]] = f"imported as {len(alone.indicators)} known-bad indicator(s) at {name}"
            else:
                outcome.setdefault(obj["id"], nothing)
        if not result.indicators:
            continue
        name = tlp_mod.TLP2_MARKINGS[level][1]
        batch = store_batch(session, source, result, origin=f"{origin}, {name}")
        batch.stats = {**(batch.stats or {}), **(stats or {}), "tlp": level}
        enqueue_retrohunt(session, batch.id)
        batches.append({"batch_id": batch.id, "tlp": level, "indicators": batch.indicator_count})
    return batches, outcome


def add_objects(
    session: Session,
    collection_id: str,
    envelope: Any,
    actor: str,
    *,
    source: str,
    token_id: int | None = None,
    default_confidence: int = DEFAULT_CONFIDENCE,
) -> TaxiiStatus:
    """Check, import and account for every object of a TAXII envelope; return the complete status."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise errors.Invalid('The body must be a TAXII envelope: a JSON object with an "objects" list.')
    objects: list[Any] = envelope["objects"]
    if len(objects) > MAX_OBJECTS:
        raise errors.TooLarge(f"At most {MAX_OBJECTS} objects per request; this one has {len(objects)}.")
    status_id = str(uuid.uuid4())
    successes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for obj in objects:
        problem = check_object(obj)
        if problem is not None:
            failures.append(_record(obj, problem))
            continue
        by_level[tlp_of(obj)].append(obj)
    batches, outcome = import_by_tlp(
        session, source, by_level, f"TAXII add objects {status_id}", default_confidence, {"taxii_status": status_id}
    )
    for level_objects in by_level.values():
        for obj in level_objects:
            successes.append(_record(obj, outcome.get(obj["id"], "accepted")))
    status = TaxiiStatus(
        id=status_id,
        collection=collection_id,
        actor=actor[:100],
        request_timestamp=utcnow(),
        total_count=len(objects),
        success_count=len(successes),
        failure_count=len(failures),
        pending_count=0,
        batch_id=batches[0]["batch_id"] if batches else None,
        details={
            "successes": successes,
            "failures": failures,
            "pendings": [],
            "batches": batches,
            "token_id": token_id,
        },
    )
    session.add(status)
    session.flush()
    audit.record(
        session,
        actor,
        "intel.taxii_add",
        "taxii_status",
        status_id,
        {
            "collection": collection_id,
            "total": len(objects),
            "success": len(successes),
            "failure": len(failures),
            "batches": [b["batch_id"] for b in batches],
        },
    )
    return status


def timestamp(value: dt.datetime) -> str:
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_resource(status: TaxiiStatus) -> dict[str, Any]:
    """The TAXII 2.1 status resource (section 4.3.1)."""
    details = status.details or {}
    pending = status.pending_count > 0
    body: dict[str, Any] = {
        "id": status.id,
        "status": "pending" if pending else "complete",
        "request_timestamp": timestamp(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    for key in ("successes", "failures", "pendings"):
        if details.get(key):
            body[key] = details[key]
    return body


def get_status(
    session: Session, status_id: str, actor: str, *, token_id: int | None = None, is_admin: bool = False
) -> TaxiiStatus:
    """A status resource, for the token that made the request (or an admin token)."""
    status = session.scalar(select(TaxiiStatus).where(TaxiiStatus.id == status_id[:36]))
    owner = status is not None and status.actor == actor and (status.details or {}).get("token_id") == token_id
    if status is None or not (owner or is_admin):
        raise StatusNotFound(f"No status {status_id[:100]} for this token.")
    return status


def envelope_from_bytes(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.Invalid(f"The body is not JSON: {exc}") from exc
