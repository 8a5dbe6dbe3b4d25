"""A durable job queue in the database itself, so the embedded install needs no broker.

Claiming takes a lease. A worker that dies mid-job simply lets its lease run
out and another claim picks the job up again; results are written in the same
transaction that marks the job done, and only while the lease is still held,
so a job's effects land exactly once however often it is attempted.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from watchword.domain.states import JobKind, JobStatus
from watchword.store.db import Database
from watchword.store.models import Job, utcnow
from watchword.store.pgarray import among_ids

ANALYZE = JobKind.ANALYZE


def enqueue(session: Session, kind: str, report_id: int | None = None, payload: dict[str, Any] | None = None) -> Job:
    job = Job(kind=kind, report_id=report_id, payload=payload or {}, status=JobStatus.QUEUED, run_after=utcnow())
    session.add(job)
    return job


def _runnable(now: dt.datetime) -> Select[Job]:
    """Jobs that may run now, oldest first: queued and due, or held by a worker whose lease ran out."""
    return (
        select(Job)
        .where(
            or_(
                (Job.status == JobStatus.QUEUED) & (Job.run_after <= now),
                (Job.status == JobStatus.RUNNING) & (Job.locked_until < now),
            )
        )
        .order_by(Job.id)
    )


def claim(db: Database, worker_id: str, lease_seconds: float, kinds: tuple[str, ...] | None = None) -> Job | None:
    """Take the oldest runnable job, or one whose holder's lease ran out."""
    now = utcnow()
    with db.write() as session:
        query = _runnable(now).limit(1)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        if not db.is_sqlite:
            # Workers on PostgreSQL skip each other's rows instead of queueing on them.
            query = query.with_for_update(skip_locked=True)
        job = session.scalars(query).first()
        if job is None:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.locked_by = worker_id
        job.locked_until = now + dt.timedelta(seconds=lease_seconds)
        return job


def claim_batch(
    db: Database, worker_id: str, lease_seconds: float, limit: int, kinds: tuple[str, ...] = (ANALYZE,)
) -> list[Job]:
    """Take up to `limit` runnable jobs in one transaction, each with its own lease.

    On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED: workers on any
    number of machines claim disjoint batches without waiting on each other.
    """
    with db.write() as session:
        return claim_batch_in(session, worker_id, lease_seconds, limit, kinds)


def claim_batch_in(
    session: Session,
    worker_id: str,
    lease_seconds: float,
    limit: int,
    kinds: tuple[str, ...] = (ANALYZE,),
    *,
    finishing: list[int] | None = None,
) -> list[Job]:
    """`claim_batch` inside the caller's write transaction (the worker claims its next batch in
    the transaction that writes the last one's results: one commit and round trip fewer per
    batch). The claim lands with that transaction or not at all; SKIP LOCKED never waits, so
    it adds no lock wait to the transaction whatever it holds.

    `finishing`: the jobs this transaction is about to finish. Never claimed again here: a batch
    that outran its lease looks runnable (its lease expired), and claiming it in the transaction
    that finishes it made the worker analyse it a second time, and count it twice."""
    if limit <= 0:
        return []
    now = utcnow()
    until = now + dt.timedelta(seconds=lease_seconds)
    query = _runnable(now).where(Job.kind.in_(kinds)).limit(limit)
    if finishing:
        query = query.where(Job.id.not_in(finishing))
    # One statement: the rows picked (and on PostgreSQL locked) by the subquery, updated and
    # returned, instead of a read and then an UPDATE per job from the unit of work (issue 14).
    # SQLite (3.35+ has RETURNING) needs no lock: its write transaction holds the database.
    picked = query.with_only_columns(Job.id)
    if session.get_bind().dialect.name != "sqlite":
        picked = picked.with_for_update(skip_locked=True)
    claim = (
        update(Job)
        .where(Job.id.in_(picked.scalar_subquery()))
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, locked_by=worker_id, locked_until=until)
        .returning(Job)
    )
    rows = session.scalars(claim, execution_options={"synchronize_session": False}).all()
    return sorted(rows, key=lambda job: job.id)


def finish(session: Session, job: Job, worker_id: str) -> bool:
    """Mark done inside the caller's result transaction; False if the lease was lost."""
    result = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.locked_by == worker_id)
        .values(status=JobStatus.DONE, finished_at=utcnow(), locked_until=None, last_error="")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish_many(session: Session, job_ids: list[int], worker_id: str) -> set[int]:
    """`finish` for a batch: the ids whose lease this worker still held (now done)."""
    if not job_ids:
        return set()
    # Core, not the ORM's bulk UPDATE: no session object is touched, and the ORM's set-up of a
    # bulk statement cost more than the statement (issue 14).
    result = session.connection().execute(
        update(Job)
        .where(among_ids(Job.id, job_ids, session), Job.status == JobStatus.RUNNING, Job.locked_by == worker_id)
        .values(status=JobStatus.DONE, finished_at=utcnow(), locked_until=None, last_error="")
        .returning(Job.id)
    )
    return set(result.scalars())


def backoff_seconds(attempts: int) -> float:
    # Exponential with jitter so that a burst of failures does not retry in lockstep.
    return float(min(600.0, 2.0**attempts) * (0.5 + random.random() / 2))


def fail(db: Database, job: Job, worker_id: str, error: str, max_attempts: int) -> str:
    """Record a failure: retry later with backoff, or park the job with its error visible."""
    parked = job.attempts >= max_attempts
    status = JobStatus.PARKED if parked else JobStatus.QUEUED
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker_id)
            .values(
                status=status,
                last_error=error[:4000],
                locked_until=None,
                run_after=utcnow() + dt.timedelta(seconds=0 if parked else backoff_seconds(job.attempts)),
                finished_at=utcnow() if parked else None,
            )
        )
    return status


def counts(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return {status: int(n) for status, n in rows}
