"""Settings for a test store in a temporary directory, and where PostgreSQL is."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from watchword.config import Settings

PG_URL = os.environ.get("WATCHWORD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Console passwords hashed at Argon2id's smallest cost: hundreds of tests add and sign in accounts,
# and at the production cost (64 MiB, t=3: ~0.1 s of a core per hash or check) that was most of
# their time. The tests exercise the path, not the cost; test_accounts.py keeps one test at the
# production cost. tests/conftest.py puts the same into the environment for `Settings.from_env()`
# (the CLI in-process, and every `watchword serve` a test starts).
FAST_PASSWORDS = {"password_argon2_time_cost": 1, "password_argon2_memory_kib": 1024}
FAST_PASSWORDS_ENV = {f"WATCHWORD_{name.upper()}": str(value) for name, value in FAST_PASSWORDS.items()}


def make_settings(tmp: Path, database_url: str | None = None, **overrides: object) -> Settings:
    """Settings for a store in `tmp`; SQLite (the default) starts from an already-migrated empty file."""
    if database_url is None and "database_url" not in overrides:
        _migrated_sqlite(tmp / "watchword.db")
    base = Settings(
        data_dir=tmp,
        database_url=database_url or f"sqlite:///{tmp / 'watchword.db'}",
        blob_dir=tmp / "blobs",
        secret_key_file=tmp / "secret.key",
        worker_poll_seconds=0.05,
        # The pipeline in the test's own process: a pool (one process per core) for each Worker a test
        # makes cost more than the few reports it analyses, and coverage sees the pipeline only here.
        # tests/store/test_batch_worker.py runs the pool (processes=2) and checks it gives the same results.
        worker_processes=1,
        **FAST_PASSWORDS,  # type: ignore[arg-type]
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


_template: Path | None = None


def _migrated_sqlite(target: Path) -> None:
    """Copy an empty store, migrated to head, to `target` unless a store is already there.

    Running every migration takes ~0.3 s and most tests open a fresh store; a copy takes ~10 ms.
    The template is made once per test process by the same `open_runtime` from the migrations in
    this tree, so the copy is the file a fresh open would have made (migrations only create
    tables and triggers; they write no rows). Migrations themselves are tested from an empty
    database in test_migrations.py, which names its own database file.
    """
    global _template
    if target.exists():
        return
    if _template is None:
        from watchword.runtime import open_runtime

        where = Path(tempfile.mkdtemp(prefix="watchword-template-"))
        # Removed when this process ends: each test process made one (1.7 MB) and left it in /tmp.
        atexit.register(shutil.rmtree, where, ignore_errors=True)
        with open_runtime(make_settings(where, f"sqlite:///{where / 'template.db'}"), migrate=True):
            pass  # migrated on opening
        _template = where / "template.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, target)
