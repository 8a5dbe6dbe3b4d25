"""What a running Watchword process holds: settings, the database, the blob store.

Open it as a context manager so that the intake writer and the engine are
always closed, whatever the command does:

    with open_runtime() as rt:
        ...
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from watchword.config import Settings
from watchword.security import passwords
from watchword.store import audit
from watchword.store.blobs import FileBlobStore
from watchword.store.db import Database

if TYPE_CHECKING:
    from watchword.intake.writer import GroupCommitter


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: FileBlobStore

    @cached_property
    def contact_key(self) -> bytes:
        return self.db.sealing_key() if self.db.sealing_key is not None else self.settings.secret_key()

    @cached_property
    def intake(self) -> GroupCommitter:
        from watchword.intake.writer import GroupCommitter

        return GroupCommitter(self.db, self.blobs)

    def close(self) -> None:
        if "intake" in self.__dict__:
            self.intake.close()
        self.db.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_runtime(settings: Settings | None = None, *, migrate: bool = False) -> Runtime:
    """The process's runtime. The schema must already be at head (`watchword migrate`);
    `migrate=True` brings it there first, under the migration lock — for `watchword migrate`
    itself and for tests and benchmarks that start from an empty store."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Passwords are hashed at the settings' cost by every service of this process.
    passwords.configure(settings.password_argon2_time_cost, settings.password_argon2_memory_kib)
    # Every session the runtime opens can seal and unseal reporters' words (security/sealing.py);
    # the key is read (or created) on first use only.
    key = functools.cache(settings.secret_key)
    db = Database(settings.database_url, sealing_key=key)
    # The audit chain's head is signed into a file outside the database after each commit
    # that appends to it, so that `audit verify` sees a truncated tail (store/audit.py).
    audit.anchor_to(db.engine, audit.Anchor(settings.audit_anchor_path, key))
    try:
        from watchword.store import migrate as migrations

        if migrate:
            migrations.upgrade(db)
        else:
            migrations.require_current(db)
    except BaseException:
        db.dispose()
        raise
    return Runtime(settings=settings, db=db, blobs=FileBlobStore(settings.blob_dir))
