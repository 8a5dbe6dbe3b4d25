"""Only `watchword migrate` changes the schema, one migrator at a time; everything else checks it first."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.settings import make_settings
from watchword.runtime import open_runtime
from watchword.store.db import Database
from watchword.store.migrate import (
    PG_LOCK_KEY,
    SchemaNotCurrent,
    current_revisions,
    downgrade,
    head_revisions,
    upgrade,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gate.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def test_commands_refuse_a_missing_or_old_schema_and_say_to_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from watchword.cli import app

    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    refused = runner.invoke(app, ["user", "list"])
    assert refused.exit_code == 7 and "run `watchword migrate`" in refused.output
    assert "no Watchword schema yet" in refused.output
    with pytest.raises(SchemaNotCurrent):
        open_runtime(make_settings(tmp_path))

    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0 and "schema at" in migrated.output
    assert runner.invoke(app, ["user", "list"]).exit_code == 0

    assert runner.invoke(app, ["migrate", "0001", "--down"]).exit_code == 0
    behind = runner.invoke(app, ["campaigns"])
    assert behind.exit_code == 7 and "at 0001 and this version needs" in behind.output
    # A `serve --workers N` child checks too, and stops with the same sentence.
    from watchword.web.app import create_app_from_env

    with pytest.raises(SystemExit, match="watchword migrate"):
        create_app_from_env()


def test_a_serve_child_owns_its_runtime_and_closes_it_when_the_server_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `serve --workers N` child opens its runtime from the environment; nobody else holds it, so
    the app's lifespan closes it (the intake writer stopped after its last batch, the engine's
    connections returned) when the server shuts down."""
    from fastapi.testclient import TestClient

    from watchword.web.app import create_app, create_app_from_env

    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
    with open_runtime(make_settings(tmp_path), migrate=True):
        pass  # the schema first, as `watchword migrate` would
    app = create_app_from_env()
    rt = app.state.rt
    closed: list[bool] = []
    close = rt.close
    rt.close = lambda: (closed.append(True), close())[1]
    with TestClient(app) as client:
        answer = client.post("/api/v1/reports", json={"text": "A stranger asked me about the lab's door codes."})
        assert answer.status_code == 201
        writers = [t for t in threading.enumerate() if t.name == "intake-writer"]
        assert writers and closed == []
    assert closed == [True] and not any(t.is_alive() for t in writers)
    # An app given a runtime its caller opened leaves it open: the caller's `with` closes it.
    with open_runtime(make_settings(tmp_path)) as own:
        own.close = lambda: closed.append(False)
        with TestClient(create_app(own)):
            pass
        assert closed == [True]
        del own.close


def test_a_schema_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with open_runtime(settings, migrate=True):
        pass  # at head first
    db = Database(settings.database_url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.dispose()
    with pytest.raises(SchemaNotCurrent, match="newer than this version"):
        open_runtime(settings)


def _hold_lock_then_migrate(db: Database, acquire: object, release: object) -> None:
    """With the lock held elsewhere, a migration waits; once released, it completes."""
    acquire()  # type: ignore[operator]
    done = threading.Event()

    def migrate() -> None:
        upgrade(db)
        done.set()

    thread = threading.Thread(target=migrate)
    thread.start()
    try:
        thread.join(timeout=1.0)
        assert thread.is_alive() and not done.is_set(), "the migration did not wait for the lock"
        assert current_revisions(db) == set()
    finally:
        release()  # type: ignore[operator]
    thread.join(timeout=120)
    assert done.is_set() and current_revisions(db) == head_revisions(db)


def test_migrations_wait_for_the_lock(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    try:
        if db.is_sqlite:
            handle = Path(database_url.split("///", 1)[-1] + ".migrate-lock").open("a")  # noqa: SIM115 - closed in release()

            def acquire() -> None:
                fcntl.flock(handle, fcntl.LOCK_EX)

            def release() -> None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

            _hold_lock_then_migrate(db, acquire, release)
        else:
            import psycopg

            from tests.support.settings import PG_URL

            conn = psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True)

            def acquire() -> None:
                conn.execute("SELECT pg_advisory_lock(%s)", (PG_LOCK_KEY,))

            def release() -> None:
                conn.execute("SELECT pg_advisory_unlock(%s)", (PG_LOCK_KEY,))
                conn.close()

            _hold_lock_then_migrate(db, acquire, release)
    finally:
        db.dispose()


def test_two_migrators_at_once_leave_one_schema(database_url: str) -> None:
    db_a, db_b = Database(database_url), Database(database_url)
    failures: list[BaseException] = []

    def run(db: Database) -> None:
        try:
            upgrade(db)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in (db_a, db_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    try:
        assert failures == []
        assert current_revisions(db_a) == head_revisions(db_a)
        downgrade(db_a, "base")
        assert current_revisions(db_a) == set()
    finally:
        db_a.dispose()
        db_b.dispose()


def test_the_written_heads_are_alembics_heads() -> None:
    """The check at start reads the revision files itself (no alembic import): it must find the
    heads alembic finds."""
    from watchword.store.migrate import _scripts, _written_heads

    written = _written_heads()
    assert written is not None and set(written) == set(_scripts().get_heads())


def test_a_process_that_finds_its_schema_current_does_not_import_alembic(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    settings = make_settings(tmp_path)
    with open_runtime(settings, migrate=True):
        pass
    code = (
        "import sys\n"
        "from tests.support.settings import make_settings\n"
        "from watchword.runtime import open_runtime\n"
        f"with open_runtime(make_settings(__import__('pathlib').Path({str(tmp_path)!r}))):\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"
