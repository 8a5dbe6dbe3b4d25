"""Analysts' notifications through Apprise, to real loopback targets: a webhook (json://) served by a
stdlib HTTP server and mail (mailto://) to the test SMTP server. Settings are sealed; events are
recorded in the transaction that causes them and sent by the worker afterwards; a failed target
is logged and kept on the event, never raised into the worker."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from tests.support.console import add_user, email, report_email
from tests.support.http_sink import running_http_sink
from tests.support.smtp_sink import running_sink
from watchword.domain.states import JobStatus
from watchword.runtime import Runtime
from watchword.services import followup, notifications
from watchword.store.models import AuditEvent, Campaign, Job, Report
from watchword.store.models_notify import NotificationEvent, NotificationSetting
from watchword.store.models_people import User
from watchword.store.models_reporter import ReporterReceipt
from watchword.worker import Worker


def _user_id(rt: Runtime, username: str) -> int:
    with rt.db.session() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return int(found)


def _subscribe(rt: Runtime, username: str, urls: list[str], events: list[str], role: str = "analyst") -> int:
    add_user(rt, username, role)
    user_id = _user_id(rt, username)
    with rt.db.write() as session:
        notifications.save_settings(session, user_id, username, events=events, urls_text="\n".join(urls))
    return user_id


def _worker(rt: Runtime) -> Worker:
    worker = Worker(rt, processes=1)
    notifications.install(worker)
    return worker


def _surge(rt: Runtime, count: int = 7) -> int:
    """`count` reports of one lure within minutes: the campaigns engine groups them and sees a surge."""
    for n in range(count):
        report_email(
            rt,
            email(
                f"Your mailbox is full ({n})",
                "Your mailbox is full. Sign in within 24 hours at https://mail-quota.surge-example.com/login "
                "or your account will be closed. IT Service Desk",
                sender=f"it{n}@surge-example.com",
            ),
        )
    _worker(rt).run_until_idle()
    with rt.db.session() as session:
        surging = session.scalars(select(Campaign.id).where(Campaign.surging.is_(True))).all()
    assert len(surging) == 1, f"the engine should see one surging campaign, saw {surging}"
    return int(surging[0])


def test_a_surge_reaches_a_webhook_after_the_fact_once_and_without_report_content(rt: Runtime) -> None:
    with running_http_sink() as hook:
        _subscribe(rt, "ana", [f"json://{hook.url}/hooks/watchword"], ["surge"])
        _subscribe(rt, "bob", [f"json://{hook.url}/hooks/bob"], ["reporter_reply"])  # not surges
        campaign_id = _surge(rt)
        hook.wait(1)
        more = report_email(
            rt,
            email(
                "Your mailbox is full (8)",
                "Your mailbox is full. Sign in within 24 hours "
                "at https://mail-quota.surge-example.com/login or your account will be "
                "closed. IT Service Desk",
                sender="it8@surge-example.com",
            ),
        )
        _worker(rt).run_until_idle()
        with rt.db.session() as session:
            assert session.get(Report, more).campaign_id == campaign_id  # type: ignore[union-attr]
    # One notice per campaign and day, however many reports of the surge follow; Bob asked for replies only.
    assert [path for _, path, _, _ in hook.requests] == ["/hooks/watchword"]
    payload = hook.payloads()[0]
    assert payload["title"] == f"Watchword: campaign #{campaign_id} is surging"
    assert f"/console/campaigns/{campaign_id}" in payload["message"]
    assert "mailbox" not in payload["message"].lower() and "surge-example" not in payload["message"]
    with rt.db.session() as session:
        event = session.scalar(select(NotificationEvent).where(NotificationEvent.kind == "surge"))
        assert event is not None and event.sent_at is not None and (event.delivered, event.failed) == (1, 0)
        assert session.scalar(select(func.count()).select_from(NotificationEvent)) == 1


def test_a_reporter_reply_is_mailed_through_the_test_smtp_server(rt: Runtime) -> None:
    report_id = report_email(rt, email("Odd request", "Please send the files"))
    _worker(rt).run_until_idle()
    with running_sink() as smtp:
        _subscribe(
            rt,
            "ana",
            [f"mailto://127.0.0.1:{smtp.port}?to=ana@corp.example&from=watchword@corp.example&mode=insecure"],
            ["reporter_reply"],
        )
        with rt.db.write() as session:
            receipt = ReporterReceipt(report_id=report_id, code_hash="e" * 64, passphrase_hash="x")
            session.add(receipt)
            session.flush()
            followup.post_reporter_message(session, receipt.id, "My manager's name is Jane Doe, she got it too")
        with rt.db.session() as session:  # recorded with the message, not sent in its transaction
            assert session.scalar(select(NotificationEvent.sent_at)) is None
        _worker(rt).run_until_idle()
        mails = smtp.to("ana@corp.example")
    assert len(mails) == 1
    assert mails[0]["Subject"] == f"Watchword: a reporter wrote on report #{report_id}"
    text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"/console/reports/{report_id}" in text and "Jane" not in text


def test_a_high_risk_report_is_announced_once_per_campaign(any_rt: Runtime) -> None:
    rt = any_rt  # the repeat is an INSERT .. ON CONFLICT DO NOTHING on both stores
    with running_http_sink() as hook:
        _subscribe(rt, "ana", [f"json://{hook.url}/h"], ["high_risk"])
        first = report_email(rt, email("Invoice", "Pay https://pay.hr-example.com/"))
        second = report_email(rt, email("Invoice 2", "Pay https://pay.hr-example.com/"))
        with rt.db.write() as session:
            campaign = Campaign(title="c", member_count=2)
            session.add(campaign)
            session.flush()
            for report_id in (first, second):
                report = session.get(Report, report_id)
                assert report is not None
                report.risk, report.scope, report.campaign_id = 0.9, "in_scope", campaign.id
                notifications.after_analysis(session, report, None)  # type: ignore[arg-type]
        _worker(rt).run_until_idle()
        hook.wait(1)
    assert len(hook.requests) == 1
    assert hook.payloads()[0]["title"] == f"Watchword: new high-risk report #{first}"


def test_a_failing_target_is_logged_and_kept_never_raised(
    any_rt: Runtime, caplog: pytest.LogCaptureFixture, closed_port: int
) -> None:
    rt, closed = any_rt, closed_port
    with running_http_sink() as hook:
        _subscribe(rt, "ana", [f"json://127.0.0.1:{closed}/x", f"json://{hook.url}/ok"], ["reporter_reply"])
        _subscribe(rt, "bob", [f"json://user:hunter2@127.0.0.1:{closed}/y"], ["reporter_reply"])
        report_id = report_email(rt, email("Hello", "Hi"))
        with rt.db.write() as session:
            notifications.reporter_replied(session, report_id, 99)
        with caplog.at_level(logging.WARNING, logger="watchword.notifications"):
            _worker(rt).run_until_idle()
        hook.wait(1)
    with rt.db.session() as session:
        event = session.scalar(select(NotificationEvent))
        assert event is not None and event.sent_at is not None
        assert (event.delivered, event.failed) == (1, 1)  # ana reached through her second target; bob not at all
        assert "hunter2" not in event.last_error and f":{closed}" in event.last_error
        job = session.scalar(select(Job).where(Job.kind == notifications.JOB_KIND))
        assert job is not None and job.status == JobStatus.DONE  # not retried, not parked
    assert any("failed" in r.getMessage() for r in caplog.records)
    assert "hunter2" not in caplog.text


def test_settings_are_sealed_masked_validated_and_audited_without_urls(rt: Runtime) -> None:
    secret = "T1JJ3T3L2/A1BRTD4JD/TIiajkdnSuperSecretdevi7FQ"  # Slack's own webhook example, made secret
    user_id = _subscribe(rt, "ana", [f"slack://{secret}/#soc"], ["surge", "high_risk"])
    with rt.db.session() as session:
        row = session.get(NotificationSetting, user_id)
        assert row is not None and row.urls_sealed is not None and b"SuperSecret" not in row.urls_sealed
        view = notifications.settings_view(session, user_id)
        details = [str(d) for d in session.scalars(select(AuditEvent.detail).where(AuditEvent.action.like("notif%")))]
    assert view.events == ["high_risk", "surge"] and len(view.masked_urls) == 1
    assert "SuperSecret" not in view.masked_urls[0] and view.masked_urls[0].startswith("slack://")
    assert details and all("slack" not in d and "Secret" not in d for d in details)
    with rt.db.write() as session, pytest.raises(notifications.NotificationError, match="Line 2"):
        notifications.save_settings(session, user_id, "ana", events=["surge"], urls_text="json://x/\nnot a url")
    with rt.db.write() as session, pytest.raises(notifications.NotificationError):
        notifications.save_settings(session, user_id, "ana", events=["everything"], urls_text=None)


def test_nothing_is_recorded_when_no_one_wants_it(rt: Runtime) -> None:
    report_email(rt, email("Hello", "Hi"))
    with rt.db.write() as session:
        report_id = session.scalar(select(Report.id))
        assert report_id is not None
        notifications.reporter_replied(session, report_id, 1)
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(NotificationEvent)) == 0
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == notifications.JOB_KIND)) == 0
