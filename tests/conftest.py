"""Shared fixtures: a real store on a temporary SQLite file, and PostgreSQL when it is there."""

from __future__ import annotations

import functools
import gc
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.ports import reserved_port
from tests.support.settings import FAST_PASSWORDS_ENV, PG_URL, make_settings, postgres_available
from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime

# Cheap password hashing for every runtime built from the environment too (see FAST_PASSWORDS).
for _name, _value in FAST_PASSWORDS_ENV.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    with open_runtime(settings) as runtime:  # make_settings started it from a migrated template
        yield runtime


def _require_postgres() -> None:
    why = postgres_available()
    if why:
        if os.environ.get("WATCHWORD_REQUIRE_PG") == "1":
            # CI (.ci/run, or `make test` with CI=true) says PostgreSQL is there: its absence is a
            # failure, or half the store tests would pass by not running.
            pytest.fail(f"WATCHWORD_REQUIRE_PG=1 but {why}")
        pytest.skip(why)


def _schema_url(schema: str, *, wait_for_the_disk: bool = True) -> str:
    """A URL whose connections work in `schema`. Without `wait_for_the_disk`, their commits return
    before PostgreSQL has flushed its write-ahead log (`synchronous_commit=off`): what they wrote is
    what every other connection reads at once, as before; only a crash of the server itself could
    lose the last of it, and no test crashes it. The waits were ~4 ms a commit on this disk; the
    tests that time something (`serial`) keep them, as in production."""
    sep = "&" if "?" in PG_URL else "?"
    options = f"-csearch_path%3D{schema}"
    if not wait_for_the_disk:
        options += "%20-csynchronous_commit%3Doff"
    return f"{PG_URL}{sep}options={options}"


