"""The intake writer's batch inserts on SQLite, through the driver's own cursor.

Profiled under load (issue 14), SQLAlchemy's work around each of the group commit's
statements — the compiled cache, binding every parameter through its type, the
insert-many-values rendering, the result set-up and the events — cost about four
times what SQLite's own execution of the statement did, and the writer thread was a
third of the HTTP intake's CPU per report. Here the same rows go through the
`sqlite3` cursor of the session's connection (inside its transaction: nothing about
the commit or its durability changes), with each value converted by the column
type's own bind processor, so what is stored is what SQLAlchemy would have stored
(tests/intake/test_sqlite_rows.py compares the two paths column by column).

Every column of the table is named in the statement: a column the caller leaves
out gets the model's scalar default, or NULL; a callable default is refused rather
than guessed.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection

_Processor = Callable[[Any], Any] | None
_Shape = tuple[str, tuple[str, ...], str | None, tuple[str, ...]]
# Per dialect (each engine has its own; the bind processors come from it), then per statement shape.
_PLANS: weakref.WeakKeyDictionary[Any, dict[_Shape, _Plan]] = weakref.WeakKeyDictionary()


class _Plan:
    """A table's statement and per-column conversions, built once per dialect and shape."""

    def __init__(
        self, conn: Connection, table: Table, given: tuple[str, ...], conflict: str | None, returning: tuple[str, ...]
    ) -> None:
        dialect = conn.dialect
        columns: list[Column[Any]] = [c for c in table.columns if c.name in given or not c.primary_key]
        self.names = [c.name for c in columns]
        self.given = given
        self.fill: dict[str, Any] = {}
        for column in columns:
            if column.name in given:
                continue
            default = column.default
            if default is None:
                self.fill[column.name] = None  # NULL, as SQLAlchemy leaves it (or the server default)
                if column.server_default is not None:
                    raise ValueError(f"{table.name}.{column.name}: a server default is not written here")
            elif getattr(default, "is_scalar", False):
                self.fill[column.name] = default.arg  # type: ignore[attr-defined]
            else:
                raise ValueError(f"{table.name}.{column.name}: pass it; its default is computed")
        self.processors: list[_Processor] = [c.type._cached_bind_processor(dialect) for c in columns]
        quote = dialect.identifier_preparer.quote
        named = ", ".join(quote(n) for n in self.names)  # names from the schema; every value is bound
        self.head = f"INSERT INTO {quote(table.name)} ({named}) VALUES "  # noqa: S608
        self.one = "(" + ", ".join("?" * len(self.names)) + ")"
        self.tail = f" ON CONFLICT ({quote(conflict)}) DO NOTHING" if conflict else ""
        if returning:
            self.tail += " RETURNING " + ", ".join(quote(n) for n in returning)

    def values(self, row: dict[str, Any]) -> list[Any]:
        out = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = row[name] if name in row else self.fill[name]
            out.append(process(value) if process is not None and value is not None else value)
        return out


def _plan(
    conn: Connection, table: Table, given: tuple[str, ...], conflict: str | None, returning: tuple[str, ...]
) -> _Plan:
    plans = _PLANS.setdefault(conn.dialect, {})
    key = (table.name, given, conflict, returning)
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _Plan(conn, table, given, conflict, returning)
    return plan


def insert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: str | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT the rows (every row with the same keys) in as few statements as SQLite's
    parameter limit allows; with `conflict`, a row whose value there exists is skipped
    (ON CONFLICT DO NOTHING). Returns the `returning` columns of the rows inserted, in
    no particular order (callers match them by a column they chose)."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        raise ValueError("sqlite_rows writes through the sqlite3 driver only")
    plan = _plan(conn, table, tuple(rows[0]), conflict, tuple(returning))
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        if not returning:
            cursor.executemany(plan.head + plan.one + plan.tail, [plan.values(row) for row in rows])
            return []
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
        per_statement = max(1, limit // len(plan.names))
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in plan.values(row)]
            cursor.execute(plan.head + ", ".join([plan.one] * len(chunk)) + plan.tail, params)
            found.extend(cursor.fetchall())
        return found
    finally:
        cursor.close()
