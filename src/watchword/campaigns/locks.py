"""What serialises campaign assignment between workers on PostgreSQL: locks by clustering key.

Two reports can only influence each other's assignment through a posting key they
share (the engine reads nothing else about other reports), or through a campaign
row they both reach. So instead of one lock for every assignment in the system,
an assignment takes:

1. an advisory lock per *shard* of the posting keys it will read (key mod SHARDS),
   all in one statement and in ascending shard order, before it reads a posting:
   a report of another wave proceeds in parallel; two copies of one wave (one key
   in common) queue, and the second reads the first's postings once it commits;
2. a row lock (`SELECT ... FOR UPDATE`, ascending id) on every campaign its
   postings lead to, with the campaigns those were merged into: a report that
   reaches the same campaign through another key waits for it rather than
   counting from a stale row (lost updates of member and report counts).

Everything else a worker's transaction locks (indicators, its own reports and jobs)
is locked *before* these and never after them, so the waits-for graph has no cycle
(docs/architecture.md, "Campaign assignment under concurrency"). SQLite needs none
of this: a write transaction there holds the whole database (BEGIN IMMEDIATE).

SHARDS bounds the advisory locks one transaction holds (they live in PostgreSQL's
shared lock table, max_locks_per_transaction x max_connections slots); the locks go
when the transaction ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchword.store.models import Campaign
from watchword.store.pgarray import among_ids, int_array

SHARDS = 512
NAMESPACE = 7273270  # first key of the two-key advisory lock form: these locks and no others
_HELD = "campaign_key_shards"

_LOCK_SHARDS = text(
    # The subquery's ORDER BY fixes the order the locks are taken in: every worker
    # takes them ascending, so two workers never wait on each other in a circle.
    "SELECT count(pg_advisory_xact_lock(:ns, s)) FROM (SELECT unnest(CAST(:shards AS integer[])) AS s ORDER BY 1) t"
)


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_keys(session: Session, keys: Iterable[int]) -> None:
    """Take the shard locks of these posting keys (PostgreSQL; held until the transaction ends)."""
    if not postgres(session):
        return
    held = _held(session)
    wanted = sorted({key % SHARDS for key in keys} - held)
    if not wanted:
        return
    session.execute(_LOCK_SHARDS, {"ns": NAMESPACE, "shards": int_array(wanted)})
    held.update(wanted)


def _held(session: Session) -> set[int]:
    """The shards this transaction holds (a new transaction of the session holds none)."""
    transaction = session.get_transaction()
    owner, held = session.info.get(_HELD, (None, None))
    if owner is not transaction or not isinstance(held, set):
        held = set()
        session.info[_HELD] = (transaction, held)
    return held


def lock_campaigns(session: Session, ids: Iterable[int]) -> list[Campaign]:
    """These campaigns and every campaign they were merged into, row-locked in ascending id
    order and read afresh (another worker may have changed them since this session saw them).

    On SQLite, the same rows read without a lock (the transaction holds the database).
    """
    wanted = set(ids)
    if not wanted:
        return []
    if not postgres(session):
        return list(session.scalars(select(Campaign).where(Campaign.id.in_(wanted))))
    # The merge chains first, unlocked: the locks are then taken in one ascending pass.
    frontier = set(wanted)
    while frontier:
        parents: set[int] = {
            parent
            for (parent,) in session.execute(
                select(Campaign.merged_into_id).where(
                    among_ids(Campaign.id, frontier, session), Campaign.merged_into_id.is_not(None)
                )
            )
            if parent is not None
        }
        frontier = parents - wanted
        wanted |= parents
    locked: dict[int, Campaign] = {}
    while True:
        rows = session.scalars(
            select(Campaign)
            .where(among_ids(Campaign.id, sorted(set(wanted) - locked.keys()), session))
            .order_by(Campaign.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        locked.update((row.id, row) for row in rows)
        # A merge committed between the chain read and the lock: follow it (out of order,
        # rare; PostgreSQL detects a resulting deadlock and the batch is retried).
        more = {row.merged_into_id for row in rows if row.merged_into_id is not None} - wanted
        if not more:
            return list(locked.values())
        wanted |= more
