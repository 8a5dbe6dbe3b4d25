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

import ast
import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from watchword import errors
from watchword.store.db import Database

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# alembic is imported where it is used: importing it (with mako and its script directory) cost every
# process that only checks the schema ~0.2-0.4 s of CPU at start, a worker's and each `serve` child's
# among them. The check reads the version table and the revision files directly (`_fast_current`).

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_lock takes a 64-bit key; this one is "watchword" in ASCII, truncated.
PG_LOCK_KEY = 0x7761746368776F72


class SchemaNotCurrent(errors.Unavailable):
    """The store's schema is not the one this version of Watchword was written for."""


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["connection_engine"] = db.engine
    # For migrations that seal what older versions kept in plain text (0004).
    config.attributes["sealing_key"] = db.sealing_key
    return config


@cache
def _scripts() -> ScriptDirectory:
    # The migrations ship in the package: read once per process (about 0.1 s), not per check.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head_revisions(db: Database) -> set[str]:
    return set(_scripts().get_heads())


def current_revisions(db: Database) -> set[str]:
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)


@cache
def _written_heads() -> frozenset[str] | None:
    """The heads as the revision files state them (no revision is another's down_revision), read
    without alembic; None if any file does not state both plainly (alembic then decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("_"):
            continue
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(found) != 1 or len(down) != 1:
            return None
        try:
            revision, down_revision = ast.literal_eval(found[0].strip()), ast.literal_eval(down[0].strip())
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down_revision, str):
            downs.add(down_revision)
        elif isinstance(down_revision, tuple):
            downs.update(down_revision)
        elif down_revision is not None:
            return None
    return frozenset(revisions - downs) or None


def _fast_current(db: Database) -> bool:
    """True when the version table holds exactly the written heads: the common case, decided
    without importing alembic. False means only "not shown here": alembic's check then runs."""
    heads = _written_heads()
    if heads is None:
        return False
    try:
        with db.engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return False  # no version table yet (or unreadable): alembic says which
    return current == heads


def require_current(db: Database) -> None:
    """Refuse to run against a schema that is missing, behind or ahead of this code."""
    if _fast_current(db):
        return
    current, heads = current_revisions(db), head_revisions(db)
    if current == heads:
        return
    if not current:
        raise SchemaNotCurrent("The database has no Watchword schema yet: run `watchword migrate` first.")
    known = {rev.revision for rev in _scripts().walk_revisions()}
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
    from alembic import command

    with migration_lock(db):
        command.upgrade(alembic_config(db), revision)


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    with migration_lock(db):
        command.downgrade(alembic_config(db), revision)
