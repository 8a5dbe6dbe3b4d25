"""Content-addressed storage of raw submissions.

The bytes a reporter sent are the source of truth, so a blob is fsynced (file
and directory) before the database row that points to it is committed. Writing
the same bytes twice is a no-op: the name is the content's SHA-256.

`put` fsyncs the file, then the directory entries that name it (its directory,
and the parents of any directory it had to make). Syncing the directories of a
whole intake batch once in the writer thread instead was measured slower here
(docs/benchmarks.md, issue 14): the request threads' syncs overlap each other
and the writer's commit, a batch's would sit on the writer's one path to disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileBlobStore:
    """Blobs under `root/ab/cd/<sha256>`: two levels keep directories small at national volume."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        digest, directories = self.stage(data)
        sync_dirs(directories)
        return digest

    def stage(self, data: bytes) -> tuple[str, tuple[Path, ...]]:
        """Write and fsync the blob's file; return its digest and the directories whose
        entries must be fsynced (`sync_dirs`) before anything pointing to it commits.

        The directories are returned even when the blob was already there: another request
        writing the same bytes at the same moment may not have synced them yet.
        """
        digest = sha256_hex(data)
        final = self.path_for(digest)
        # A directory made here is an entry in its parent: that parent needs a sync too.
        made = [d for d in (final.parent.parent, final.parent) if not d.is_dir()]
        directories = (final.parent, *(d.parent for d in made))
        if final.exists():
            return digest, directories
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # rename is atomic: readers see the whole blob or none of it.
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return digest, directories

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)


def sync_dirs(directories: Iterable[Path]) -> None:
    """fsync each distinct directory once (their new entries reach the disk)."""
    for directory in sorted(set(directories)):
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    # The new directory entry must reach the disk too, or a crash can forget the rename.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
