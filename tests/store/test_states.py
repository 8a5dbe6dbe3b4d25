"""Stored states are enums the store enforces: any other value is refused, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from watchword.domain import Channel, IncomingReport
from watchword.domain.states import NOT_YET_SET, STORED_STATES, JobStatus, ReportStatus
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.store.models import Job, Report
from watchword.store.schema import metadata


def test_the_migration_and_the_enums_name_the_same_states() -> None:
    migration = importlib.import_module("watchword.store.migrations.versions.0006_states")
    # The rules as the migrations leave them: 0006's, with the outbox kinds 0011 widened.
    threads = importlib.import_module("watchword.store.migrations.versions.0011_threads_per_person")
    case_work = importlib.import_module("watchword.store.migrations.versions.0014_case_work")
    scope = importlib.import_module("watchword.store.migrations.versions.0022_scope_check")
    closed = importlib.import_module("watchword.store.migrations.versions.0023_closed_value_checks")
    at_head = {
        **migration.STATES,
        ("mail_outbox", "kind"): threads.AFTER,
        **{(table, "case_status"): case_work.CASE_STATES for table in case_work.TABLES},
        ("reports", "scope"): scope.SCOPES,
        **closed.CHECKS,
    }
    in_code = {
        key: ("",) * (key in NOT_YET_SET) + tuple(str(s) for s in states) for key, states in STORED_STATES.items()
    }
    assert in_code == at_head
    for table, column in STORED_STATES:
        assert column in metadata.tables[table].c  # every listed column exists
        names = {c.name for c in metadata.tables[table].constraints}
        assert f"ck_{table}_{column}" in names


def test_the_store_refuses_a_state_outside_the_enum(any_rt: Runtime) -> None:
    receipt = submit(any_rt, IncomingReport(channel=Channel.API, text="Someone asked about the badge readers"))
    with any_rt.db.write() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.status == ReportStatus.RECEIVED
        session.execute(update(Job).where(Job.report_id == receipt.report_id).values(status=JobStatus.RUNNING))
    for bad in (
        update(Report).where(Report.id == receipt.report_id).values(status="analyzed"),  # the US spelling
        update(Job).where(Job.report_id == receipt.report_id).values(status="finished"),
        insert(Job).values(kind="analyze", payload={}, status="later", attempts=0),
    ):
        with pytest.raises(IntegrityError, match=r"ck_(reports|jobs)_status|check constraint"), any_rt.db.write() as s:
            s.execute(bad)
    with any_rt.db.session() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.status == "received"  # nothing was changed by the refused writes


def test_case_status_is_checked_by_the_store(any_rt: Runtime) -> None:
    """Migration 0014: a report's case status is new, in_progress or closed, and nothing else."""
    receipt = submit(any_rt, IncomingReport(channel=Channel.API, text="Someone asked about the badge readers"))
    with any_rt.db.write() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.case_status == "new"
        session.execute(update(Report).where(Report.id == receipt.report_id).values(case_status="in_progress"))
    with pytest.raises(IntegrityError, match=r"ck_reports_case_status|check constraint"), any_rt.db.write() as s:
        s.execute(update(Report).where(Report.id == receipt.report_id).values(case_status="done"))
    with any_rt.db.session() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.case_status == "in_progress"


def test_scope_is_checked_by_the_store(any_rt: Runtime) -> None:
    """Migration 0022: a report's scope is in_scope, out_of_scope or needs_detail, and nothing else."""
    receipt = submit(any_rt, IncomingReport(channel=Channel.API, text="Someone asked about the badge readers"))
    with any_rt.db.write() as session:
        session.execute(update(Report).where(Report.id == receipt.report_id).values(scope="needs_detail"))
    for bad in ("benign", "out-of-scope", ""):
        with pytest.raises(IntegrityError, match=r"ck_reports_scope|check constraint"), any_rt.db.write() as s:
            s.execute(update(Report).where(Report.id == receipt.report_id).values(scope=bad))
    with any_rt.db.session() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.scope == "needs_detail"  # the refused writes changed nothing
