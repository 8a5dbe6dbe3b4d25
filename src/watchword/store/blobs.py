"""Content-addressed storage of raw submissions.

The bytes a reporter sent are the source of truth, so a blob is fsynced (file
and directory) before the database row that points to it is committed. Writing
the same bytes twice is a no-op: the name is the content's SHA-256.

Two ways in. `put` writes a blob and makes it durable at once (the reporter
pages' files, a mail's wrapper). Intake's hot path instead `stage`s a blob in
the request's thread (written under a temporary name, nothing synced) and the
group commit makes a whole batch durable with `make_durable` right before its
transaction: every file's writeback started, each linked to its final name,
then the files and every directory that gained an entry fsynced together, in
parallel, so that the filesystem's journal commits them in one or two commits
instead of one per fsync (measured on ext4 under load: 8 blobs in 7 ms, against
58 ms fsynced and renamed one by one and 89 ms with the files fsynced side by
side before their renames; docs/benchmarks.md).

A final name can therefore exist before its bytes are on disk, and a crash in
that moment can leave a torn file under it. No row points to such a file (the
row commits only after the fsyncs returned), and `stage` never trusts an
existing file it has not read back: one whose bytes do not hash to its name is
written again. A final name that exists is never replaced otherwise, so a blob
a committed row points to is never swapped for bytes not yet on disk.

The 256 first-level directories (`ab/`) are made, and the root fsynced, when
the store is opened, so a report makes at most one directory (its `ab/cd/`).
The 65,536 leaves are not made up front: each takes a 4 KB block, 256 MB for
an empty store (and for every test's).

A staged file is written beside its blob (`ab/cd/.incoming-*`) and hard-linked
to its final name. A process killed between `stage` and `make_durable` leaves it
there; the retention sweep (`sweep_pending`, daily in the worker) removes such
files once they are a day old. Staging them all in one directory instead, so
that the sweep lists one directory, cost the HTTP intake a fifth to a third of
its rate on ext4 (every create and unlink of every process queued on that
directory's lock; docs/benchmarks.md). A staged file lives for one group commit
(milliseconds); a batch whose file was swept cannot commit, because the final
name it would fsync does not exist.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import queue
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_HEX = "0123456789abcdef"
_DIGEST = re.compile("[0-9a-f]{64}")
_FIRST_LEVEL = tuple(a + b for a in _HEX for b in _HEX)
PENDING_PREFIX = ".incoming-"
# A staged file older than this belongs to a process that died before its group commit.
STALE_PENDING_SECONDS = 24 * 3600


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """A blob written but not yet durable: `make_durable` fsyncs it and gives it its name."""

    sha256: str
    final: Path
    # The written bytes under a temporary name; None when the blob was stored already.
    pending: Path | None
    # The final name holds bytes that do not hash to it (torn by a crash): replace them.
    replace: bool
    # Directories whose entries must reach the disk before anything points to the blob: its
    # own, and the parent of a directory made for it. Returned even when the blob was stored
    # already: whoever wrote it a moment ago (another process) may not have synced them yet.
    directories: tuple[Path, ...]


class FileBlobStore:
    """Blobs under `root/ab/cd/<sha256>`: two levels keep directories small at national volume."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # Leaf directories (by the digest's first four characters) seen to exist by `stage`: each
        # blob then costs no stat and no mkdir for them (no blob directory is ever removed; one
        # removed from outside is looked at again when the write there fails).
        self._leaves: dict[str, Path] = {}
        root_made = not self.root.is_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        made = False
        for name in _FIRST_LEVEL:
            first = self.root / name
            if not first.is_dir():
                first.mkdir(exist_ok=True)
                made = True
        if made:
            sync_dirs([self.root, *([self.root.parent] if root_made else [])])

    def sweep_pending(self, older_than: float = STALE_PENDING_SECONDS) -> int:
        """Remove staged files left by processes that died before their group commit; return how many.

        Lists every leaf directory (names only; a file is stat'ed only when its name is a staged
        one): seconds for millions of blobs, run by the daily retention job, not at start-up."""
        cutoff = time.time() - older_than
        removed = 0
        for first in _FIRST_LEVEL:
            try:
                leaves = [e.path for e in os.scandir(self.root / first) if e.is_dir(follow_symlinks=False)]
            except FileNotFoundError:
                continue
            for leaf in leaves:
                with os.scandir(leaf) as entries:
                    for entry in entries:
                        if not entry.name.startswith(PENDING_PREFIX):
                            continue
                        try:
                            if entry.stat().st_mtime < cutoff:
                                os.unlink(entry.path)
                                removed += 1
                        except FileNotFoundError:  # named or swept by another process meanwhile
                            continue
        return removed

    def path_for(self, sha256: str) -> Path:
        if not _DIGEST.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Write the blob and make it durable now; return its digest."""
        staged = self.stage(data)
        make_durable([staged])
        return staged.sha256

    def stage(self, data: bytes, digest: str | None = None) -> StagedBlob:
        """Write the blob under a temporary name, nothing fsynced: `make_durable` finishes it.

        `digest`: the bytes' SHA-256 as the caller computed it already from these same bytes
        (the intake's event loop does, for the report's row): not hashed a second time."""
        if digest is None:
            digest = sha256_hex(data)
        leaf = self._leaves.get(digest[:4])
        if leaf is None or not _DIGEST.fullmatch(digest):
            return self._stage_new_leaf(data, digest)
        final = leaf / digest
        torn = os.path.exists(final)
        if torn:
            staged = self._stored(digest, final, (leaf,))
            if staged is not None:
                return staged
        try:
            pending = _write_pending(leaf, data)
        except FileNotFoundError:  # the leaf was removed from outside: make it again
            self._leaves.pop(digest[:4], None)
            return self._stage_new_leaf(data, digest)
        return StagedBlob(digest, final, pending, torn, (leaf,))

    def _stage_new_leaf(self, data: bytes, digest: str) -> StagedBlob:
        """`stage` where this store has not seen the blob's leaf directory yet: made if missing."""
        final = self.path_for(digest)
        leaf = final.parent
        # A directory made here is an entry in its parent: that parent needs a sync too.
        made = [d for d in (leaf.parent, leaf) if not d.is_dir()]
        directories = (leaf, *(d.parent for d in made))
        torn = final.exists()
        if torn:
            staged = self._stored(digest, final, directories)
            if staged is not None:
                return staged
        leaf.mkdir(parents=True, exist_ok=True)
        if not made:
            # Seen to exist, as a later is_dir() would see it: the same directories to sync then.
            self._leaves[digest[:4]] = leaf
        pending = _write_pending(leaf, data)
        return StagedBlob(digest, final, pending, torn, directories)

    @staticmethod
    def _stored(digest: str, final: Path, directories: tuple[Path, ...]) -> StagedBlob | None:
        """The blob already under its name, if its bytes hash to it; None: write it again, in
        place of bytes torn by a crash or of a file removed by retention a moment ago."""
        try:
            torn = sha256_hex(final.read_bytes()) != digest
        except FileNotFoundError:  # removed by retention a moment ago: written again
            return None
        return None if torn else StagedBlob(digest, final, None, False, directories)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)


