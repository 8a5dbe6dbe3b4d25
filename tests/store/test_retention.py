"""Retention: what is past its category's retention goes, raw and derived, with an audit event."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.support.reporter import fast_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.services import followup, receipts, retention
from watchword.store import jobs
from watchword.store.models import AuditEvent, Blob, Campaign, Job, Report, utcnow
from watchword.store.models_reporter import ReporterReceipt, ThreadMessage
from watchword.worker import Worker

DAY = dt.timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def rrt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """The same retention on both store backends."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(
        fast_settings(
            tmp_path,
            database_url=url,
            retention_benign_days=30,
            retention_out_of_scope_days=7,
            retention_closed_campaign_days=180,
        ),
        migrate=True,
    ) as runtime:
        yield runtime


def _email(n: int) -> bytes:
    return f"From: a{n}@x.example\r\nSubject: s{n}\r\n\r\nbody {n}\r\n".encode()


def _report(rt: Runtime, age_days: float, raw: bytes | None = None, text: str = "", **fields: object) -> int:
    receipt = submit(rt, IncomingReport(channel=Channel.WEB, raw_email=raw, text=text or f"text {raw!r}"))
    then = utcnow() - dt.timedelta(days=age_days)
    with rt.db.write() as session:
        session.execute(
            update(Report).where(Report.id == receipt.report_id).values(created_at=then, last_sighted_at=then, **fields)
        )
        receipts.create(session, receipt.report_id, f"CODE{receipt.report_id:016d}", "x")
    return receipt.report_id


def _ids(rt: Runtime) -> set[int]:
    with rt.db.session() as session:
        return set(session.scalars(select(Report.id)))


def test_each_category_goes_after_its_own_retention_and_nothing_else(rrt: Runtime) -> None:
    old_oos = _report(rrt, 8, text="neighbour is foreign", scope="out_of_scope")
    new_oos = _report(rrt, 6, text="colleague goes to church", scope="out_of_scope")
    restricted_only = _report(rrt, 8, text="instant check said out of scope")
    with rrt.db.write() as session:
        followup.mark_restricted(session, restricted_only, "who they are", "instant")
    old_benign = _report(rrt, 31, raw=_email(1), verdict="benign")
    new_benign = _report(rrt, 29, raw=_email(2), verdict="benign")
    old_undecided = _report(rrt, 400, raw=_email(3))  # never judged: kept however old
    with rrt.db.write() as session:
        closed = Campaign(title="old wave", status="closed", last_seen=utcnow() - 181 * DAY)
        still_open = Campaign(title="ongoing", status="open", last_seen=utcnow() - 400 * DAY)
        session.add_all([closed, still_open])
        session.flush()
        closed_id, open_id = closed.id, still_open.id
    in_closed = _report(rrt, 200, raw=_email(4), campaign_id=closed_id)
    in_open = _report(rrt, 400, raw=_email(5), campaign_id=open_id)

    plan = retention.plan(rrt)
    assert plan.reports == {
        "out_of_scope": [old_oos, restricted_only],
        "benign": [old_benign],
        "closed_campaign": [in_closed],
    }
    assert _ids(rrt) >= {old_oos, old_benign, in_closed}  # planning deletes nothing

    result = retention.run(rrt)
    assert result.reports_deleted == 4
    assert _ids(rrt) == {new_oos, new_benign, old_undecided, in_open}
    with rrt.db.session() as session:
        assert session.get(Campaign, closed_id) is not None  # the aggregate record stays
        assert session.scalar(select(func.count()).select_from(ReporterReceipt)) == 4
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.deleted")).all()
    assert {e.detail["category"] for e in events} == {"out_of_scope", "benign", "closed_campaign"}
    assert all("text" not in str(e.detail) for e in events)


