"""A blob reaches the disk with its directory entries before its row commits; an acknowledged
report's blob and row survive the process being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.settings import make_settings
from watchword.runtime import open_runtime
from watchword.store import blobs
from watchword.store.models import Report


def _raw(n: int) -> bytes:
    head = f"From: a{n}@example.net\r\nTo: me@example.org\r\nSubject: offer {n}\r\n\r\n"
    return f"{head}A job offer, number {n}.\r\n".encode()


def test_a_blob_is_fsynced_with_its_directory_and_the_directories_made_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new blob's name is in a directory entry, and a new directory's in its parent's: each
    is fsynced, or a crash could forget the blob whose row was committed."""
    synced: list[Path] = []
    real_sync = blobs._fsync_dir

    def record_sync(directory: Path) -> None:
        real_sync(directory)
        synced.append(directory)

    monkeypatch.setattr(blobs, "_fsync_dir", record_sync)
    store = blobs.FileBlobStore(tmp_path / "blobs")
    digest = store.put(_raw(1))
    leaf = store.path_for(digest).parent
    assert sorted(synced) == sorted([leaf, leaf.parent, leaf.parent.parent])  # ab/cd, ab and the root
    synced.clear()
    assert store.put(_raw(1)) == digest  # already there: its directory synced again, nothing made
    assert synced == [leaf]
    assert store.get(digest) == _raw(1)


CHILD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from tests.support.settings import make_settings
    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import submit
    from watchword.runtime import open_runtime
    from tests.intake.test_blob_durability import _raw

    rt = open_runtime(make_settings(Path(sys.argv[1])))
    lock = threading.Lock()

    def send(k):
        for n in range(k * 10_000, k * 10_000 + 10_000):
            receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=_raw(n)))
            with lock:  # acknowledged: said only after submit returned
                print(n, receipt.public_id, flush=True)

    for k in range(8):
        threading.Thread(target=send, args=(k,)).start()
    """
)


def test_an_acknowledged_report_keeps_its_blob_and_row_when_the_process_is_killed(tmp_path: Path) -> None:
    make_settings(tmp_path)  # the migrated store the child opens
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    acknowledged: list[tuple[int, str]] = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        n, public_id = line.split()
        acknowledged.append((int(n), public_id.decode()))
    os.kill(child.pid, signal.SIGKILL)  # mid-run: other batches are being written
    rest, _ = child.communicate()
    acknowledged += [(int(n), p.decode()) for n, p in (line.split() for line in rest.splitlines() if line.strip())]
    assert len(acknowledged) >= 150
    rt = open_runtime(make_settings(tmp_path))
    with rt.db.session() as session:
        stored = dict(session.execute(select(Report.public_id, Report.raw_sha256)).all())
    for n, public_id in acknowledged:
        assert stored[public_id] == blobs.sha256_hex(_raw(n))
        assert rt.blobs.get(stored[public_id]) == _raw(n)
    rt.close()
