"""The audit log is hash-chained: `verify` (and `watchword audit verify`) catch an edited or deleted event."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from typer.testing import CliRunner

from tests.support.console import signed_in
from watchword.runtime import Runtime
from watchword.store import audit
from watchword.store.models import AuditEvent


def _events(rt: Runtime, n: int = 5) -> None:
    with rt.db.write() as session:
        for i in range(n):
            audit.record(session, "ana", "contact.viewed", "report", i + 1, {"count": 1})


def _verify(rt: Runtime) -> audit.ChainCheck:
    with rt.db.session() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(any_rt: Runtime) -> None:
    _events(any_rt)
    check = _verify(any_rt)
    assert check.ok and check.events == 5 and len(check.head) == 64


def test_editing_an_event_is_detected(any_rt: Runtime) -> None:
    _events(any_rt)
    with any_rt.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == 3).values(actor="someone-else"))
    check = _verify(any_rt)
    assert not check.ok and "event 3" in check.problem and "edited" in check.problem


def test_editing_the_detail_json_is_detected(any_rt: Runtime) -> None:
    _events(any_rt)
    with any_rt.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(detail={"count": 0}))
    assert not _verify(any_rt).ok


def test_deleting_an_event_is_detected(any_rt: Runtime) -> None:
    _events(any_rt)
    with any_rt.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == 2))
    check = _verify(any_rt)
    assert not check.ok and "event 3" in check.problem and "deleted" in check.problem


def test_rewriting_an_event_and_its_hash_still_breaks_the_next_link(rt: Runtime) -> None:
    """GIVEN an attacker who edits an event and recomputes its own hash THEN the next event's link breaks."""
    _events(rt)
    with rt.db.write() as session:
        event = session.get(AuditEvent, 2)
        assert event is not None
        event.actor = "mallory"
        event.hash = audit._digest(
            event.prev_hash, event.at, event.actor, event.action, event.object_type, event.object_id, event.detail
        )
    check = _verify(rt)
    assert not check.ok and "event 3" in check.problem


@pytest.fixture
def cli_env(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("WATCHWORD_DATABASE_URL", rt.settings.database_url)
    return CliRunner()


def test_cli_audit_verify_exits_1_on_a_broken_chain(rt: Runtime, cli_env: CliRunner) -> None:
    from watchword.cli import app

    _events(rt)
    ok = cli_env.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 5 events" in ok.output
    with rt.db.write() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = 4"))
    broken = cli_env.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "BROKEN" in broken.output


def test_console_audit_page_filters_and_verifies(rt: Runtime) -> None:
    _events(rt, 3)
    client = signed_in(rt, "ana")  # adding the user and signing in are events too
    page = client.get("/console/audit?object_type=report&object_id=2").text
    assert page.count("contact.viewed</a>") == 1
    assert client.get("/console/audit?actor=ana&action=login").text.count(">login</a>") == 1
    assert client.get("/console/audit?action=contact.").text.count("contact.viewed</a>") == 3
    assert "Intact: 5 events" in client.get("/console/audit/verify").text
    with rt.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == 1).values(action="nothing.happened"))
    assert "BROKEN" in client.get("/console/audit/verify").text
