"""The worker: retries with backoff, parks a failing job with its error, survives being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.support.settings import make_settings
from tests.support.stored import store_reports
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import AnalysisRecord, Indicator, Job, Report, ReportIndicator, utcnow
from watchword.worker import Worker


def _email(n: int) -> bytes:
    return (
        f"From: Billing <billing{n % 7}@invoices{n % 5}-billing.top>\r\n"
        f"To: someone{n}@example.org\r\nSubject: Invoice {n} overdue\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>Pay now: <a href="https://pay{n % 11}-portal.top/inv/{n}">view invoice</a>'
        f" or call +44 20 7946 {n % 10000:04d}</p>"
        f"<p>Reference {n}. Contact accounts{n % 3}@invoices{n % 5}-billing.top</p>\r\n"
    ).encode()


def test_failing_job_is_retried_then_parked_with_its_error_visible(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path, job_max_attempts=2), migrate=True) as rt:
        receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=_email(1)))
        with rt.db.session() as session:
            sha = session.get(Report, receipt.report_id).raw_sha256  # type: ignore[union-attr]
        rt.blobs.delete(sha)  # the raw bytes vanish: analysis cannot succeed
        worker = Worker(rt)
        assert worker.run_once()
        with rt.db.write() as session:
            job = session.scalars(select(Job)).one()
            assert job.status == "queued" and job.attempts == 1 and "FileNotFoundError" in job.last_error
            assert job.run_after.replace(tzinfo=None) > utcnow().replace(tzinfo=None)  # backoff
            session.execute(update(Job).values(run_after=utcnow()))
        assert worker.run_once()
        with rt.db.session() as session:
            job = session.scalars(select(Job)).one()
            assert job.status == "parked" and job.attempts == 2 and "FileNotFoundError" in job.last_error
            assert session.get(Report, receipt.report_id).status == "failed"  # type: ignore[union-attr]
        assert not worker.run_once()  # a parked job is not claimed again


def _start_worker(data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(data_dir),
        "WATCHWORD_JOB_LEASE_SECONDS": "1",
        "WATCHWORD_WORKER_POLL_SECONDS": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "watchword", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _done(rt: Runtime) -> int:
    """Finished analysis jobs (the worker also schedules housekeeping jobs of its own)."""
    with rt.db.session() as session:
        query = select(func.count()).select_from(Job).where(Job.status == "done", Job.kind == "analyze")
        return int(session.scalar(query) or 0)


@pytest.mark.slow  # 400 reports and three real worker processes killed; make test runs it
def test_killing_a_real_worker_mid_run_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    """GIVEN 400 accepted reports WHEN a real worker process is SIGKILLed three times mid-run
    and restarted THEN every report ends analysed exactly once in effect: one analysis each,
    indicator counts equal to the links that exist, every job done."""
    total = 400
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        # Many to a transaction (tests/support/stored.py): what is tested starts once they are stored.
        store_reports(rt, [IncomingReport(channel=Channel.IMPORT, raw_email=_email(n)) for n in range(total)])
        kills = 0
        deadline = time.monotonic() + 240
        proc = _start_worker(tmp_path)
        try:
            while kills < 3 and time.monotonic() < deadline:
                before = _done(rt)
                while _done(rt) == before and time.monotonic() < deadline:
                    time.sleep(0.02)
                if _done(rt) >= total:
                    break
                proc.send_signal(signal.SIGKILL)  # no clean-up, no goodbye: mid-job if it was in one
                proc.wait()
                kills += 1
                proc = _start_worker(tmp_path)
            while _done(rt) < total and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        assert kills >= 1, "the worker finished before it could be killed; raise `total`"
        with rt.db.session() as session:
            assert _done(rt) == total
            assert session.scalar(select(func.count()).select_from(AnalysisRecord)) == total
            assert session.scalar(select(func.count()).select_from(Report).where(Report.status == "analysed")) == total
            links = dict(
                session.execute(
                    select(ReportIndicator.indicator_id, func.count()).group_by(ReportIndicator.indicator_id)
                ).all()
            )
            counts = dict(session.execute(select(Indicator.id, Indicator.report_count)).all())
            assert counts == {ind: links.get(ind, 0) for ind in counts}
            assert sum(links.values()) > total  # indicators were really extracted and linked
