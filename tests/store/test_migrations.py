"""The migrations' head equals the models, and every migration runs both ways with data in the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from watchword.store.db import Database
from watchword.store.migrate import downgrade, upgrade
from watchword.store.models import Report
from watchword.store.schema import metadata
from watchword.worker import Worker


def _schema_diff(db: Database) -> list[object]:
    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        # Full-text search tables and their shadow tables are created by hand-written
        # migrations (autogenerate cannot express FTS5 or tsvector triggers).
        return not (type_ == "table" and name is not None and (name.startswith("search_") or name.endswith("_fts")))

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        return list(compare_metadata(ctx, metadata))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def test_head_schema_equals_the_models(database_url: str, tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        assert _schema_diff(rt.db) == []


def test_migrations_run_down_and_up_with_data(database_url: str, tmp_path: Path) -> None:
    """GIVEN a store with analysed reports WHEN the schema goes down to base and up again
    THEN both directions run, and the tables come back usable."""
    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        for n in range(3):
            raw = f"From: x{n}@example.org\r\nSubject: test {n}\r\n\r\nhttp://example.net/{n}\r\n".encode()
            submit(rt, IncomingReport(channel=Channel.API, raw_email=raw, text="note"))
        Worker(rt).run_until_idle()
        downgrade(rt.db, "base")
        assert "reports" not in inspect(rt.db.engine).get_table_names()
        upgrade(rt.db)
        assert _schema_diff(rt.db) == []
        submit(rt, IncomingReport(channel=Channel.API, text="after the round trip"))
        with rt.db.session() as session:
            assert len(session.scalars(select(Report)).all()) == 1


def test_titles_that_quoted_a_refused_report_are_replaced_by_the_outcome(database_url: str, tmp_path: Path) -> None:
    """GIVEN reports and a campaign titled the old way (the first reason, quoting the reporter's words)
    WHEN migration 0021 runs THEN those titles name the outcome only and an email's subject is kept."""
    from sqlalchemy import update

    from watchword.store.models import Campaign

    with open_runtime(make_settings(tmp_path, database_url), migrate=True) as rt:
        for n in range(3):
            submit(rt, IncomingReport(channel=Channel.API, text=f"report {n}: an email asked for my password"))
        Worker(rt).run_until_idle()
        old = {
            1: 'out of scope: the report asks about a person ("Ali Demir at number 12") and describes no act',
            2: "needs detail: no act (asked for, offered, sent, left, followed, threatened) is described yet",
            3: "Re: out of scope: the minutes",
        }
        with rt.db.write() as session:
            ids = list(session.scalars(select(Report.id).order_by(Report.id)))
            for report_id, subject in zip(ids, old.values(), strict=True):
                session.execute(update(Report).where(Report.id == report_id).values(subject=subject))
            session.add(Campaign(title=old[1]))
        downgrade(rt.db, "0019")
        upgrade(rt.db)
        with rt.db.session() as session:
            subjects = list(session.scalars(select(Report.subject).order_by(Report.id)))
            titles = set(session.scalars(select(Campaign.title)))
        assert subjects == [
            "Out of scope — no act done to the reporter is described",
            "Needs detail — no act is described yet",
            "Re: out of scope: the minutes",
        ]
        assert "Out of scope — no act done to the reporter is described" in titles
        assert not any("Ali Demir" in title for title in titles)
