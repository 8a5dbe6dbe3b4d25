"""The store's closed-value checks as the store itself names them, on both stores (migrations 0023, 0024)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from watchword.store.db import Database


def store_with_own_schema(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store of the test's own, SQLite or PostgreSQL by the fixture's parameter: the migrations go down
    and up on it (a module's `database_url` fixture, parametrised over both, returns this)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'own.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def check_names(db: Database) -> set[str]:
    """The names of the store's checks: CHECK constraints, or the SQLite trigger pairs that stand for them
    (each pair's name without its _insert / _update)."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ck_%'"))
            return {name.rsplit("_", 1)[0] for (name,) in rows}
    found = set()
    for table in inspect(db.engine).get_table_names():
        found |= {c["name"] for c in inspect(db.engine).get_check_constraints(table) if c["name"]}
    return found
