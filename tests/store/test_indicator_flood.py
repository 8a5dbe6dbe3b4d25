"""A mail with tens of thousands of URLs is analysed and stored, on both backends (issue 11, item 9).

About 26k URLs in one mail overflowed SQLite's bound-parameter limit ("too many
SQL variables"): five attempts, the job parked, the report failed, and ~0.9 MB
of SQL in the log per attempt; 100k URLs peaked at 1.4 GB RSS.
"""

from __future__ import annotations

import logging
import time
import tracemalloc

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tests.support.console import email, report_email
from watchword.analysis import indicators
from watchword.analysis.pipeline import analyze_email
from watchword.domain.states import JobKind
from watchword.runtime import Runtime
from watchword.store import jobs
from watchword.store.models import AnalysisRecord, Job, Report, ReportIndicator
from watchword.worker import Worker


def url_flood(n: int) -> bytes:
    return email("Links", "\n".join(f"https://h{i}.flood-example.com/p/{i}" for i in range(n)))


# The two timed tests run in the serial pass of `make test`, alone on the machine; the two after them
# time nothing and run in the parallel pass.
@pytest.mark.serial
def test_a_30k_url_mail_is_analysed_and_stored(any_rt: Runtime) -> None:
    report_id = report_email(any_rt, url_flood(30_000))
    started = time.perf_counter()
    assert Worker(any_rt).run_until_idle() == 1
    elapsed = time.perf_counter() - started
    with any_rt.db.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status == "analysed"
        record = session.get(AnalysisRecord, report_id)
        assert record is not None
        linked = session.scalar(
            select(func.count()).select_from(ReportIndicator).where(ReportIndicator.report_id == report_id)
        )
        job_states = session.execute(select(Job.status, Job.attempts)).all()
    assert job_states == [("done", 1)]
    assert 0 < (linked or 0) <= indicators.MAX_INDICATORS
    # The analysis keeps the counts and says the budget was hit.
    warning = next(w for w in record.result["warnings"] if w.startswith("indicators: budget hit"))
    assert "30000 URLs ('://') in the text" in warning
    assert record.result["indicator_counts"]["url"] >= 500
    assert elapsed < 30, f"{elapsed:.1f} s to analyse and store"


@pytest.mark.serial
def test_a_100k_url_mail_is_analysed_in_bounded_memory() -> None:
    raw = url_flood(100_000)
    tracemalloc.start()
    try:
        started = time.process_time()  # the analysis is all in this process: its CPU, not the machine's wall
        analysis = analyze_email(raw)
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(analysis.indicators) <= indicators.MAX_INDICATORS
    assert elapsed < 3.0 * len(raw) / 1e6 * 2, f"{elapsed:.1f} s"  # tracemalloc roughly doubles the time
    assert peak < 300 * 2**20, f"peak {peak / 2**20:.0f} MiB for {len(raw) / 1e6:.1f} MB"


def test_a_failing_job_logs_and_keeps_a_bounded_error_without_parameters(
    any_rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """Never the whole SQL parameter list: not in the log, not in the job's error."""
    secret = "reported-value-" + "x" * 50

    def failing(rt: Runtime, job: Job) -> None:
        with rt.db.session() as session:
            # A huge, failing statement carrying a reported value as a parameter.
            placeholders = ", ".join(f":p{i}" for i in range(3000))
            params = {f"p{i}": secret for i in range(3000)}
            session.execute(text(f"SELECT * FROM no_such_table WHERE x IN ({placeholders})"), params)

    with any_rt.db.write() as session:  # a kind the store takes (migration 0023), run by the failing handler
        jobs.enqueue(session, JobKind.RETENTION)
    worker = Worker(any_rt)
    worker.extra_handlers[JobKind.RETENTION] = failing
    with caplog.at_level(logging.WARNING, logger="watchword.worker"):
        assert worker.run_once()
    with any_rt.db.session() as session:
        [error] = session.scalars(select(Job.last_error)).all()
    assert error and len(error) <= 4000 and secret not in error
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed (attempt 1)" in logged and secret not in logged and len(logged) < 2000


def test_statement_errors_never_carry_parameters(any_rt: Runtime) -> None:
    with pytest.raises(SQLAlchemyError) as raised, any_rt.db.session() as session:
        session.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": "carol@corp.example"})
    assert "carol@corp.example" not in str(raised.value)
