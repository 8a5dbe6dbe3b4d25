"""STIX ids, `created` and `modified`, kept from the first export.

The STIX 2.1 spec wants SDO and SRO ids to be UUIDv4 (stix2-validator's
strict mode checks it), and a producer's object keeps its id for life:
`created` never changes, `modified` moves when the content does. So an id is
minted (uuid4) the first time an object is exported and stored under our own
key for it (`campaign|35`, `indicator|<digest of type and value>`); every
later export reuses it, and `modified` moves only when the digest of the
object's content changes. The installation's identity is one such object,
minted at the first export (in effect, at install) and never shared with any
other installation.

`MemoryIds` does the same in memory, for exports that are not backed by a
database (tools, tests); `StoredIds` keeps them in `intel_stix_ids`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from watchword.store.models_intel import StixIdentity
from watchword.store.upsert import insert_ignore


@dataclass(slots=True)
class Minted:
    stix_id: str
    created: dt.datetime
    modified: dt.datetime
    revoked: bool = False


def key_of(kind: str, *natural: object) -> str:
    """Our key for an object: its kind and a digest of what makes it itself."""
    digest = hashlib.sha256("\x1f".join(map(str, natural)).encode()).hexdigest()[:40]
    return f"{kind}|{digest}"


def digest_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _now() -> dt.datetime:
    # Millisecond precision: what STIX timestamps carry, so a re-read equals what was written.
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class IdSource(Protocol):
    def preload(self, keys: Iterable[str]) -> None: ...

    def get(self, key: str, kind: str, content: dict[str, Any]) -> Minted: ...


class MemoryIds:
    def __init__(self) -> None:
        self._rows: dict[str, tuple[Minted, str]] = {}

    def preload(self, keys: Iterable[str]) -> None:
        return None

    def get(self, key: str, kind: str, content: dict[str, Any]) -> Minted:
        digest = digest_of(content)
        known = self._rows.get(key)
        if known is None:
            now = _now()
            minted = Minted(f"{kind}--{uuid.uuid4()}", now, now)
            self._rows[key] = (minted, digest)
            return minted
        minted, old = known
        if old != digest:
            minted = Minted(minted.stix_id, minted.created, max(_now(), minted.modified + dt.timedelta(milliseconds=1)))
            self._rows[key] = (minted, digest)
        return minted


class StoredIds:
    """Ids kept in `intel_stix_ids`, written in the caller's transaction.

    Rows are read into plain values: once the caller's session has ended (a tool
    rendering after its `with` block), nothing touches it again, and objects not
    yet stored get ids in memory only (MemoryIds), not persisted."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._known: dict[str, tuple[Minted, str]] = {}
        self._memory = MemoryIds()

    def _live(self) -> bool:
        return self.session.is_active and self.session.in_transaction()

    def preload(self, keys: Iterable[str]) -> None:
        if not self._live():
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self._known]
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(
                    StixIdentity.key,
                    StixIdentity.stix_id,
                    StixIdentity.created,
                    StixIdentity.modified,
                    StixIdentity.digest,
                    StixIdentity.revoked,
                ).where(StixIdentity.key.in_(wanted[start : start + 500]))
            )
            for key, stix_id, created, modified, digest, revoked in rows:
                self._known[key] = (Minted(stix_id, _utc(created), _utc(modified), bool(revoked)), digest)

    def get(self, key: str, kind: str, content: dict[str, Any]) -> Minted:
        digest = digest_of(content)
        if key not in self._known:
            self.preload([key])
        known = self._known.get(key)
        if known is None:
            if not self._live():
                return self._memory.get(key, kind, content)
            now = _now()
            self.session.execute(
                insert_ignore(self.session, StixIdentity, "key").values(
                    key=key, stix_id=f"{kind}--{uuid.uuid4()}", created=now, modified=now, digest=digest, revoked=False
                )
            )  # a concurrent export may have minted it first: theirs wins, ours is dropped
            self.preload([key])
            return self._known[key][0]
        minted, old = known
        if minted.revoked and self._live():
            # Revoked is final in STIX: the same claim made again (a verdict set back) is a new object.
            now = _now()
            minted = Minted(f"{kind}--{uuid.uuid4()}", now, now)
            self._known[key] = (minted, digest)
            self.session.execute(
                update(StixIdentity)
                .where(StixIdentity.key == key)
                .values(stix_id=minted.stix_id, created=now, modified=now, digest=digest, revoked=False)
            )
            return minted
        if old != digest:
            minted = Minted(
                minted.stix_id,
                minted.created,
                max(_now(), minted.modified + dt.timedelta(milliseconds=1)),
                minted.revoked,
            )
            self._known[key] = (minted, digest)
            if self._live():
                self.session.execute(
                    update(StixIdentity).where(StixIdentity.key == key).values(modified=minted.modified, digest=digest)
                )
        return minted


def revoke_ids(session: Session, ids: Iterable[str]) -> int:
    """Mark stored objects revoked by their STIX ids (what TAXII published for a withdrawn verdict)."""
    wanted = list(ids)
    keys: list[str] = []
    for start in range(0, len(wanted), 500):
        keys += session.scalars(select(StixIdentity.key).where(StixIdentity.stix_id.in_(wanted[start : start + 500])))
    return revoke(session, keys)


def revoke(session: Session, keys: Iterable[str]) -> int:
    """Mark objects revoked (a verdict withdrawn). Revoked is final: TAXII serves the revoked
    version (intel.taxii.revoke_campaign), and a later export of the same key mints a new object."""
    count = 0
    for row in session.scalars(select(StixIdentity).where(StixIdentity.key.in_(list(keys)))):
        if not row.revoked:
            row.revoked = True
            row.modified = max(_now(), _utc(row.modified) + dt.timedelta(milliseconds=1))
            count += 1
    return count
