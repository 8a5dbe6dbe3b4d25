"""Shared fixtures: a real store on a temporary SQLite file, and PostgreSQL when it is there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.settings import PG_URL, make_settings, postgres_available
from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test, dropped afterwards."""
    why = postgres_available()
    if why:
        pytest.skip(why)
    import psycopg

    schema = f"ww_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """The same test on both store backends."""
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_database_url")
    runtime = open_runtime(make_settings(tmp_path, url))
    yield runtime
    runtime.close()


@pytest.fixture
def client(rt: Runtime) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from watchword.web.app import create_app

    with TestClient(create_app(rt)) as test_client:
        yield test_client


@pytest.fixture
def clock() -> ModuleType:
    """`watchword.clock`, for a test that lets time pass with `clock.advance(seconds)` instead of sleeping.

    Never reset: an advance is as if the time had passed, so every later reading (in this test or the
    next, in any thread) stays consistent, as with a real clock.
    """
    from watchword import clock as watchword_clock

    return watchword_clock
