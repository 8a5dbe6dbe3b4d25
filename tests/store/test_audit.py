"""The audit log is hash-chained: `verify` (and `watchword audit verify`) catch an edited or deleted event."""

from __future__ import annotations

import json
import stat

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


# -- the checkpoint outside the database: a truncated tail is detected --------------------------


def test_deleting_the_newest_events_is_detected_by_the_checkpoint(any_rt: Runtime) -> None:
    """GIVEN five events, checkpointed after their commit WHEN the newest two are deleted
    (a chain that still links up) THEN verify says the tail was removed."""
    _events(any_rt)
    assert _verify(any_rt).ok
    with any_rt.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id > 3))
    check = _verify(any_rt)
    assert not check.ok and "newest events were removed" in check.problem and check.events == 3


def test_truncating_and_appending_new_events_is_still_detected(any_rt: Runtime) -> None:
    """GIVEN a truncated tail WHEN ordinary work appends new events over it (SQLite reuses the
    ids, PostgreSQL does not) THEN the checkpoint does not move past the break, and verify names it."""
    _events(any_rt)
    with any_rt.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id > 2))
    _events(any_rt, 4)
    check = _verify(any_rt)
    assert not check.ok and "event 5" in check.problem


def test_a_checkpoint_not_signed_with_our_key_is_refused(rt: Runtime) -> None:
    _events(rt)
    anchor = rt.settings.audit_anchor_path
    data = json.loads(anchor.read_text())
    anchor.write_text(json.dumps({**data, "event_id": 2}))  # pointing at an older head, unsigned
    check = _verify(rt)
    assert not check.ok and "not signed" in check.problem


def test_a_missing_checkpoint_is_reported_once_there_are_events(rt: Runtime) -> None:
    assert _verify(rt).ok  # nothing written yet: nothing to anchor
    _events(rt)
    rt.settings.audit_anchor_path.unlink()
    check = _verify(rt)
    assert not check.ok and "missing" in check.problem


def test_the_checkpoint_is_owner_only_and_edits_and_deletions_are_still_named(any_rt: Runtime) -> None:
    _events(any_rt)
    assert stat.S_IMODE(any_rt.settings.audit_anchor_path.stat().st_mode) == 0o600
    with any_rt.db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == 5).values(actor="mallory"))
    assert "event 5: its content was edited" in _verify(any_rt).problem
    with any_rt.db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id == 5))
    assert "newest events were removed" in _verify(any_rt).problem


def test_cli_audit_verify_exits_1_on_a_truncated_tail(rt: Runtime, cli_env: CliRunner) -> None:
    from watchword.cli import app

    _events(rt)
    with rt.db.write() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = 5"))
    broken = cli_env.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "newest events were removed" in broken.output
