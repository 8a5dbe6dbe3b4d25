"""The one writer of intake: group commit, many channels' reports, one durable transaction.

Each commit costs an fsync (~3.5 ms on this machine's disk), and SQLite has one
writer anyway. So every channel hands its prepared reports to this one writer
thread per process (through `intake.submit`), which takes whatever has queued
up, writes the rows in one transaction, commits once, and only then wakes each
waiting caller with its receipts. Before that, a syncer thread makes the
batch's blobs durable (`store.blobs.make_durable`: files and directories
fsynced side by side, each directory once) while the writer commits the batch
before it: two stages, so a batch's fsyncs neither wait for nor add to the
previous commit. Nobody is acknowledged before the commit that makes their
report durable, and no row commits before the blob it names is on disk.

Several server processes share one SQLite file. Their writers (and the analysis
worker's batch writes) take turns through an exclusive `flock` on a file beside
the database (`store.db.WriterTurn`), held from before BEGIN to after COMMIT:
the kernel wakes the next writer the moment the lock is free, where SQLite's
busy handler would have it sleep and poll (1, 2, 5, 10 ... ms), which left the
database idle between commits and put tens of milliseconds on the tail. A
writer syncs its batch's blobs before it queues for the lock, so one process's
blob syncs overlap the other's transaction.

A unit of work is one caller's reports plus the rows its channel keeps beside
them (`also`: a mail's record and links, a web reporter's files and receipt):
they commit together or not at all, and one unit's failure is reported to its
caller alone (the batch is written again without it). A `summary` runs once per
transaction for the units that asked for it (one audit event naming every mail
of the commit, instead of one per mail at the chain's serial head).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from watchword.domain import IncomingReport
from watchword.domain.model import storable_text
from watchword.intake import sqlite_rows
from watchword.store import blobs, jobs, priority
from watchword.store.db import Database, WriterTurn
from watchword.store.models import Report, utcnow
from watchword.store.upsert import insert_ignore_per_dialect

log = logging.getLogger("watchword.intake")

MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class Receipt:
    report_id: int
    public_id: str
    duplicate: bool
    sightings: int
    submission_id: int = 0  # this submission (the first or a sighting); 0 when not written here


@dataclass(slots=True)
class Prepared:
    """A report ready to commit: validated, its blob written (`blob`: made durable by the writer
    before the transaction), its reporter's words sealed."""

    incoming: IncomingReport
    key: str
    raw_sha: str | None
    raw_size: int
    contact: bytes | None
    blob: blobs.StagedBlob | None = None
    # The reporter's own words as this submission keeps them (sealed: text, picked
    # approach, answers), whether the report is new or a sighting of one already stored.
    words: bytes | None = None
    # The answers alone, sealed, for a new report's row (its `answers` stays empty).
    answers: bytes | None = None
    # Raw bytes not staged yet (the event loop's path, `commit_async`): the writer's syncer
    # stages them (`blob` is set then) just before making the batch durable.
    unstaged: bytes | None = None


# A channel's own rows, written in the same transaction right after the unit's reports:
# called with the session and the unit's receipts; what it returns is handed back.
Also = Callable[[Session, list[Receipt]], Any]


@dataclass(frozen=True, slots=True)
class Committed:
    """What one unit of work became: a receipt per report, and what each `also` returned."""

    receipts: list[Receipt]
    also: list[Any] = field(default_factory=list)

    @property
    def receipt(self) -> Receipt:
        return self.receipts[0]


Summary = Callable[[Session, list[Committed]], None]


