"""The audit trail: append-only, each event's hash covering the one before it.

Editing an event breaks its own hash; deleting one breaks the next event's
link. `verify()` walks the chain and names the first break. (Deleting the
newest events leaves a shorter but valid chain: `verify` prints the head hash
so that it can be anchored somewhere outside the database.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchword.store.models import AuditEvent, utcnow

GENESIS = "0" * 64


def _digest(
    prev_hash: str, at: dt.datetime, actor: str, action: str, object_type: str, object_id: str, detail: dict[str, Any]
) -> str:
    body = json.dumps(
        [prev_hash, _iso(at), actor, action, object_type, object_id, detail],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _iso(at: dt.datetime) -> str:
    # SQLite hands back naive datetimes; they were stored as UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction, so it commits with what it describes."""
    if session.get_bind().dialect.name == "postgresql":
        # Two concurrent appends must not both chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(7273268)"))
    prev = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = prev or GENESIS
    at = utcnow()
    detail = detail or {}
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor, action, object_type, str(object_id), detail),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    events: int
    head: str
    problem: str = ""


def verify(session: Session) -> ChainCheck:
    prev_hash = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != prev_hash:
            return ChainCheck(False, count, prev_hash, f"event {event.id}: the event before it was deleted or altered")
        expected = _digest(
            event.prev_hash, event.at, event.actor, event.action, event.object_type, event.object_id, event.detail
        )
        if expected != event.hash:
            return ChainCheck(False, count, prev_hash, f"event {event.id}: its content was edited")
        prev_hash = event.hash
    return ChainCheck(True, count, prev_hash)


def events(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    before: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Events newest first, filtered by who, what and on which object; keyset paging by id.

    An `action` ending in "." is a prefix ("report." finds every report action).
    """
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip())
    if action:
        action = action.strip()
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEvent.action == action
        )
    if object_type:
        query = query.where(AuditEvent.object_type == object_type.strip())
    if object_id:
        query = query.where(AuditEvent.object_id == object_id.strip())
    if before is not None:
        query = query.where(AuditEvent.id < before)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
