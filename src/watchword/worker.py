"""The worker: claims jobs, runs the pipeline, stores results, retries, parks.

The pipeline runs outside any transaction (it is pure CPU); its results, the
after-analysis steps and the job's completion are then written in one
transaction guarded by the job's lease. Killing the process at any point
therefore loses nothing and applies nothing twice: an unfinished job's lease
runs out and it is claimed again from the start.

Analysis jobs go in batches: one transaction claims up to `worker_batch_size`
of them, the pipeline runs in a pool of processes, and one transaction writes
the batch, each job in its own savepoint behind its own lease check: a job
whose lease was lost, or whose steps fail, drops out alone. While a batch is
written, the pool already analyses the next one. A report whose pipeline input
equals one already analysed (processing.input_key) reuses that analysis; one
whose parsed original is near-identical to one this process analysed (another
recipient, another reporter's forward) reuses the middle stages of the pipeline
(analysis/reuse.py), with the same result as a fresh run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from sqlalchemy import select

from watchword import pool, poolchild
from watchword.domain import Analysis
from watchword.domain.states import JobStatus, ReportStatus
from watchword.logsafe import describe, mask
from watchword.pool import Derived, PipelineInput, derive
from watchword.reused import Reused
from watchword.runtime import Runtime
from watchword.services import processing
from watchword.store import jobs
from watchword.store.db import WriterTurn, is_sqlite
from watchword.store.models import Job, Report
from watchword.store.pgarray import among_ids

log = logging.getLogger("watchword.worker")

MIN_POOLED = 4  # pipeline inputs in a batch below which the pool is not used

# Analysis jobs per batch when the settings leave it to the store (worker_batch_size 0). A batch's
# result transaction costs the writer ~45 ms of CPU whatever its size (~35 statements and their
# SQLAlchemy work, the campaign postings and rows it reads, the commit): 256 a batch took 35% less
# of the worker's CPU than 64 on a backlog (docs/benchmarks.md, year3 and year4). On SQLite that
# transaction holds the file's one write lock, which every intake commit waits for: 64 keeps the
# wait short. On PostgreSQL the intake's inserts never wait for it.
SQLITE_BATCH = 64
POSTGRES_BATCH = 256


def batch_size_for(wanted: int, database_url: str) -> int:
    """Analysis jobs per claim and per write: `wanted`, or 0 for the store's default."""
    if wanted > 0:
        return wanted
    return SQLITE_BATCH if is_sqlite(database_url) else POSTGRES_BATCH


# A pipeline run's analysis, what the pool derived from it, and its stored JSON text (pool.run).
Outcome = tuple[Analysis, "Derived | None", "str | None"]


def _run_here(item: PipelineInput) -> Future[Outcome]:
    """The pipeline in this process, its outcome shaped like the pool's (a failure fails one job)."""
    from watchword.pipeline_process import run_pipeline  # not imported by a pooled worker (watchword.pool)

    outcome: Future[Outcome] = Future()
    try:
        outcome.set_result((run_pipeline(item), None, None))  # derived and encoded while writing, as a stored one
    except Exception as exc:  # noqa: BLE001 - the pipeline guards its stages; this is a last resort
        outcome.set_exception(exc)
    return outcome


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=8))}"


@dataclass
class _Item:
    job: Job
    report: Report | None = None
    key: str = ""
    analysis: Analysis | Future[Outcome] | None = None
    derived: Derived | None = None
    text: str | None = None  # the analysis's stored JSON text, when this worker made it before
    error: str = ""


@dataclass
class _Batch:
    items: list[_Item] = field(default_factory=list)
    reused: int = 0


class LeaseLost(RuntimeError):
    """Another worker took the job over after our lease ran out; our results are dropped."""


ERROR_SUMMARY_CHARS = 1000


def _shorten(text: str, limit: int) -> str:
    return (
        text if len(text) <= limit else f"{text[: limit // 2]} …[{len(text) - limit} characters]… {text[-limit // 2 :]}"
    )


