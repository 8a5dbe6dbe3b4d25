"""The worker: claims jobs, runs the pipeline, stores results, retries, parks.

The pipeline runs outside any transaction (it is pure CPU); its results, the
after-analysis steps and the job's completion are then written in one
transaction guarded by the job's lease. Killing the process at any point
therefore loses nothing and applies nothing twice: an unfinished job's lease
runs out and it is claimed again from the start.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable

from watchword.domain.states import JobStatus, ReportStatus
from watchword.logsafe import describe
from watchword.runtime import Runtime
from watchword.services import processing
from watchword.store import jobs
from watchword.store.models import Job, Report

log = logging.getLogger("watchword.worker")


class LeaseLost(RuntimeError):
    """Another worker took the job over after our lease ran out; our results are dropped."""


ERROR_SUMMARY_CHARS = 1000


def _shorten(text: str, limit: int) -> str:
    return (
        text if len(text) <= limit else f"{text[: limit // 2]} …[{len(text) - limit} characters]… {text[-limit // 2 :]}"
    )


class Worker:
    def __init__(self, rt: Runtime, worker_id: str | None = None) -> None:
        self.rt = rt
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.extra_handlers: dict[str, Callable[[Runtime, Job], None]] = {}

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

    def run_until_idle(self, max_jobs: int | None = None) -> int:
        done = 0
        while (max_jobs is None or done < max_jobs) and self.run_once():
            done += 1
        return done

    def run_forever(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("worker loop error")
                worked = False
            if not worked:
                stop.wait(self.rt.settings.worker_poll_seconds)


def build_worker(rt: Runtime, worker_id: str | None = None) -> Worker:
    """A worker with every area's scheduled job kinds installed, in one visible list."""
    from watchword.intel import retrohunt
    from watchword.services import retention

    worker = Worker(rt, worker_id)
    for install in (retention.install, retrohunt.install):
        install(worker)
    return worker
