"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

try:  # POSIX: the writers of one SQLite file take turns (WriterTurn)
    import fcntl as _flock
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy timeout alone
    _flock = None  # type: ignore[assignment]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while the worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL, not NORMAL: in WAL mode NORMAL can lose the last commits on power
    # loss, and a report is acknowledged only after it is durable.
    cursor.execute("PRAGMA synchronous=FULL")
    # One writer at a time: wait for the lock instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # SQLite's default page cache is 2 MB. Campaign assignment looks up
    # posting lists all over a table that reaches hundreds of MB at a million
    # reports; with 2 MB every lookup reads its pages through the kernel and
    # the per-report cost grew 1.85x from 10k to 100k (bench/campaigns_scale.py).
    # A bound, not an allocation: pages are cached only as they are read.
    cursor.execute("PRAGMA cache_size=-65536")
    # Reads through a memory map instead of read() calls: past the page cache,
    # a posting lookup touches a few hundred random pages of a table that is
    # ~1 GB at a million reports (the OS page cache is shared by every process).
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


def _owner_only(path: Path) -> None:
    """The database file (and its WAL and shared-memory files, which SQLite creates with the
    database's mode) readable by the service's user alone, like the blobs and the key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for one in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if one.exists() and one.stat().st_mode & 0o077:
            one.chmod(0o600)  # a database created by an older version, world-readable


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failing statement's error (and so any log line) names the SQL, never its values: they
    # are report content and addresses (watchword/logsafe.py), and a 26k-URL mail put ~0.9 MB
    # of them in the log per attempt.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            _owner_only(Path(path))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling is turned off so that BEGIN is ours.
        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the lock at BEGIN (IMMEDIATE): a deferred transaction
            # that reads and then upgrades to a writer can fail with SQLITE_BUSY
            # at once, without honouring busy_timeout. Readers stay DEFERRED so
            # that console pages never queue behind the worker.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """An engine and its session factory; one per process and URL.

    `sealing_key` returns the key that seals reporters' words: every session
    carries it (`security.sealing.key_of`), and so do the migrations that seal
    what older versions stored in plain text.
    """

    def __init__(self, url: str, sealing_key: Callable[[], bytes] | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        self.sealing_key = sealing_key
        self.engine = make_engine(url, **engine_kwargs)
        info = {"sealing_key": sealing_key} if sealing_key is not None else {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(url) else self.engine
        self.write_sessions = sessionmaker(writer, expire_on_commit=False, info=info)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-mostly unit of work: committed when the block ends, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that writes: on SQLite it holds the write lock from its start."""
        with self.write_sessions() as session, session.begin():
            yield session

    def ping(self) -> None:
        """One round trip to the database (the health check): raises when it does not answer."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


class WriterTurn:
    """Whose turn it is to write, among the big writers that share one SQLite file.

    An exclusive `flock` on `<database>-intake.lock`, taken around each of a writer's
    transactions by the intake writer of every server process (intake/writer.py) and by the
    analysis worker around its batch's result transaction (watchword/worker.py). The kernel
    wakes the next writer the moment the lock is free; SQLite's busy handler, which the other
    writers (the console, a job's failure, a claim) still meet, has a waiter sleep and poll
    (1, 2, 5, 10 ... 100 ms), so a writer that found the lock taken woke tens of milliseconds
    after it was free: the intake's tail behind a worker's batch, and a worker starved by the
    intake's back-to-back commits (issue 14). PostgreSQL (row locks, no single writer) and
    in-memory databases need no turn: there it is a no-op.

    One object per writer thread, never entered twice at once: flock locks belong to an open
    file, so two of these in one process exclude each other as two processes would.
    """

    def __init__(self, path: str | None) -> None:
        self._path = path if _flock is not None else None
        self._fd: int | None = None

    @classmethod
    def for_database(cls, db: Database) -> WriterTurn:
        if not db.is_sqlite:
            return cls(None)
        path = db.url.split("///", 1)[-1].split("?", 1)[0]
        if not path or path == ":memory:" or path.startswith("file:"):
            return cls(None)
        return cls(path + "-intake.lock")

    def __enter__(self) -> None:
        if self._path is None:
            return
        if self._fd is None:  # opened on first use (and again after `close`)
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _flock.flock(self._fd, _flock.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None and _flock is not None:
            _flock.flock(self._fd, _flock.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
