"""Alembic, driven from code: the migrations ship inside the package.

`watchword migrate` is the one thing that changes the schema, and it does so
under a lock (a file lock beside a SQLite database, `pg_advisory_lock` on
PostgreSQL) so that two of them never run the same migration at once. Every
other command, and every `serve --workers N` child, only checks the schema is
at this version's head (`require_current`) and, if not, stops with a sentence
saying to run `watchword migrate`: a web process that quietly altered tables
under a running worker is how stores get broken.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from watchword import errors
from watchword.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_lock takes a 64-bit key; this one is "watchword" in ASCII, truncated.
PG_LOCK_KEY = 0x7761746368776F72


class SchemaNotCurrent(errors.Unavailable):
    """The store's schema is not the one this version of Watchword was written for."""


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["connection_engine"] = db.engine
    # For migrations that seal what older versions kept in plain text (0004).
    config.attributes["sealing_key"] = db.sealing_key
    return config


def head_revisions(db: Database) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(db)).get_heads())


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def require_current(db: Database) -> None:
    """Refuse to run against a schema that is missing, behind or ahead of this code."""
    current, heads = current_revisions(db), head_revisions(db)
    if current == heads:
        return
    if not current:
        raise SchemaNotCurrent("The database has no Watchword schema yet: run `watchword migrate` first.")
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config(db)).walk_revisions()}
    if current - known:
        raise SchemaNotCurrent(
            f"The database schema ({', '.join(sorted(current))}) is newer than this version of Watchword "
            f"({', '.join(sorted(heads))}): upgrade Watchword, or run `watchword migrate <revision> --down` "
            "with the newer version."
        )
    raise SchemaNotCurrent(
        f"The database schema is at {', '.join(sorted(current))} and this version needs "
        f"{', '.join(sorted(heads))}: run `watchword migrate`."
    )


@contextmanager
def migration_lock(db: Database) -> Iterator[None]:
    """Held while the schema changes: one migrator at a time per database."""
    if db.is_sqlite:
        path = db.url.split("///", 1)[-1]
        if not path or path == ":memory:":  # a private database: nobody to race with
            yield
            return
        lock_path = Path(path).with_name(Path(path).name + ".migrate-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    # A session-level advisory lock on its own connection: alembic's connection
    # migrates while this one only holds the lock, and the lock goes with it if we die.
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()


def upgrade(db: Database, revision: str = "head") -> None:
    with migration_lock(db):
        command.upgrade(alembic_config(db), revision)


def downgrade(db: Database, revision: str) -> None:
    with migration_lock(db):
        command.downgrade(alembic_config(db), revision)