class _Waiter(Protocol):
    """Who is told how a unit ended: a `concurrent.futures.Future` (a waiting thread), or a
    `_LoopWaiter` (a coroutine on an event loop)."""

    def set_result(self, result: Committed, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...


class _LoopWaiter:
    """Hands a unit's outcome to an asyncio future on its loop, from the writer's threads.

    In place of a `concurrent.futures.Future` chained by `asyncio.wrap_future`: that one
    builds a Condition and an RLock per report and copies its state across on the loop
    (19-26 us per report on uvloop against 6 us for this; docs/benchmarks.md, intake7). Here
    the writer schedules the outcome straight onto the loop (one `call_soon_threadsafe`, as
    wrap_future's chain also makes). A future the caller stopped waiting for (its timeout, a
    cancelled task, a closed loop) is left as it is.
    """

    __slots__ = ("_future", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._future: asyncio.Future[Committed] = loop.create_future()

    @property
    def future(self) -> asyncio.Future[Committed]:
        return self._future

    def set_result(self, result: Committed, /) -> None:
        self._call(_settle_result, result)

    def set_exception(self, exception: BaseException, /) -> None:
        self._call(_settle_exception, exception)

    def _call(self, settle: Callable[[asyncio.Future[Committed], Any], None], value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(settle, self._future, value)


def _settle_result(future: asyncio.Future[Committed], result: Committed) -> None:
    if not future.done():
        future.set_result(result)


def _settle_exception(future: asyncio.Future[Committed], exception: BaseException) -> None:
    if not future.done():
        future.set_exception(exception)


@dataclass(slots=True)
class _Unit:
    prepared: list[Prepared]
    also: list[Also]
    summary: Summary | None
    future: _Waiter


class GroupCommitter:
    """The process's one intake writer (`Runtime.intake`)."""

    def __init__(self, db: Database, store: blobs.FileBlobStore | None = None) -> None:
        self.db = db
        self.store = store  # where `unstaged` bytes are written (commit_async)
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._syncer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._turn = WriterTurn.for_database(db)

    def commit(
        self,
        prepared: Prepared | Sequence[Prepared],
        also: Sequence[Also] = (),
        summary: Summary | None = None,
        timeout: float = 120.0,
    ) -> Committed:
        """Write the reports and their channel's rows in one transaction; return once it is durable."""
        future: Future[Committed] = Future()
        # Running from now on: a caller that gives up waiting (a timeout, a cancelled task)
        # cannot cancel it, so the writer's set_result never meets a cancelled future.
        future.set_running_or_notify_cancel()
        self._enqueue(prepared, also, summary, future)
        return future.result(timeout=timeout)

    async def commit_async(self, prepared: Prepared, timeout: float = 120.0) -> Committed:
        """`commit` for a caller on an event loop: the loop is woken when the batch is durable,
        with no thread of the caller's own waiting for it (the HTTP intake's hot path, issue 14).

        The prepared report may carry `unstaged` bytes: the syncer writes them, so the loop
        never waits for a file to be created."""
        waiter = _LoopWaiter(asyncio.get_running_loop())
        self._enqueue(prepared, (), None, waiter)
        async with asyncio.timeout(timeout):
            return await waiter.future

    def _enqueue(
        self, prepared: Prepared | Sequence[Prepared], also: Sequence[Also], summary: Summary | None, waiter: _Waiter
    ) -> None:
        reports = [prepared] if isinstance(prepared, Prepared) else list(prepared)
        if self.store is None and any(p.unstaged is not None for p in reports):
            raise ValueError("this writer has no blob store to stage unstaged bytes in")
        self._ensure_started()
        self._queue.put(_Unit(reports, list(also), summary, waiter))

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)  # through the syncer to the writer: each stops after its batch
                if self._syncer is not None:
                    self._syncer.join(timeout=30)
                self._thread.join(timeout=30)
                self._thread = None
            self._turn.close()

    def _ensure_started(self) -> None:
        with self._lock:
            alive = [t is not None and t.is_alive() for t in (self._thread, self._syncer)]
            if not all(alive):
                # Two stages: the syncer makes batch k+1's blobs durable while the writer commits
                # batch k, so a batch's fsyncs do not wait for the other's commit or add to it.
                synced: queue.SimpleQueue[list[_Unit] | None] = queue.SimpleQueue()
                self._syncer = threading.Thread(
                    target=self._sync_blobs, args=(synced,), name="intake-blob-sync", daemon=True
                )
                self._thread = threading.Thread(target=self._run, args=(synced,), name="intake-writer", daemon=True)
                self._syncer.start()
                self._thread.start()

    def _sync_blobs(self, synced: queue.SimpleQueue[list[_Unit] | None]) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                synced.put(None)
                return
            batch = _drain(self._queue, [first], lambda unit: [unit])
            ready = self._blobs_durable(batch)
            if ready:
                synced.put(ready)

    def _run(self, synced: queue.SimpleQueue[list[_Unit] | None]) -> None:
        while True:
            first = synced.get()
            if first is None:
                return
            # Everything made durable while the previous batch committed goes in one transaction.
            self._write(_drain(synced, list(first), list))

    def _blobs_durable(self, batch: list[_Unit]) -> list[_Unit]:
        """Make every staged blob of the batch durable (one directory sync each for the whole
        batch); a unit whose blobs fail is told so and left out. Returns the units to write."""
        batch = self._stage(batch)
        try:
            blobs.make_durable(b for unit in batch for b in _staged(unit))
            return batch
        except Exception:  # noqa: BLE001 - a disk error: find whose blobs, tell only them
            log.warning("intake blob sync of %d units failed; each alone", len(batch))
        return _each_alone(batch, lambda unit: blobs.make_durable(_staged(unit)))

    def _stage(self, batch: list[_Unit]) -> list[_Unit]:
        """Write the bytes that callers on the event loop handed over unstaged; a unit whose
        file cannot be written (a full disk) is told so and left out."""

        def stage(unit: _Unit) -> None:
            for p in unit.prepared:
                if p.unstaged is not None and self.store is not None:
                    p.blob = self.store.stage(p.unstaged, p.raw_sha)
                    p.unstaged = None

        return _each_alone(batch, stage)

    def _write(self, batch: list[_Unit]) -> None:
        """Commit the batch; a unit that fails is taken out and the rest written again.

        No savepoint per unit (it cost a quarter of the mail intake rate): when a
        unit raises, whatever it half wrote goes with a rollback of the whole
        transaction, and the batch is written again without it. Failures are rare
        (a mail delivered twice at once, a receipt code sent twice), so the common
        case pays nothing.
        """
        pending = list(batch)
        failed: list[tuple[_Unit, BaseException]] = []
        while pending:
            outcomes: list[tuple[_Unit, Committed]] = []
            try:
                with self._turn, self.db.write() as session:
                    # Every new report of the batch in a few statements (a failure here is the
                    # batch's: each unit is then written alone, below); sightings one by one.
                    fresh = iter(create_many(session, [p for unit in pending for p in unit.prepared]))
                    for unit in pending:
                        try:
                            receipts = [next(fresh) or _sighting(session, p) for p in unit.prepared]
                            extra = [write(session, receipts) for write in unit.also]
                        except Exception as exc:
                            raise _UnitFailed(unit, exc) from exc
                        outcomes.append((unit, Committed(receipts, extra)))
                    _follow_sightings(session, outcomes)
                    _summarise(session, outcomes)
            except _UnitFailed as failure:
                failed.append((failure.unit, failure.error))
                pending.remove(failure.unit)
                continue
            except Exception as exc:  # noqa: BLE001 - the commit failed: nobody in the batch is told "done"
                if len(pending) > 1:
                    log.warning("intake commit of %d units failed (%s); each alone", len(pending), type(exc).__name__)
                    for unit in pending:
                        self._write([unit])
                else:
                    failed.append((pending[0], exc))
                pending = []
                break
            for unit, committed in outcomes:
                unit.future.set_result(committed)
            break
        for unit, error in failed:
            unit.future.set_exception(error)


def _drain(source: queue.SimpleQueue[Any], batch: list[_Unit], units: Callable[[Any], list[_Unit]]) -> list[_Unit]:
    """Add whatever else is waiting in `source`, up to MAX_BATCH units; a stop signal (None)
    is put back for the next get, so the batch in hand is still finished."""
    while len(batch) < MAX_BATCH:
        try:
            item = source.get_nowait()
        except queue.Empty:
            break
        if item is None:
            source.put(None)
            break
        batch.extend(units(item))
    return batch


def _staged(unit: _Unit) -> list[blobs.StagedBlob]:
    return [p.blob for p in unit.prepared if p.blob is not None]


def _each_alone(batch: list[_Unit], step: Callable[[_Unit], None]) -> list[_Unit]:
    """Run the step on each unit; a unit it fails for is told so (nothing of it acknowledged),
    its staged files removed, and left out. Returns the units it succeeded for."""
    ready = []
    for unit in batch:
        try:
            step(unit)
        except Exception as exc:  # noqa: BLE001 - told to its caller: nothing acknowledged
            blobs.discard(_staged(unit))
            unit.future.set_exception(exc)
            continue
        ready.append(unit)
    return ready


class _UnitFailed(Exception):
    def __init__(self, unit: _Unit, error: BaseException) -> None:
        super().__init__(str(error))
        self.unit = unit
        self.error = error


def _follow_sightings(session: Session, outcomes: list[tuple[_Unit, Committed]]) -> None:
    """A sighting of a report already in a campaign is one more person: its priority follows, in this
    commit (once per commit, whatever the number of sightings in it). A new report waits for its analysis."""
    sighted = [r.report_id for _unit, outcome in outcomes for r in outcome.receipts if r.duplicate]
    if sighted:
        priority.refresh_for_reports(session, sighted)


def _summarise(session: Session, outcomes: list[tuple[_Unit, Committed]]) -> None:
    grouped: dict[Summary, list[Committed]] = {}
    for unit, outcome in outcomes:
        if unit.summary is not None:
            grouped.setdefault(unit.summary, []).append(outcome)
    for summary, committed in grouped.items():
        summary(session, committed)


def store_one(session: Session, prepared: Prepared) -> Receipt:
    """Write one report, or one sighting of the report with the same content.

    Core statements rather than ORM objects: this is the hottest write path there
    is, and the ORM's unit of work costs more than the SQL itself here.
    """
    # New content first, as the common case: the insert itself says whether the content is
    # already stored (ON CONFLICT on dedupe_key adds nothing), so a new report costs four
    # statements and no savepoint, and a report another process committed a moment ago
    # (PostgreSQL with several web workers) is found as a sighting below, not raised.
    receipt = _create(session, prepared)
    if receipt is not None:
        return receipt
    receipt = _add_sighting(session, prepared)
    if receipt is None:  # the conflicting row cannot vanish inside our transaction
        raise RuntimeError("the report could not be stored")
    return receipt


# Statements built once: constructing SQL per report costs more than running it.
_TABLES = Report.metadata.tables
_REPORTS = _TABLES["reports"]
_FIND = select(_REPORTS.c.id, _REPORTS.c.public_id).where(_REPORTS.c.dedupe_key == bindparam("key"))
_SIGHTED = (
    update(_REPORTS)
    .where(_REPORTS.c.id == bindparam("rid"))
    .values(sightings=_REPORTS.c.sightings + 1, last_sighted_at=bindparam("now"))
    .returning(_REPORTS.c.sightings)
)
_SUBMISSIONS = _TABLES["submissions"]
_NEW_SUBMISSION = insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id)
_NEW_BLOB = insert_ignore_per_dialect(_TABLES["blobs"], "sha256")
_NEW_REPORT = {
    dialect: statement.returning(_REPORTS.c.id)
    for dialect, statement in insert_ignore_per_dialect(_REPORTS, "dedupe_key").items()
}
_NEW_JOB = insert(_TABLES["jobs"])
_DROP_BLOB = delete(_TABLES["blobs"]).where(_TABLES["blobs"].c.sha256 == bindparam("sha"))


_BLOBS = _TABLES["blobs"]
_NEW_BLOBS = {dialect: statement.returning(_BLOBS.c.sha256) for dialect, statement in _NEW_BLOB.items()}
_NEW_REPORTS = {
    dialect: statement.returning(_REPORTS.c.id, _REPORTS.c.public_id)
    for dialect, statement in insert_ignore_per_dialect(_REPORTS, "dedupe_key").items()
}
_FIRST_SUBMISSIONS = insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id, _SUBMISSIONS.c.report_id)