def make_durable(staged: Iterable[StagedBlob]) -> None:
    """Put every staged blob on disk under its final name; when this returns, each is durable.

    Called by the group commit right before its transaction, for the whole batch: one
    directory sync serves every blob of the batch that landed in it, and the fsyncs run
    side by side so that the filesystem can commit them together.
    """
    blobs = list(staged)
    # A pending file already gone was named by an earlier try of this batch (written again
    # after a failure): its final name is synced below like the rest.
    written = [(b, b.pending) for b in blobs if b.pending is not None and b.pending.exists()]
    for _blob, pending in written:
        _start_writeback(pending)
    for blob, pending in written:
        _name(blob, pending)
    to_sync = [*sorted({b.final for b in blobs}), *sorted({d for b in blobs for d in b.directories})]
    _SIDE_BY_SIDE.fsync_all(to_sync)  # the first failure is raised: the batch is not durable


def _write_pending(leaf: Path, data: bytes) -> Path:
    """The bytes in a new file of `leaf` under a fresh pending name (what `tempfile.mkstemp`
    does, without its Python-level name generation and path handling)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        name = os.path.join(leaf, PENDING_PREFIX + os.urandom(8).hex())
        try:
            fd = os.open(name, flags, 0o600)
        except FileExistsError:  # 64 random bits taken already: another name
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _name(blob: StagedBlob, pending: Path) -> None:
    """Give the written file its final name; never replace a good blob already there."""
    if blob.replace:
        os.replace(pending, blob.final)
        return
    # link fails if the name exists (rename would replace it): then the same bytes were named by
    # another writer a moment ago, and their file is synced with the batch's.
    try:
        os.link(pending, blob.final)
    except FileExistsError:
        pass
    except OSError:  # a filesystem without hard links: rename, as before links were used
        os.replace(pending, blob.final)
        return
    os.unlink(pending)


def discard(staged: Iterable[StagedBlob]) -> None:
    """Remove staged files that will not be made durable (their report was refused)."""
    for blob in staged:
        if blob.pending is not None:
            blob.pending.unlink(missing_ok=True)


def sync_dirs(directories: Iterable[Path]) -> None:
    """fsync each distinct directory once (their new entries reach the disk)."""
    for directory in sorted(set(directories)):
        _fsync_dir(directory)


class _SideBySide:
    """A few daemon threads that fsync paths side by side, started on first use.

    Not `concurrent.futures`: its pools refuse new work once the main thread has finished,
    and an intake writer may still be committing then (a server shutting down, a script whose
    main thread only started the submitting threads).
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._jobs: queue.SimpleQueue[tuple[Path, queue.SimpleQueue[BaseException | None]]] = queue.SimpleQueue()
        self._started = 0
        self._lock = threading.Lock()

    def fsync_all(self, paths: list[Path]) -> None:
        """fsync every path; returns when all are done, raising the first failure."""
        if len(paths) <= 1:
            for path in paths:
                _fsync_path(path)
            return
        self._start(min(len(paths), self._threads))
        done: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        for path in paths:
            self._jobs.put((path, done))
        failures = [error for error in (done.get() for _ in paths) if error is not None]
        if failures:
            raise failures[0]

    def _start(self, wanted: int) -> None:
        with self._lock:
            while self._started < wanted:
                threading.Thread(target=self._work, name="blob-sync", daemon=True).start()
                self._started += 1

    def _work(self) -> None:
        while True:
            path, done = self._jobs.get()
            try:
                _fsync_path(path)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
                done.put(error)
            else:
                done.put(None)


_SIDE_BY_SIDE = _SideBySide(16)  # a batch's files and directories


def _load_sync_file_range() -> object | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    function = getattr(ctypes.CDLL(name, use_errno=True), "sync_file_range", None)
    if function is not None:
        function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    return function


_SYNC_FILE_RANGE = _load_sync_file_range()  # Linux; elsewhere the fsync alone does the writing
_SYNC_FILE_RANGE_WRITE = 2


def _start_writeback(path: Path) -> None:
    """Start writing the file's bytes (no waiting, no journal commit): its blocks are then
    allocated with the rest of the batch's, and one journal commit can cover them all."""
    if _SYNC_FILE_RANGE is None:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        _SYNC_FILE_RANGE(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # type: ignore[operator]
    finally:
        os.close(fd)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    # The new directory entry must reach the disk too, or a crash can forget the rename.
    _fsync_path(directory)