def _times_itself(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("serial") is not None


@pytest.fixture
def pg_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test, dropped afterwards (no tables: not migrated)."""
    _require_postgres()
    import psycopg

    schema = f"ww_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield _schema_url(schema, wait_for_the_disk=_times_itself(request))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def _pg_store_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One PostgreSQL schema per test process, migrated to head once (the migrations take seconds),
    and the SQL that empties it (see pg_store_url)."""
    _require_postgres()
    import psycopg

    schema = f"ww_store_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    with open_runtime(make_settings(tmp_path_factory.mktemp("pg-store"), _schema_url(schema)), migrate=True):
        pass  # migrated on opening
    with psycopg.connect(admin, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> 'alembic_version'"
            " ORDER BY tablename",
            (schema,),
        ).fetchall()
        sequences = conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY sequencename", (schema,)
        ).fetchall()
    empty = [f'DELETE FROM "{schema}"."{table}"' for (table,) in tables]
    empty += [f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART' for (sequence,) in sequences]
    yield schema, ";\n".join(empty)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_store_url(request: pytest.FixtureRequest, _pg_store_schema: tuple[str, str]) -> str:
    """A migrated PostgreSQL store with no rows: this process's schema with every table emptied and
    every sequence restarted, as a freshly migrated one would be.

    DELETE rather than TRUNCATE: TRUNCATE makes new files for each of the tables and syncs them
    (over a second per test); deleting the few rows a test wrote takes milliseconds. Foreign keys
    and triggers are off meanwhile (session_replication_role), since every table is emptied. The
    statements go in one round trip (a test never adds a table: migrations run only at the start).
    """
    import psycopg

    schema, empty = _pg_store_schema
    wait_for_the_disk = _times_itself(request)
    with psycopg.connect(PG_URL.replace("+psycopg", "")) as conn:
        # A runtime a test left open would hold locks: wait a while, then say so rather than hang.
        conn.execute("SET lock_timeout = '30s'")
        conn.execute("SET session_replication_role = replica")
        if not wait_for_the_disk:
            conn.execute("SET synchronous_commit = off")
        conn.execute(empty)  # type: ignore[arg-type]  # built from the catalogue, not from input
    return _schema_url(schema, wait_for_the_disk=wait_for_the_disk)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """The same test on both store backends."""
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_store_url")
    with open_runtime(make_settings(tmp_path, url)) as runtime:
        yield runtime


@pytest.fixture
def client(rt: Runtime) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from watchword.web.app import create_app

    with TestClient(create_app(rt)) as test_client:
        yield test_client


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens, for the whole test: held by a socket that never listens,
    so no other test's server can start there meanwhile (tests/support/ports.py)."""
    with reserved_port() as port:
        yield port


@pytest.fixture
def clock() -> ModuleType:
    """`watchword.clock`, for a test that lets time pass with `clock.advance(seconds)` instead of sleeping.

    Never reset: an advance is as if the time had passed, so every later reading (in this test or the
    next, in any thread) stays consistent, as with a real clock.
    """
    from watchword import clock as watchword_clock

    return watchword_clock


# Tests of analysis alone (no server, no store) run with sockets and name lookups switched off
# (pytest-socket), so an analysis step that fetched a URL, an image or a DNS record would fail
# here: everything under tests/analysis/, and the campaign engine's in-memory tests.
NETWORK_FREE_DIRS = frozenset({"analysis"})
NETWORK_FREE_MODULES = frozenset({"test_campaigns_engine.py"})


# Modules whose tests share one expensive module-scoped fixture (a `watchword serve` process, a live app
# and chromium, Dovecot) say `pytest.mark.xdist_group(...)` so that one xdist worker runs them all and
# builds it once. pytest-xdist 3.8 does that by appending the group to each test's id, which pytest 9.2
# ignores (`nodeid` is derived from a structured id now), so `--dist loadgroup` split such modules over
# both workers and built their fixtures twice. The scheduler below finds the group from the module's
# source instead: the controller, which collects nothing, has only test ids and files.
_GROUP_MARK = re.compile(r"""pytest\.mark\.xdist_group\(\s*["']([^"']+)["']""")


@functools.cache
def _module_group(path: str) -> str | None:
    try:
        found = _GROUP_MARK.search((Path(__file__).parent.parent / path).read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _module_group(nodeid.split("::", 1)[0]) or super()._split_scope(nodeid)

    return ModuleGroupScheduling(config, log)


def _only_serial(config: pytest.Config) -> bool:
    """True when the -m expression selects no test without the `serial` mark (`-m serial`,
    `-m "slow and serial"`): whatever the other marks, it is false while `serial` is."""
    markexpr = config.getoption("markexpr", "")
    if not markexpr:
        return False
    from _pytest.mark.expression import Expression

    expression = Expression.compile(markexpr)
    return not any(
        expression.evaluate(lambda name, others=others: others and name != "serial") for others in (True, False)
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    # Once collected, everything a pytest process holds so far (every collected test, every imported
    # library: hundreds of MB of objects) is moved out of the collector's sight with gc.freeze(). Each
    # full collection walked all of it: in `pytest -n 0 tests/services` 12 of them took 2.4 of the
    # process's 22.4 s of CPU (docs/benchmarks.md, "testspeed8"). Unlike raising the thresholds,
    # this keeps Python's own schedule for what the tests make, so cyclic garbage (an unclosed
    # socket's ResourceWarning) is still found in or near the test that made it. Not in the serial
    # pass: what it times, in its own process, runs as in production.
    if not _only_serial(session.config):
        gc.collect()
        gc.freeze()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The serial pass of `make test` runs 20-odd tests in 8 modules; collecting all 150 modules to
    # deselect the rest took seconds of its single process. A module whose source never says
    # `pytest.mark.serial` holds no serial test (the mark is only ever written there), so it is not
    # imported at all when only serial tests are asked for.
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_") and _only_serial(config):
        return "pytest.mark.serial" not in collection_path.read_text(encoding="utf-8")
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name in NETWORK_FREE_DIRS or item.path.name in NETWORK_FREE_MODULES:
            item.add_marker(pytest.mark.disable_socket)
    # Slow tests first (a stable sort: the order within each part stays): `make test` runs fast and
    # slow tests in one xdist run, which hands tests out in this order, so the minutes-long ones
    # start at once, beside the many short ones, instead of starting last and running alone.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