def create_many(session: Session, prepared: Sequence[Prepared]) -> list[Receipt | None]:
    """The new reports among `prepared`, with their blobs' rows, first submissions and jobs: a
    receipt for each report created, None for each whose content is stored already (written
    then as a sighting, by `store_one`, in order).

    Four or five statements for the whole batch, not four per report: each statement's cost in
    SQLAlchemy is most of a report's write, and this is the busiest write there is (issue 14).
    What each row holds is what `_create` writes for one report.
    """
    if not prepared:
        return []
    conn = session.connection()
    now = utcnow()
    sizes = {p.raw_sha: p.raw_size for p in prepared if p.raw_sha}
    # RETURNING names the blob rows this statement added, not those already stored (by an
    # earlier report or, on PostgreSQL, by another process a moment ago).
    blob_rows = [{"sha256": sha, "size": size, "created_at": now} for sha, size in sizes.items()]
    added = {sha for (sha,) in _insert(conn, _NEW_BLOBS, _BLOBS, blob_rows, "sha256", ("sha256",))}
    rows = [_report_row(p, uuid.uuid4().hex, now) for p in prepared]
    # Two reports of the batch with one dedupe key: the first row is stored, the second conflicts.
    by_public_id = {
        public_id: report_id
        for report_id, public_id in _insert(conn, _NEW_REPORTS, _REPORTS, rows, "dedupe_key", ("id", "public_id"))
    }
    new = [
        (p, row, by_public_id[row["public_id"]])
        for p, row in zip(prepared, rows, strict=True)
        if row["public_id"] in by_public_id
    ]
    used = {p.raw_sha for p, _row, _id in new}
    if unused := [{"sha": sha} for sha in added - used]:
        # Stored already under bytes that differ where the dedupe key does not look (line
        # endings): a blob row no report names would never be removed by retention.
        conn.execute(_DROP_BLOB, unused)
    if not new:
        return [None] * len(prepared)
    first = [
        {
            "report_id": report_id,
            "received_at": now,
            "channel": row["channel"],
            "source_name": row["source_name"],
            "contact_sealed": p.contact,
            "words_sealed": p.words,
        }
        for p, row, report_id in new
    ]
    submissions = {
        report_id: submission_id
        for submission_id, report_id in _insert(
            conn, {"": _FIRST_SUBMISSIONS}, _SUBMISSIONS, first, None, ("id", "report_id")
        )
    }
    _insert(conn, {"": _NEW_JOB}, _TABLES["jobs"], [_job_row(report_id, now) for _p, _row, report_id in new])
    receipts: dict[str, Receipt] = {
        row["public_id"]: Receipt(
            report_id=report_id,
            public_id=row["public_id"],
            duplicate=False,
            sightings=1,
            submission_id=int(submissions[report_id]),
        )
        for _p, row, report_id in new
    }
    return [receipts.get(row["public_id"]) for row in rows]


