"""The intake's group commit syncs the blob directories of a whole batch once, before the
commit that acknowledges its reports; an acknowledged report's blob and row survive a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake import writer
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from watchword.store import blobs
from watchword.store.models import Report


def _raw(n: int) -> bytes:
    head = f"From: a{n}@example.net\r\nTo: me@example.org\r\nSubject: offer {n}\r\n\r\n"
    return f"{head}A job offer, number {n}.\r\n".encode()


def test_blob_directories_are_synced_once_per_batch_before_any_row_that_points_to_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = open_runtime(make_settings(tmp_path))
    synced: list[Path] = []
    calls: list[list[Path]] = []
    real_sync = blobs._fsync_dir

    def record_sync(directory: Path) -> None:
        real_sync(directory)
        synced.append(directory)

    def record_batch(directories: object) -> None:
        before = len(synced)
        blobs.sync_dirs(directories)  # type: ignore[arg-type]
        calls.append(synced[before:])

    real_store = writer.store_one

    def checked_store(session: object, prepared: writer.Prepared) -> writer.Receipt:
        # The row is written (and so committed) only after its blob's directories are on disk.
        assert prepared.raw_sha is not None and prepared.sync_dirs
        assert set(prepared.sync_dirs) <= set(synced)
        assert rt.blobs.path_for(prepared.raw_sha).parent in prepared.sync_dirs
        return real_store(session, prepared)  # type: ignore[arg-type]

    monkeypatch.setattr(blobs, "_fsync_dir", record_sync)
    monkeypatch.setattr(writer, "sync_dirs", record_batch)
    monkeypatch.setattr(writer, "store_one", checked_store)
    receipts: list[object] = []

    def send(start: int) -> None:
        for n in range(start, start + 10):
            receipts.append(submit(rt, IncomingReport(channel=Channel.API, raw_email=_raw(n))))

    threads = [threading.Thread(target=send, args=(k * 10,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receipts) == 60
    assert len(calls) <= 60 and sum(map(len, calls)) >= 60  # one call per batch, each blob's directory in one
    for batch in calls:
        assert max(Counter(batch).values()) == 1  # a directory once per batch
    with rt.db.session() as session:
        shas = session.scalars(select(Report.raw_sha256)).all()
    assert len(shas) == 60
    for n in range(60):
        assert rt.blobs.get(blobs.sha256_hex(_raw(n))) == _raw(n)
    rt.close()


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
