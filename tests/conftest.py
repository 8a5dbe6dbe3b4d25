"""Shared fixtures: a real store on a temporary SQLite file, and PostgreSQL when it is there."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime

PG_URL = os.environ.get("WATCHWORD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_settings(tmp: Path, database_url: str | None = None, **overrides: object) -> Settings:
    base = Settings(
        data_dir=tmp,
        database_url=database_url or f"sqlite:///{tmp / 'watchword.db'}",
        blob_dir=tmp / "blobs",
        secret_key_file=tmp / "secret.key",
        worker_poll_seconds=0.05,
    )
    return Settings(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(settings, migrate=True)
    yield runtime
    runtime.close()


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"


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
    runtime = open_runtime(make_settings(tmp_path, url), migrate=True)
    yield runtime
    runtime.close()


@pytest.fixture
def client(rt: Runtime) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from watchword.web.app import create_app

    with TestClient(create_app(rt)) as test_client:
        yield test_client