def _insert(
    conn: Connection,
    statements: dict[str, Any],
    table: Table,
    rows: list[dict[str, Any]],
    conflict: str | None = None,
    returning: tuple[str, ...] = (),
) -> list[Any]:
    """The batch's rows in one statement: on SQLite through the driver (`sqlite_rows`: the same
    values, without SQLAlchemy's cost per statement), elsewhere the prebuilt Core statement
    (`statements` by dialect name, or under "" for any)."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        return sqlite_rows.insert(conn, table, rows, conflict=conflict, returning=returning)
    statement = statements[conn.dialect.name] if conn.dialect.name in statements else statements[""]
    result = conn.execute(statement, rows)
    return [tuple(r) for r in result] if returning else []


def _report_row(prepared: Prepared, public_id: str, now: Any) -> dict[str, Any]:
    incoming = prepared.incoming
    return {
        "public_id": public_id,
        "created_at": now,
        "channel": str(incoming.channel),
        "status": "received",
        "dedupe_key": prepared.key,
        "raw_sha256": prepared.raw_sha,
        "text": storable_text(incoming.text),
        "approach_hint": incoming.approach_hint or "",
        "answers": {},
        "answers_sealed": prepared.answers,
        "source_name": storable_text(incoming.source_name or "")[:500],
        "language": incoming.language[:16],
        "contact_sealed": prepared.contact,
        "sightings": 1,
        "last_sighted_at": now,
        "subject": "",
        "approach_type": "",
        "scope": "in_scope",
        "risk": 0.0,
    }


def _job_row(report_id: int, now: Any) -> dict[str, Any]:
    return {
        "kind": jobs.ANALYZE,
        "report_id": report_id,
        "payload": {},
        "status": "queued",
        "attempts": 0,
        "run_after": now,
        "locked_by": "",
        "last_error": "",
        "created_at": now,
    }


def _sighting(session: Session, prepared: Prepared) -> Receipt:
    """A report `create_many` did not create: its content is stored, so this is a sighting."""
    receipt = _add_sighting(session, prepared)
    if receipt is None:  # the conflicting row cannot vanish inside our transaction
        raise RuntimeError("the report could not be stored")
    return receipt


def _add_sighting(session: Session, prepared: Prepared) -> Receipt | None:
    conn = session.connection()
    found = conn.execute(_FIND, {"key": prepared.key}).first()
    if found is None:
        return None
    report_id, public_id = found
    incoming = prepared.incoming
    now = utcnow()
    sightings = conn.execute(_SIGHTED, {"rid": report_id, "now": now}).scalar_one()
    submission_id = conn.execute(
        _NEW_SUBMISSION,
        {
            "report_id": report_id,
            "received_at": now,
            "channel": str(incoming.channel),
            "source_name": (incoming.source_name or "")[:500],
            "contact_sealed": prepared.contact,
            # A sighting keeps everything its reporter wrote, not only that they came.
            "words_sealed": prepared.words,
        },
    ).scalar_one()
    return Receipt(
        report_id=report_id,
        public_id=public_id,
        duplicate=True,
        sightings=int(sightings),
        submission_id=int(submission_id),
    )


def _create(session: Session, prepared: Prepared) -> Receipt | None:
    """The new report, its first submission and its job; None when its content is already stored."""
    conn = session.connection()
    now = utcnow()
    blob_added = False
    if prepared.raw_sha:
        blob_added = (
            conn.execute(
                _NEW_BLOB[conn.dialect.name], {"sha256": prepared.raw_sha, "size": prepared.raw_size, "created_at": now}
            ).rowcount
            == 1
        )
    row = _report_row(prepared, uuid.uuid4().hex, now)
    public_id = row["public_id"]
    report_id = conn.execute(_NEW_REPORT[conn.dialect.name], row).scalar()
    if report_id is None:
        if blob_added:
            # The content is stored already, under bytes that differ where the dedupe key does not look
            # (line endings): the row just added would belong to no report, and retention, which
            # removes blobs with their reports, would never remove it.
            conn.execute(_DROP_BLOB, {"sha": prepared.raw_sha})
        return None
    submission_id = conn.execute(
        _NEW_SUBMISSION,
        {
            "report_id": report_id,
            "received_at": now,
            "channel": row["channel"],
            "source_name": row["source_name"],
            "contact_sealed": prepared.contact,
            "words_sealed": prepared.words,
        },
    ).scalar_one()
    conn.execute(_NEW_JOB, _job_row(report_id, now))
    return Receipt(
        report_id=report_id, public_id=public_id, duplicate=False, sightings=1, submission_id=int(submission_id)
    )
