"""INSERT ... ON CONFLICT on both stores, chosen once here instead of in every module.

SQLite and PostgreSQL both speak ON CONFLICT, but SQLAlchemy builds it with
each dialect's own `insert()`. `insert_ignore()` is the common case (add the
row unless an equal one exists, safe under concurrent workers); `upsert()`
gives the dialect's insert for an `on_conflict_do_update`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Insert = postgresql.Insert | sqlite.Insert


def upsert(session: Session, table: Any) -> Insert:
    """The store's INSERT for `table`, ready for `.on_conflict_do_update(...)`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore_per_dialect(table: Any, *conflict_columns: str) -> dict[str, Insert]:
    """`insert_ignore()` built ahead for both stores, by dialect name, for a hot path that prebuilds
    its statements instead of building one per call (the mail intake's blob rows)."""
    columns = list(conflict_columns) or None
    return {
        "sqlite": sqlite.insert(table).on_conflict_do_nothing(index_elements=columns),
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(index_elements=columns),
    }


def insert_ignore(session: Session, table: Any, *conflict_columns: str) -> Insert:
    """INSERT that adds nothing when the row conflicts with an existing one.

    Name the unique columns to ignore conflicts on that constraint only (a
    conflict on another one is still an error); none means any conflict.
    Count what was added with RETURNING, not rowcount: psycopg reports -1.
    """
    return upsert(session, table).on_conflict_do_nothing(index_elements=list(conflict_columns) or None)
