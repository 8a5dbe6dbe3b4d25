"""Settings for a test store in a temporary directory, and where PostgreSQL is."""

from __future__ import annotations

import os
from pathlib import Path

from watchword.config import Settings

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


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"