class Worker:
    def __init__(self, rt: Runtime, worker_id: str | None = None, processes: int | None = None) -> None:
        self.rt = rt
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.extra_handlers: dict[str, Callable[[Runtime, Job], None]] = {}
        wanted = rt.settings.worker_processes if processes is None else processes
        self.processes, self.pooled = pool.plan(wanted, rt.settings.database_url)  # sizes and why: watchword.pool
        self._pool: ProcessPoolExecutor | None = None
        self.reused = 0  # analyses reused instead of run, since start (for benchmarks and logs)
        self._written = Reused()  # analyses this worker wrote, by input key, for later copies (watchword.reused)
        # SQLite: the batch's result transaction queues with the intake's writers for the file's
        # write lock (woken when it is free), instead of polling in SQLite's busy handler.
        self._turn = WriterTurn.for_database(rt.db)

    # -- the process pool ------------------------------------------------------

    def _executor(self) -> ProcessPoolExecutor | None:
        if not self.pooled:
            return None
        if self._pool is None:
            # forkserver, not fork: the worker holds database connections and
            # threads that a forked child must not inherit.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(pool.PRELOAD)
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=context, initializer=poolchild.die_with_parent
            )
        return self._pool

    def _warm_pool(self) -> None:
        """Start the pool's forkserver now: it imports the pipeline beside this process's first
        claim and reads, instead of while the first batch waits for its first pool process.

        From this (the main) thread: the forkserver asks to die with the thread that started it
        (PR_SET_PDEATHSIG, watchword.forkserver_guard), so a short-lived thread must not start it.
        """
        if not self.pooled or self._pool is not None:
            return
        pool.start_forkserver()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._turn.close()

    def run_once(self) -> bool:
        """Claim and run one job. True if there was one."""
        settings = self.rt.settings
        job = jobs.claim(self.rt.db, self.worker_id, settings.job_lease_seconds)
        if job is None:
            return False
        try:
            if job.kind == jobs.ANALYZE:
                self._run_analyze(job)
            elif job.kind in self.extra_handlers:
                self.extra_handlers[job.kind](self.rt, job)
            else:
                raise ValueError(f"no handler for job kind {job.kind!r}")
        except LeaseLost:
            log.warning("job %s: lease lost, results dropped", job.id)
        except Exception as exc:  # noqa: BLE001 - a failing job must be retried or parked, not kill the worker
            # Bounded: an error can quote a whole SQL statement (tens of thousands of placeholders).
            summary = _shorten(f"{type(exc).__name__}: {exc}", ERROR_SUMMARY_CHARS)
            error = f"{summary}\n{_shorten(traceback.format_exc(limit=8), 3000)}"
            status = jobs.fail(self.rt.db, job, self.worker_id, error, settings.job_max_attempts)
            # The type and a masked first line: the full error (which may quote the report) is on the job.
            log.warning("job %s failed (attempt %s), now %s: %s", job.id, job.attempts, status, describe(exc))
            if status == JobStatus.PARKED and job.report_id is not None:
                with self.rt.db.write() as session:
                    report = session.get(Report, job.report_id)
                    if report is not None:
                        report.status = ReportStatus.FAILED
        return True

    def _run_analyze(self, job: Job) -> None:
        with self.rt.db.session() as session:
            report = session.get(Report, job.report_id)
            if report is None:
                raise ValueError(f"report {job.report_id} does not exist")
            session.expunge(report)
        analysis = processing.analyse(self.rt, report)
        with self.rt.db.write() as session:
            if not jobs.finish(session, job, self.worker_id):
                raise LeaseLost(job.id)
            report = session.merge(report, load=True)
            for step in processing.AFTER_ANALYSIS:
                step(session, report, analysis)

    # -- batches of analysis jobs ------------------------------------------------

    def _start_batch(self, claimed: list[Job]) -> _Batch:
        """Read and hand to the pool these claimed analysis jobs."""
        batch = _Batch(items=[_Item(job=job) for job in claimed])
        ids = [job.report_id for job in claimed if job.report_id is not None]
        with self.rt.db.session() as session:
            reports = {r.id: r for r in session.scalars(select(Report).where(among_ids(Report.id, ids, session)))}
            session.expunge_all()
            # One read transaction for the reports and the stored analyses (a round trip less each way).
            inputs: dict[str, PipelineInput] = {}
            for item in batch.items:
                item.report = reports.get(item.job.report_id or -1)
                if item.report is None:
                    item.error = f"ValueError: report {item.job.report_id} does not exist"
                    continue
                report = item.report
                try:
                    raw = self.rt.blobs.get(report.raw_sha256) if report.raw_sha256 else None
                except Exception as exc:  # noqa: BLE001 - one unreadable blob fails its job, not the batch
                    item.error = _error_text(exc)
                    continue
                answers = processing.answers_of(self.rt, report)
                item.key = processing.input_key(report.text, raw, report.approach_hint, answers)
                inputs.setdefault(item.key, (report.text, raw, report.approach_hint, answers))
            # A key this worker wrote before needs no read, no derive and no serialising again.
            kept = {key: entry for key in inputs if (entry := self._written.get(key)) is not None}
            known: dict[str, Analysis] = {key: entry.analysis for key, entry in kept.items()}
            known.update(processing.stored_analyses(session, [key for key in inputs if key not in kept]))
        # A pool pays off from a few inputs on; a handful run here (no processes started).
        executor = self._executor() if len(inputs) - len(known) >= MIN_POOLED else None
        running: dict[str, Analysis | Future[Outcome]] = dict(known)
        for key, pipeline_input in inputs.items():
            if key not in running:
                running[key] = executor.submit(pool.run, pipeline_input) if executor else _run_here(pipeline_input)
        for item in batch.items:
            if item.key:
                item.analysis = running[item.key]
                if item.key in kept:
                    item.derived, item.text = kept[item.key].derived, kept[item.key].text
        # Reused: from the store, or from an equal input earlier in this batch.
        batch.reused = sum(1 for item in batch.items if item.key) - (len(inputs) - len(known))
        return batch

    def _finish_batch(self, batch: _Batch, claim: int = 0) -> list[Job] | None:
        """Write the batch in one transaction, each job behind its lease; failures retried or parked.

        With `claim`, the same transaction claims up to that many analysis jobs for a later batch
        (a commit, and on PostgreSQL a round trip, fewer per batch); they are returned once it
        committed. None when no claim was made (nothing written together, or it failed): the
        caller claims in a transaction of its own.
        """
        claimed: list[Job] | None = None
        for item in batch.items:
            if isinstance(item.analysis, Future):
                try:
                    # The pool's text is the stored one: it makes none for an analysis that
                    # holds reporter's words to seal (sealing changes nothing else).
                    analysis, item.derived, item.text = item.analysis.result()
                    item.analysis = processing.seal_reporter_words(self.rt, analysis)
                except BrokenProcessPool as exc:
                    self._pool = None  # a pool process died (e.g. out of memory): start a fresh pool
                    item.error, item.analysis = _error_text(exc), None
                except Exception as exc:  # noqa: BLE001 - the pipeline guards its stages; this is a last resort
                    item.error, item.analysis = _error_text(exc), None
        ready = [item for item in batch.items if isinstance(item.analysis, Analysis) and not item.error]
        if ready:
            try:
                claimed = self._write_together(ready, claim)
            except Exception:  # nothing of the batch landed: write it job by job to find the culprit
                log.warning("batch of %d could not be written together; writing job by job", len(ready), exc_info=True)
                self._write_each(ready)
        self.reused += batch.reused
        for item in batch.items:
            if item.error:
                self._fail(item.job, item.error)
        return claimed

    def _write_together(self, ready: list[_Item], claim: int = 0) -> list[Job]:
        """The fast path: the whole batch in set-at-a-time statements, all or nothing; and the
        next `claim` jobs claimed in the same transaction (returned once it committed)."""
        # What needs no store is computed before the transaction (the pool computed it for what
        # it analysed; an analysis reused from the store gets it here): on SQLite the transaction
        # holds the one write lock, which the intake's group commit waits for.
        # A wave's equal copies share one Analysis object: derived and serialised once each.
        once: dict[int, Derived] = {}
        for item in ready:
            if item.derived is not None and isinstance(item.analysis, Analysis):
                once.setdefault(id(item.analysis), item.derived)
        for item in ready:
            if item.derived is None and isinstance(item.analysis, Analysis):
                item.derived = once.get(id(item.analysis)) or once.setdefault(id(item.analysis), derive(item.analysis))
        # Each distinct analysis's stored JSON text, once (a text this worker kept is not made
        # again): both stores bind the text (processing.rewrite_analyses).
        encoded = processing.encode_results(
            (item.analysis for item in ready if isinstance(item.analysis, Analysis)),
            {id(item.analysis): item.text for item in ready if item.text is not None},
        )
        with self._turn, self.rt.db.write() as session:
            # First: SKIP LOCKED never waits, and nothing else is held yet (campaigns/locks.py).
            finishing = [item.job.id for item in ready]
            claimed = jobs.claim_batch_in(
                session, self.worker_id, self.rt.settings.job_lease_seconds, claim, finishing=finishing
            )
            held = jobs.finish_many(session, finishing, self.worker_id)
            ids = [item.job.report_id for item in ready if item.job.id in held]
            reports = {r.id: r for r in session.scalars(select(Report).where(among_ids(Report.id, ids, session)))}
            todo: list[tuple[Report, Analysis, str | None]] = []
            derived: dict[int, Derived] = {}
            for item in ready:
                if item.job.id not in held:
                    log.warning("job %s: lease lost, results dropped", item.job.id)
                    continue
                assert isinstance(item.analysis, Analysis)
                report = reports[item.job.report_id or -1]
                todo.append((report, item.analysis, item.key))
                if item.derived is not None:
                    derived[report.id] = item.derived
            processing.apply_batch(session, todo, derived, encoded)
        for item in ready:  # committed: later copies of these keys reuse what was written
            if item.job.id in held and isinstance(item.analysis, Analysis) and item.derived is not None:
                text = encoded.get(id(item.analysis))
                self._written.put(item.key, item.analysis, item.derived, text)
        return claimed

    def _write_each(self, ready: list[_Item]) -> None:
        """The careful path: one transaction, a savepoint per job; a failing job drops out alone."""
        with self.rt.db.write() as session:
            ids = [item.job.report_id for item in ready]
            # One query puts every report in the session; merge() below then reads none.
            list(session.scalars(select(Report).where(Report.id.in_(ids))))
            processing.lock_batch_indicators(
                session, (item.analysis for item in ready if isinstance(item.analysis, Analysis))
            )
            for item in ready:
                assert isinstance(item.analysis, Analysis) and item.report is not None
                try:
                    with session.begin_nested():
                        if not jobs.finish(session, item.job, self.worker_id):
                            log.warning("job %s: lease lost, results dropped", item.job.id)
                            continue
                        report = session.merge(item.report, load=True)
                        processing.apply(session, report, item.analysis, item.key)
                except Exception as exc:  # noqa: BLE001 - this job is retried or parked; the batch goes on
                    item.error = _error_text(exc)

    def _fail(self, job: Job, error: str) -> None:
        settings = self.rt.settings
        status = jobs.fail(self.rt.db, job, self.worker_id, error, settings.job_max_attempts)
        # The type and a masked start of the first line: the full error (which may quote the report) is on the job.
        first = mask(error.split("\n", 1)[0], 200)
        log.warning("job %s failed (attempt %s), now %s: %s", job.id, job.attempts, status, first)
        if status == JobStatus.PARKED and job.report_id is not None:
            with self.rt.db.write() as session:
                report = session.get(Report, job.report_id)
                if report is not None:
                    report.status = ReportStatus.FAILED

    def run_batches(self, max_jobs: int | None = None, stop: threading.Event | None = None) -> int:
        """Work until no job is runnable (or `max_jobs` are done, or `stop` is set); return how many.

        Analysis jobs go in batches, the next batch's pipeline overlapping this batch's writes,
        and the batch after it claimed in this batch's result transaction (a claim of its own
        only for the first batch, or after a write that could not claim); other kinds
        (housekeeping) one at a time when no analysis waits.
        """
        done = 0
        pending: _Batch | None = None
        claimed: list[Job] | None = None  # claimed by the last write, not yet started
        size = batch_size_for(self.rt.settings.worker_batch_size, self.rt.settings.database_url)

        def room(in_flight: int) -> int:
            return size if max_jobs is None else max(0, min(size, max_jobs - done - in_flight))

        while True:
            running = stop is None or not stop.is_set()
            in_flight = len(pending.items) if pending else 0
            if claimed is None and running and room(in_flight) > 0:
                settings = self.rt.settings
                claimed = jobs.claim_batch(self.rt.db, self.worker_id, settings.job_lease_seconds, room(in_flight))
            # Jobs already claimed are run even after `stop`: their leases would only hold them idle.
            upcoming = self._start_batch(claimed) if claimed else None
            claimed = None
            if pending is not None:
                after = in_flight + (len(upcoming.items) if upcoming else 0)
                claimed = self._finish_batch(pending, room(after) if running else 0)
                done += len(pending.items)
            pending = upcoming
            if pending is None and claimed:
                continue  # the write claimed a batch: start it
            if pending is None:
                claimed = None  # [] from the write: the queue was empty then; ask again below
                if not running or (max_jobs is not None and done >= max_jobs):
                    break
                if self.run_once():  # a job of another kind (or an analysis just queued)
                    done += 1
                    continue
                break
        return done

    def run_until_idle(self, max_jobs: int | None = None) -> int:
        self._warm_pool()
        try:
            return self.run_batches(max_jobs)
        finally:
            self.close()  # the pool lives as long as one drain here; run_forever keeps it

    def run_forever(self, stop: threading.Event) -> None:
        log.info("worker %s started (%d pipeline processes)", self.worker_id, self.processes)
        self._warm_pool()
        try:
            while not stop.is_set():
                try:
                    worked = self.run_batches(stop=stop)
                except Exception:
                    log.exception("worker loop error")
                    worked = 0
                if not worked:
                    stop.wait(self.rt.settings.worker_poll_seconds)
        finally:
            self.close()


def build_worker(rt: Runtime, worker_id: str | None = None) -> Worker:
    """A worker with every area's scheduled job kinds installed, in one visible list."""
    from watchword.intel import pull, retrohunt
    from watchword.services import notifications, retention, taxii_follow

    worker = Worker(rt, worker_id)
    for install in (retention.install, retrohunt.install, taxii_follow.install, pull.install, notifications.install):
        install(worker)
    return worker
