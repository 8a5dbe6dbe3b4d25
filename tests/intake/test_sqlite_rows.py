"""The group commit's inserts through the sqlite3 driver (`intake.sqlite_rows`) store exactly what
SQLAlchemy's Core statements stored: every column of every row, value and SQLite storage type."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake import sqlite_rows, writer
from watchword.intake.submit import prepare
from watchword.runtime import open_runtime
from watchword.store.models import Report

TABLES = ("blobs", "reports", "submissions", "jobs")
NOW = dt.datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=dt.UTC)


def core_insert(
    conn: Connection, table: Table, rows: Any, *, conflict: str | None = None, returning: Any = ()
) -> list[tuple[Any, ...]]:
    """What the writer ran before: SQLAlchemy's own statement for the same rows."""
    statement: Any = sqlite.insert(table)
    if conflict:
        statement = statement.on_conflict_do_nothing(index_elements=[conflict])
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
        return [tuple(r) for r in conn.execute(statement, list(rows))]
    conn.execute(statement, list(rows))
    return []


def _batch() -> list[IncomingReport]:
    message = b"From: a@example.org\nSubject: caf\xc3\xa9 \xf0\x9f\x94\x91\n\nClick http://example.org/x?a='1'\n"
    return [
        IncomingReport(channel=Channel.API, raw_email=message),
        # The same message with other line endings: the same report (a sighting), other bytes.
        IncomingReport(channel=Channel.API, raw_email=message.replace(b"\n", b"\r\n")),
        IncomingReport(channel=Channel.API, raw_email=b"Subject: second\n\nhello\n"),
        IncomingReport(
            channel=Channel.WEB,
            text="Someone asked about my work \u2014 'quotes', \"doubles\", back\\slash, \u0000 nul, \U0001f600",
            approach_hint="elicitation",
            answers={"who": "a recruiter", "form": "social"},
            contact="me@example.org",
            source_name="x" * 600,
            language="en",
        ),
        IncomingReport(channel=Channel.API, raw_email=b"Subject: second\n\nhello\n"),  # repeat inside the batch
    ]


def _write(tmp: Path, monkeypatch: pytest.MonkeyPatch, through_core: bool) -> dict[str, list[tuple[Any, ...]]]:
    counter = iter(range(1, 1000))
    monkeypatch.setattr(writer, "utcnow", lambda: NOW)
    monkeypatch.setattr(writer.uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    if through_core:
        monkeypatch.setattr(writer.sqlite_rows, "insert", core_insert)
    with open_runtime(make_settings(tmp)) as rt:
        rt.__dict__["contact_key"] = b"k" * 32  # the same key in both stores: sealing is compared too
        try:
            monkeypatch.setattr("os.urandom", lambda n: b"\x01" * n)  # the seals' nonces, for equal bytes
            prepared = [prepare(rt, one, stage=False) for one in _batch()]
            # A report stored before the batch: its repeat in the batch is a sighting of a stored report.
            with rt.db.write() as session:
                writer.create_many(session, [prepare(rt, _batch()[2], stage=False)])
            with rt.db.write() as session:
                receipts = writer.create_many(session, prepared)
            assert [r is not None for r in receipts] == [True, False, False, True, False]
        finally:
            monkeypatch.undo()
    with sqlite3.connect(tmp / "watchword.db") as db:
        out = {}
        for table in TABLES:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            typed = ", ".join(f"typeof({c}), {c}" for c in columns)
            out[table] = db.execute(f"SELECT {typed} FROM {table} ORDER BY rowid").fetchall()
    return out


def test_the_driver_path_stores_what_sqlalchemy_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _write(tmp_path / "fast", monkeypatch, through_core=False)
    core = _write(tmp_path / "core", monkeypatch, through_core=True)
    for table in TABLES:
        assert fast[table] == core[table], table
    assert len(fast["reports"]) == 3 and len(fast["jobs"]) == 3 and len(fast["blobs"]) == 2


def test_a_batch_past_the_parameter_limit_goes_in_several_statements(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path)) as rt:
        table = Report.metadata.tables["blobs"]
        rows = [{"sha256": f"{n:064x}", "size": n, "created_at": NOW} for n in range(40)]
        with rt.db.write() as session:
            conn = session.connection()
            driver: Any = conn.connection.driver_connection
            driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 20)  # 6 rows of 3 per statement
            try:
                added = sqlite_rows.insert(conn, table, rows, conflict="sha256", returning=("sha256",))
                again = sqlite_rows.insert(conn, table, rows[:10], conflict="sha256", returning=("sha256",))
            finally:
                driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
        assert sorted(sha for (sha,) in added) == [r["sha256"] for r in rows]
        assert again == []  # all ten were there: nothing added, nothing returned


def test_a_column_with_a_computed_default_must_be_given(tmp_path: Path) -> None:
    with (
        open_runtime(make_settings(tmp_path)) as rt,
        rt.db.write() as session,
        pytest.raises(ValueError, match="created_at"),
    ):
        sqlite_rows.insert(session.connection(), Report.metadata.tables["blobs"], [{"sha256": "0" * 64, "size": 1}])