def test_raw_messages_go_with_their_last_report_only(rrt: Runtime) -> None:
    shared = _email(9)
    sha = rrt.blobs.put(shared)
    gone = _report(rrt, 40, raw=shared, verdict="benign")
    assert rrt.blobs.exists(sha)
    retention.run(rrt)
    assert gone not in _ids(rrt)
    assert not rrt.blobs.exists(sha)
    with rrt.db.session() as session:
        assert session.get(Blob, sha) is None


def test_a_sweep_removes_blob_files_staged_by_a_process_that_died(rrt: Runtime) -> None:
    orphan = rrt.blobs.stage(_email(11))  # never committed: its process died
    assert orphan.pending is not None
    old = (utcnow() - 2 * DAY).timestamp()
    os.utime(orphan.pending, (old, old))
    assert retention.run(rrt).staged_files_removed == 1
    assert not orphan.pending.exists()


def test_thread_and_receipts_go_with_the_report(rrt: Runtime) -> None:
    report_id = _report(rrt, 10, text="their religion worries me", scope="out_of_scope")
    with rrt.db.write() as session:
        (only,) = followup.report_reporters(session, report_id)
        followup.post_analyst_message(
            session, report_id, "ann", "We do not act on this; see the explanation.", to=only.key
        )
    retention.run(rrt)
    with rrt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ThreadMessage)) == 0
        assert session.scalar(select(func.count()).select_from(ReporterReceipt)) == 0


