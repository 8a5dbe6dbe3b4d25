"""Migration 0024: every check the store makes has one name, ck_<table>_<column>, on SQLite (triggers) and
PostgreSQL (CHECK constraints, which 0006, 0011, 0014 and 0022 had named twice over); a store the
application filled upgrades to it and goes back down, and a refused write names the single form."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tests.support.checks import check_names, store_with_own_schema
from tests.support.intel import seed_campaign
from tests.support.settings import make_settings
from watchword.domain.states import STORED_STATES
from watchword.runtime import open_runtime
from watchword.store.migrate import current_revisions, downgrade, head_revisions, upgrade
from watchword.store.models import Report

NAMES = importlib.import_module("watchword.store.migrations.versions.0024_single_check_names")
EVERY_CHECK = {f"ck_{table}_{column}" for table, column in STORED_STATES}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_with_own_schema(request, tmp_path)


def test_the_doubled_names_are_the_checks_of_the_migrations_before_0023() -> None:
    """0024's list is every check that 0006, 0014 and 0022 made (0011 made mail_outbox.kind's again)."""
    states = importlib.import_module("watchword.store.migrations.versions.0006_states")
    case_work = importlib.import_module("watchword.store.migrations.versions.0014_case_work")
    scope = importlib.import_module("watchword.store.migrations.versions.0022_scope_check")
    before_0023 = {*states.STATES, *((table, "case_status") for table in case_work.TABLES), ("reports", "scope")}
    assert NAMES.single("reports", "scope") == scope.NAME
    assert set(NAMES.DOUBLED) == before_0023
    assert NAMES.doubled("reports", "scope") == "ck_reports_ck_reports_scope"


def test_a_filled_store_upgrades_to_single_names_and_goes_back(database_url: str, tmp_path: Path) -> None:
    postgresql = not database_url.startswith("sqlite")
    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        seeded = seed_campaign(rt)  # reports analysed (jobs done, scope and case status set) in a campaign
        assert check_names(rt.db) == EVERY_CHECK  # at head: one name each, on both stores
        downgrade(rt.db, "0023")
        doubled = {NAMES.doubled(table, column) for table, column in NAMES.DOUBLED}
        single = {NAMES.single(table, column) for table, column in NAMES.DOUBLED}
        if postgresql:  # as every PostgreSQL store stood before 0024
            assert check_names(rt.db) == (EVERY_CHECK - single) | doubled
        else:  # SQLite's triggers never had the doubled names: nothing to rename
            assert check_names(rt.db) == EVERY_CHECK
        upgrade(rt.db)
        assert current_revisions(rt.db) == head_revisions(rt.db) == {"0024"}
        assert check_names(rt.db) == EVERY_CHECK
        with rt.db.session() as session:  # the rows are untouched
            assert set(session.scalars(select(Report.scope).where(Report.id.in_(seeded.report_ids)))) == {"in_scope"}
        # The renamed checks still refuse, and say the single name.
        report_id = seeded.report_ids[0]
        for column, bad in (("scope", "benign"), ("status", "analyzed"), ("case_status", "done")):
            pattern = rf"\bck_reports_{column}\b" if postgresql else rf"CHECK constraint failed: ck_reports_{column}\b"
            with pytest.raises(IntegrityError, match=pattern), rt.db.write() as session:
                session.execute(update(Report).where(Report.id == report_id).values({column: bad}))
        # Down past 0022: each older migration drops its check by the name it made.
        downgrade(rt.db, "0021")
        assert not {"ck_reports_scope", "ck_reports_ck_reports_scope"} & check_names(rt.db)
        upgrade(rt.db)
        assert check_names(rt.db) == EVERY_CHECK
