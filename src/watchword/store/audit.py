"""The audit trail: append-only, each event's hash covering the one before it.

Editing an event breaks its own hash; deleting one breaks the next event's
link. `verify()` walks the chain and names the first break.

Deleting the newest events would leave a shorter chain that still links up,
so the chain is anchored outside the database: after every commit that
appended events, the head's id and hash are written to a checkpoint file
(`Anchor`, by default `$DATA_DIR/audit.anchor`), signed with an HMAC key
derived from the secret key (which can live outside the data directory).
`verify()` then also checks that the signed head is still in the chain: a
truncated tail (or a rewritten one) no longer contains it. What it cannot see:
events appended after the last checkpoint was written and removed before it
was written again (a crash between the commit and the file write), and
someone holding the key who signs an older head.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from watchword.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
log = logging.getLogger("watchword.audit")
_APPENDED = "audit_appended"  # Session.info flag: this transaction appended events


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
    session.info[_APPENDED] = True
    return event


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    events: int
    head: str
    problem: str = ""


def verify(session: Session, anchor: Anchor | None = None) -> ChainCheck:
    """Walk the chain; then check that the signed checkpoint's head is still in it.

    `anchor` defaults to the one registered for the session's engine (`anchor_to`).
    """
    anchor = anchor or _anchor_of(session)
    checkpoint = anchor.read() if anchor is not None else None
    prev_hash = GENESIS
    count = 0
    anchored = False
    for found in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if found.prev_hash != prev_hash:
            return ChainCheck(False, count, prev_hash, f"event {found.id}: the event before it was deleted or altered")
        expected = _digest(
            found.prev_hash, found.at, found.actor, found.action, found.object_type, found.object_id, found.detail
        )
        if expected != found.hash:
            return ChainCheck(False, count, prev_hash, f"event {found.id}: its content was edited")
        if isinstance(checkpoint, Checkpoint) and found.id == checkpoint.event_id:
            if found.hash != checkpoint.hash:
                return ChainCheck(False, count, prev_hash, f"event {found.id}: not the event the checkpoint signed")
            anchored = True
        prev_hash = found.hash
    if anchor is None:
        return ChainCheck(True, count, prev_hash)
    if checkpoint == "forged":
        return ChainCheck(False, count, prev_hash, f"the checkpoint {anchor.path} is not signed by our key")
    if checkpoint is None:
        if count:
            return ChainCheck(False, count, prev_hash, f"the checkpoint {anchor.path} is missing")
        return ChainCheck(True, count, prev_hash)
    if not anchored:
        assert isinstance(checkpoint, Checkpoint)
        return ChainCheck(
            False,
            count,
            prev_hash,
            f"the newest events were removed: the checkpoint's head (event {checkpoint.event_id}) is not in the chain",
        )
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


# -- the checkpoint outside the database ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    event_id: int
    hash: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """A signed checkpoint file: the newest committed event's id and hash."""

    path: Path
    secret: Callable[[], bytes]  # the runtime's secret key; the signing key is derived from it

    def _mac(self, event_id: int, head: str) -> str:
        key = hmac.new(self.secret(), b"watchword audit checkpoint v1", hashlib.sha256).digest()
        return hmac.new(key, f"{event_id}:{head}".encode(), hashlib.sha256).hexdigest()

    def read(self) -> Checkpoint | str | None:
        """The checkpoint; None when there is none yet; "forged" when its signature does not hold."""
        try:
            data = json.loads(self.path.read_text())
            event_id, head, mac = int(data["event_id"]), str(data["hash"]), str(data["mac"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return "forged"
        # As bytes: a forged mac with a non-ASCII character is a mismatch, not a TypeError.
        if not hmac.compare_digest(mac.encode(), self._mac(event_id, head).encode()):
            return "forged"
        return Checkpoint(event_id, head)

    def advance(self, engine: Engine) -> None:
        """Sign the committed head, if the chain still holds the head signed before.

        Never backwards (another process may have signed a newer head), and never over
        a break: when the event the checkpoint names is gone or changed, the tail was
        cut or rewritten, and the old checkpoint stays so that `verify` reports it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            current = self.read()
            anchored = current.event_id if isinstance(current, Checkpoint) else -1
            with engine.connect() as conn:
                rows = conn.execute(
                    select(AuditEvent.id, AuditEvent.hash).where(
                        or_(
                            AuditEvent.id == anchored,
                            AuditEvent.id == select(func.max(AuditEvent.id)).scalar_subquery(),
                        )
                    )
                ).all()
            found = dict(rows)
            if not found:
                return
            head = max(found)
            if isinstance(current, Checkpoint):
                if found.get(current.event_id) != current.hash:
                    log.error("audit chain: the checkpointed event %s is gone or changed", current.event_id)
                    return
                if current.event_id >= head:
                    return
            elif current == "forged":
                log.error("audit chain: the checkpoint %s is not signed by our key; left as it is", self.path)
                return
            body = json.dumps({"event_id": head, "hash": found[head], "mac": self._mac(head, found[head])})
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(body)
            os.replace(tmp, self.path)
        finally:
            os.close(lock_fd)  # releases the lock


# By pool: the write sessions' engine is a copy with other execution options, sharing the pool.
_ANCHORS: weakref.WeakKeyDictionary[Pool, Anchor] = weakref.WeakKeyDictionary()


def anchor_to(engine: Engine, anchor: Anchor) -> None:
    """Checkpoint this engine's audit chain in `anchor` after every commit that appends to it."""
    _ANCHORS[engine.pool] = anchor


def _anchor_of(session: Session) -> Anchor | None:
    return _ANCHORS.get(session.get_bind().engine.pool)


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    if not session.info.pop(_APPENDED, False):
        return
    anchor = _anchor_of(session)
    if anchor is None:
        return
    try:
        anchor.advance(session.get_bind().engine)
    except Exception:
        log.exception("the audit checkpoint could not be written")


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_APPENDED, None)
