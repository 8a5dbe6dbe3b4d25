"""Migration 0023: every column that holds one of a closed set of values is checked by the store, on
SQLite (triggers) and PostgreSQL (CHECK constraints); a store the application filled upgrades to it,
and a value written by hand stops the upgrade, named, before anything changes."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.support.checks import check_names, store_with_own_schema
from tests.support.console import add_user
from tests.support.intel import seed_campaign
from tests.support.settings import make_settings
from watchword import errors
from watchword.demo import load_demo
from watchword.domain import Channel, IncomingReport
from watchword.domain.states import Role, TokenScope
from watchword.intake.submit import submit
from watchword.intel.feeds import parse_csv, store_batch
from watchword.runtime import Runtime, open_runtime
from watchword.services import accounts, queue
from watchword.store.migrate import current_revisions, downgrade, upgrade
from watchword.store.models import Campaign, Job, Report
from watchword.store.models_people import User
from watchword.worker import Worker

CLOSED = importlib.import_module("watchword.store.migrations.versions.0023_closed_value_checks")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_with_own_schema(request, tmp_path)


def _fill(rt: Runtime) -> None:
    """Rows in the checked columns, written the application's way."""
    load_demo(rt)
    Worker(rt, processes=1).run_until_idle()
    seed_campaign(rt)  # a verdict, indicators
    for role in Role:
        add_user(rt, f"user-{role}", str(role))
    with rt.db.write() as session:
        for scope in TokenScope:
            accounts.create_token(session, f"token-{scope}", str(scope), "test")
        report_id = session.scalars(select(Report.id).where(Report.campaign_id.is_(None))).first()
        assert report_id is not None
        queue.add_note(session, "report", report_id, "Seen before.", "user-analyst")
        feed = "type,value,tlp\ndomain,evil-example.com,TLP:AMBER\nip,198.51.7.9/16,\n"  # a range: cidr
        store_batch(session, "test feed", parse_csv(feed))


def test_each_closed_column_is_checked_and_refuses_a_value_outside_its_set(database_url: str, tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        assert {f"ck_{table}_{column}" for table, column in CLOSED.CHECKS} <= check_names(rt.db)
        receipt = submit(rt, IncomingReport(channel=Channel.API, text="Someone asked about the badge readers"))
        add_user(rt, "ana")
        with rt.db.write() as session:  # what the sets allow, NULL and "not yet" included
            session.execute(update(Report).where(Report.id == receipt.report_id).values(verdict=None, approach_type=""))
            session.execute(update(Report).where(Report.id == receipt.report_id).values(verdict="spam"))
        for bad in (
            update(Report).where(Report.id == receipt.report_id).values(channel="fax"),
            update(Report).where(Report.id == receipt.report_id).values(verdict="guilty"),
            update(Report).where(Report.id == receipt.report_id).values(approach_type="phishing"),
            update(User).where(User.username == "ana").values(role="root"),
            insert(Job).values(kind="analyse", payload={}, status="queued", attempts=0),
            insert(Campaign).values(title="x", risk_class="medium"),
        ):
            with pytest.raises(IntegrityError, match=r"ck_\w+|check constraint"), rt.db.write() as session:
                session.execute(bad)
        with rt.db.session() as session:
            report = session.get(Report, receipt.report_id)
            assert report is not None and (report.channel, report.verdict) == ("api", "spam")  # nothing changed
            assert session.scalars(select(User.role)).one() == "analyst"


def test_a_filled_store_upgrades_and_a_value_written_by_hand_stops_the_upgrade_unchanged(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        _fill(rt)
        downgrade(rt.db, "0022")
        assert not {f"ck_{table}_{column}" for table, column in CLOSED.CHECKS} & check_names(rt.db)
        upgrade(rt.db, "0023")  # every value the application wrote is in its set
        assert current_revisions(rt.db) == {"0023"}

        downgrade(rt.db, "0022")
        with rt.db.engine.begin() as conn:  # unchecked at 0022: as an operator's hand edit would be
            conn.execute(text("UPDATE users SET role = 'Admin' WHERE username = 'user-admin'"))
            conn.execute(text("UPDATE intel_known_bad SET tlp = 'white'"))
        with pytest.raises(errors.Conflict) as refused:  # alembic loads the migration as a module of its own
            upgrade(rt.db, "0023")
        assert type(refused.value).__name__ == "UnexpectedStoredValues"
        message = str(refused.value)
        assert "users.role: 'Admin' (1 rows)" in message and "intel_known_bad.tlp: 'white' (2 rows)" in message
        assert "watchword migrate" in message
        assert current_revisions(rt.db) == {"0022"}
        assert not {f"ck_{table}_{column}" for table, column in CLOSED.CHECKS} & check_names(rt.db)
        # `watchword migrate` says the same, without a traceback, with the exit code of a conflict.
        monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("WATCHWORD_DATABASE_URL", database_url)
        from typer.testing import CliRunner

        from watchword.cli import app

        said = CliRunner().invoke(app, ["migrate"])
        assert said.exit_code == 4 and "users.role: 'Admin' (1 rows)" in said.output, said.output
        assert "Traceback" not in said.output

        with rt.db.engine.begin() as conn:  # corrected, the upgrade goes through
            conn.execute(text("UPDATE users SET role = 'admin' WHERE username = 'user-admin'"))
            conn.execute(text("UPDATE intel_known_bad SET tlp = 'clear'"))
        upgrade(rt.db, "0023")
        assert current_revisions(rt.db) == {"0023"}


def test_the_lists_the_code_checks_against_are_the_enums_the_store_checks() -> None:
    from watchword.domain.model import INDICATOR_TYPES
    from watchword.domain.states import FeedKind, FlagKind, IndicatorType, KnownBadType, Tlp
    from watchword.intel import flags, normalise, pull, tlp
    from watchword.store.models_people import ROLES, TOKEN_SCOPES

    assert tlp.LEVELS == tuple(tlp.TLP2_MARKINGS) == tuple(str(level) for level in Tlp)
    assert set(flags.KINDS) == set(FlagKind) and set(pull.KINDS) == set(FeedKind)
    assert set(ROLES) == set(Role) and set(TOKEN_SCOPES) == set(TokenScope)
    assert tuple(str(t) for t in IndicatorType) == INDICATOR_TYPES
    assert set(KnownBadType) == {*IndicatorType, "cidr"}  # and what a feed's range becomes:
    assert normalise.ip_or_network("198.51.7.9/16") == ("cidr", "198.51.0.0/16")