def test_dry_run_deletes_nothing_and_the_cli_says_what_would_go(rrt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = _report(rrt, 9, text="he is from abroad", scope="out_of_scope")
    result = retention.run(rrt, dry_run=True)
    assert result.reports_deleted == 0 and result.plan.reports["out_of_scope"] == [doomed]
    assert doomed in _ids(rrt)

    from watchword.cli import app

    s = rrt.settings
    for name, value in {
        "DATA_DIR": s.data_dir,
        "DATABASE_URL": s.database_url,
        "BLOB_DIR": s.blob_dir,
        "SECRET_KEY_FILE": s.secret_key_file,
        "RETENTION_OUT_OF_SCOPE_DAYS": 7,
    }.items():
        monkeypatch.setenv(f"WATCHWORD_{name}", str(value))
    out = CliRunner().invoke(app, ["retention", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "out_of_scope: 1 reports would be deleted" in out.output and str(doomed) in out.output
    assert doomed in _ids(rrt)
    out = CliRunner().invoke(app, ["retention"])
    assert out.exit_code == 0 and "1 reports and 0 files deleted." in out.output
    assert doomed not in _ids(rrt)


def test_the_worker_runs_retention_as_a_job_and_schedules_the_next(rrt: Runtime) -> None:
    doomed = _report(rrt, 9, text="out of scope", scope="out_of_scope")
    with rrt.db.write() as session:
        session.execute(update(Job).values(status="done"))  # analysis jobs are not the point here
    worker = Worker(rrt)
    retention.install(worker)
    retention.install(worker)  # idempotent: still one pending sweep
    with rrt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == retention.JOB_KIND)) == 1
    assert worker.run_once()
    assert doomed not in _ids(rrt)
    with rrt.db.session() as session:
        sweeps = session.scalars(select(Job).where(Job.kind == retention.JOB_KIND).order_by(Job.id)).all()
    assert [j.status for j in sweeps] == ["done", "queued"]
    next_run = sweeps[1].run_after.replace(tzinfo=dt.UTC) if sweeps[1].run_after.tzinfo is None else sweeps[1].run_after
    assert next_run > utcnow() + dt.timedelta(hours=rrt.settings.retention_interval_hours - 1)
    assert not jobs.claim(rrt.db, "w", 10, kinds=(retention.JOB_KIND,))


def test_a_reporters_mail_and_old_sent_replies_go_with_the_reports(tmp_path: Path) -> None:
    """GIVEN a forwarded phish taken by mail, later found benign and past retention, and a reply
    sent long ago WHEN retention runs THEN the report, the reporter's mail record (with its sealed
    address) and its wrapper bytes are gone, and so is the old reply."""
    from email.message import EmailMessage

    from watchword.intake.mail import take_mail
    from watchword.store.models_mail import MailMessage, MailOutbox

    with open_runtime(
        fast_settings(tmp_path, retention_benign_days=30, smtp_addresses=("report@corp.example",)), migrate=True
    ) as rt:
        original = _email(1)
        wrapper = EmailMessage()
        wrapper["From"] = "alice@corp.example"
        wrapper["To"] = "report@corp.example"
        wrapper["Subject"] = "FW: is this real?"
        wrapper.set_content("Please check.")
        wrapper.add_attachment(original, maintype="message", subtype="rfc822")
        taken = take_mail(rt, wrapper.as_bytes(), via="smtp", envelope_from="alice@corp.example")
        report_id = taken.receipts[0].report_id
        long_ago = utcnow() - 40 * DAY
        with rt.db.write() as session:
            wrapper_sha = session.scalars(select(MailMessage.wrapper_sha256)).one()
            session.execute(
                update(Report)
                .where(Report.id == report_id)
                .values(verdict="benign", created_at=long_ago, last_sighted_at=long_ago)
            )
            session.add(
                MailOutbox(
                    kind="ack",
                    dedupe="old-ack",
                    reporter_sealed=b"x",
                    reporter_hash="h",
                    subject="Thanks",
                    body="Received.",
                    status="sent",
                    sent_at=long_ago,
                )
            )
        assert rt.blobs.exists(wrapper_sha)
        retention.run(rt)
        with rt.db.session() as session:
            assert session.get(Report, report_id) is None
            assert session.scalar(select(func.count()).select_from(MailMessage)) == 0
            assert (
                session.scalar(select(func.count()).select_from(MailOutbox).where(MailOutbox.dedupe == "old-ack")) == 0
            )
            assert session.get(Blob, wrapper_sha) is None
        assert not rt.blobs.exists(wrapper_sha)


def test_notification_events_past_their_retention_are_pruned_by_the_worker_job(rrt: Runtime) -> None:
    """GIVEN notification events 45, 31 and 2 days old (the default keeps 30) and a delivery job still queued
    for the oldest WHEN the worker's retention job runs THEN the two old events go, with one audit event,
    the recent one stays, and the orphaned delivery job finishes without sending anything."""
    from watchword.services import notifications
    from watchword.store.models_notify import NotificationEvent

    assert rrt.settings.retention_notification_days == 30
    with rrt.db.write() as session:
        for age, key in ((45, "surge:1:old"), (31, "reply:7"), (2, "reply:8")):
            session.add(
                NotificationEvent(
                    key=key,
                    kind={"surge": "surge", "reply": "reporter_reply"}[key.split(":")[0]],  # as record() writes them
                    created_at=utcnow() - age * DAY,
                    sent_at=utcnow() - age * DAY,
                )
            )
        session.flush()
        oldest = session.scalars(select(NotificationEvent.id).where(NotificationEvent.key == "surge:1:old")).one()
        jobs.enqueue(session, notifications.JOB_KIND, payload={"event_id": oldest})
        session.execute(update(Job).where(Job.kind != notifications.JOB_KIND).values(status="done"))
    worker = Worker(rrt)
    retention.install(worker)
    notifications.install(worker)
    while worker.run_once():
        pass
    with rrt.db.session() as session:
        assert list(session.scalars(select(NotificationEvent.key))) == ["reply:8"]
        pruned = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.notifications_deleted")).all()
        assert [e.detail["events"] for e in pruned] == [2]
        delivery = session.scalars(select(Job).where(Job.kind == notifications.JOB_KIND)).one()
        assert delivery.status == "done"
    # A second sweep finds nothing more and writes no further audit event.
    assert retention.run(rrt).notifications_deleted == 0
