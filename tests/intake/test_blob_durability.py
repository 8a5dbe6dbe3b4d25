"""A blob reaches the disk with its directory entries before its row commits (the group commit
makes a batch's blobs durable together, right before its transaction); an acknowledged report's
blob and row survive the process being killed."""

from __future__ import annotations

import os
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.support.durability import acknowledged_before_kill, assert_each_survived, offer_email, slow_recorded_syncs
from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake import writer
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from watchword.store import blobs
from watchword.store.models import Report


def _record_syncs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    synced: list[Path] = []
    real_sync = blobs._fsync_path
    lock = threading.Lock()

    def record_sync(path: Path) -> None:
        real_sync(path)
        with lock:
            synced.append(path)

    monkeypatch.setattr(blobs, "_fsync_path", record_sync)
    return synced


def test_a_blob_is_fsynced_with_its_directory_and_the_directories_made_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new blob's name is in a directory entry, and a new directory's in its parent's: each
    is fsynced, or a crash could forget the blob whose row was committed."""
    synced = _record_syncs(monkeypatch)
    store = blobs.FileBlobStore(tmp_path / "blobs")
    # Opening the store makes the 256 first-level directories, synced once: no report makes one.
    assert sorted(p.name for p in store.root.iterdir()) == [f"{n:02x}" for n in range(256)]
    assert set(synced) == {store.root, tmp_path}
    synced.clear()
    digest = store.put(offer_email(1))
    final = store.path_for(digest)
    leaf = final.parent
    assert sorted(synced) == sorted([final, leaf, leaf.parent])  # the file, ab/cd and ab
    synced.clear()
    assert store.put(offer_email(1)) == digest  # already there: file and directory synced again, nothing made
    assert sorted(synced) == sorted([final, leaf])
    assert store.get(digest) == offer_email(1)
    assert [p.name for p in leaf.iterdir()] == [digest]  # no temporary file left behind


def test_a_staged_blob_has_its_name_only_once_made_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced = _record_syncs(monkeypatch)
    store = blobs.FileBlobStore(tmp_path / "blobs")
    staged = [store.stage(offer_email(n)) for n in range(3)]
    assert not any(s.final.exists() for s in staged)  # written under temporary names only
    assert all(s.pending is not None and s.pending.exists() for s in staged)
    synced.clear()
    blobs.make_durable(staged)
    for n, s in enumerate(staged):
        assert store.get(s.sha256) == offer_email(n)
        assert s.pending is not None and not s.pending.exists()
        assert s.final in synced and s.final.parent in synced
    # Each directory once for the whole batch, however many of its blobs it holds.
    assert len(synced) == len(set(synced))


def test_a_torn_blob_left_by_a_crash_is_written_again_and_a_good_one_never_replaced(tmp_path: Path) -> None:
    store = blobs.FileBlobStore(tmp_path / "blobs")
    digest = blobs.sha256_hex(offer_email(1))
    final = store.path_for(digest)
    final.parent.mkdir(parents=True)
    final.write_bytes(b"")  # a name whose bytes never reached the disk before a crash
    torn = store.stage(offer_email(1))
    assert torn.replace
    blobs.make_durable([torn])
    assert store.get(digest) == offer_email(1)

    # Two writers with the same new bytes: the second does not swap the first's (durable) file.
    early = store.stage(offer_email(2))
    store.put(offer_email(2))
    inode = store.path_for(early.sha256).stat().st_ino
    blobs.make_durable([early])
    assert store.path_for(early.sha256).stat().st_ino == inode
    assert early.pending is not None and not early.pending.exists()
    assert store.get(early.sha256) == offer_email(2)


def test_files_staged_by_a_process_that_died_are_swept_once_a_day_old(tmp_path: Path) -> None:
    store = blobs.FileBlobStore(tmp_path / "blobs")
    orphan = store.stage(offer_email(4))  # staged, then the process died before its group commit
    live = store.stage(offer_email(5))  # staged a moment ago by a process still running
    assert orphan.pending is not None and live.pending is not None
    day_ago = time.time() - blobs.STALE_PENDING_SECONDS - 60
    os.utime(orphan.pending, (day_ago, day_ago))

    assert store.sweep_pending() == 1  # the retention job's sweep
    assert not orphan.pending.exists() and live.pending.exists()
    assert store.sweep_pending() == 0
    blobs.make_durable([live])
    assert store.get(live.sha256) == offer_email(5)
    # A batch whose staged file was swept cannot commit: its final name does not exist to fsync.
    with pytest.raises(FileNotFoundError):
        blobs.make_durable([orphan])


def test_a_filesystem_without_hard_links_still_gets_its_blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(_src: object, _dst: object) -> None:
        raise PermissionError("hard links not supported here")

    store = blobs.FileBlobStore(tmp_path / "blobs")
    monkeypatch.setattr(blobs.os, "link", no_links)
    digest = store.put(offer_email(3))
    assert store.get(digest) == offer_email(3)
    assert [p.name for p in store.path_for(digest).parent.iterdir()] == [digest]


def test_the_group_commit_never_commits_a_row_before_its_blob_is_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports from many threads, committed in batches: at every commit, each blob a report row
    names has been fsynced under its final name, with its directory, before the commit."""
    synced, lock = slow_recorded_syncs(monkeypatch)
    with open_runtime(make_settings(tmp_path)) as rt:
        violations: list[str] = []
        commits_checked = 0

        def check_before_commit(conn: Any) -> None:
            nonlocal commits_checked
            named = [
                row[0] for row in conn.exec_driver_sql("SELECT raw_sha256 FROM reports WHERE raw_sha256 IS NOT NULL")
            ]
            with lock:
                for sha in named:
                    final = rt.blobs.path_for(sha)
                    if final not in synced or final.parent not in synced:
                        violations.append(sha)
                commits_checked += 1 if named else 0

        event.listen(rt.db.engine, "commit", check_before_commit)
        sizes: list[int] = []
        real_write = writer.GroupCommitter._write

        def record_batch(self: writer.GroupCommitter, batch: list[Any]) -> None:
            sizes.append(len(batch))
            real_write(self, batch)

        monkeypatch.setattr(writer.GroupCommitter, "_write", record_batch)
        try:
            with ThreadPoolExecutor(8) as pool:
                receipts = list(
                    pool.map(
                        lambda n: submit(rt, IncomingReport(channel=Channel.API, raw_email=offer_email(n))), range(80)
                    )
                )
            assert len({r.public_id for r in receipts}) == 80
            assert commits_checked >= 1 and max(sizes) > 1  # batched: several reports per commit
            assert violations == []
            with rt.db.session() as session:
                assert session.scalar(select(func.count()).select_from(Report)) == 80
        finally:
            event.remove(rt.db.engine, "commit", check_before_commit)


def test_the_intake_writers_of_two_processes_take_turns(tmp_path: Path) -> None:
    """Each server process has its own writer; on one SQLite file they write in turn (a lock
    beside the database), and every report of both is stored."""
    settings = make_settings(tmp_path)
    with open_runtime(settings) as first, open_runtime(settings) as second:
        turn_a, turn_b = writer.WriterTurn.for_database(first.db), writer.WriterTurn.for_database(second.db)
        entered = threading.Event()

        def take_b() -> None:
            with turn_b:
                entered.set()

        with turn_a:
            other = threading.Thread(target=take_b)
            other.start()
            assert not entered.wait(0.3)  # held by the other writer
        assert entered.wait(10)
        other.join()
        turn_a.close()
        turn_b.close()

        def send(n: int) -> str:
            rt = first if n % 2 else second
            return submit(rt, IncomingReport(channel=Channel.API, raw_email=offer_email(n))).public_id

        with ThreadPoolExecutor(8) as pool:
            ids = set(pool.map(send, range(60)))
        with first.db.session() as session:
            stored = set(session.scalars(select(Report.public_id)))
        assert ids == stored and len(ids) == 60


CHILD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from tests.support.settings import make_settings
    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import submit
    from watchword.runtime import open_runtime
    from tests.support.durability import offer_email

    rt = open_runtime(make_settings(Path(sys.argv[1])))
    lock = threading.Lock()

    def send(k):
        for n in range(k * 10_000, k * 10_000 + 10_000):
            receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=offer_email(n)))
            with lock:  # acknowledged: said only after submit returned
                print(n, receipt.public_id, flush=True)

    # The main thread waits for the senders until the kill, as 3.11 did implicitly at exit: from
    # 3.12 a thread can no longer be started once the main thread has returned (interpreter
    # shutdown), and the blob store starts its fsync threads on first use, from a sender.
    senders = [threading.Thread(target=send, args=(k,)) for k in range(8)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    """
)


def test_an_acknowledged_report_keeps_its_blob_and_row_when_the_process_is_killed(tmp_path: Path) -> None:
    acknowledged = acknowledged_before_kill(tmp_path, CHILD)
    assert_each_survived(tmp_path, acknowledged, offer_email)


def test_a_blob_staged_with_its_digest_is_not_hashed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake's event loop hashes the bytes for the report's row; the writer's syncer hands
    that digest to `stage` instead of hashing the same bytes a second time."""
    store = blobs.FileBlobStore(tmp_path / "blobs")
    data = offer_email(7)
    digest = blobs.sha256_hex(data)
    other = offer_email(8)
    other_digest = blobs.sha256_hex(other)
    hashed: list[bytes] = []
    real_hash = blobs.sha256_hex
    monkeypatch.setattr(blobs, "sha256_hex", lambda b: hashed.append(b) or real_hash(b))
    staged = store.stage(data, digest)
    assert hashed == []
    blobs.make_durable([staged])
    assert staged.sha256 == digest and store.get(digest) == data
    assert store.stage(other).sha256 == other_digest and hashed == [other]  # without it: hashed here


def _same_leaf(first: bytes, count: int) -> list[bytes]:
    """`count` byte strings whose digests share `first`'s leaf directory (ab/cd)."""
    prefix, found, n = blobs.sha256_hex(first)[:4], [], 0
    while len(found) < count:
        n += 1
        data = b"same leaf %d" % n
        if blobs.sha256_hex(data)[:4] == prefix:
            found.append(data)
    return found


def test_a_leaf_seen_before_syncs_as_it_would_be_seen_and_one_removed_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`stage` remembers the leaf directories it saw: a later blob there syncs its file and the
    leaf (what stat-ing the leaf again would give), a torn blob there is still replaced, and a
    leaf removed from outside is made again, its parent synced with it."""
    synced = _record_syncs(monkeypatch)
    store = blobs.FileBlobStore(tmp_path / "blobs")
    second, third, fourth = _same_leaf(offer_email(1), 3)
    store.put(offer_email(1))  # makes the leaf (not remembered: made here, not seen)
    store.put(second)  # sees it
    leaf = store.path_for(blobs.sha256_hex(second)).parent
    synced.clear()
    staged = store.stage(third)
    assert staged.directories == (leaf,) and staged.pending is not None and not staged.replace
    blobs.make_durable([staged])
    assert sorted(synced) == sorted([staged.final, leaf])
    assert store.get(staged.sha256) == third
    # A torn name in a remembered leaf: written again, replacing it.
    torn_final = store.path_for(blobs.sha256_hex(fourth))
    torn_final.write_bytes(b"")
    torn = store.stage(fourth)
    assert torn.replace and torn.pending is not None
    blobs.make_durable([torn])
    assert store.get(torn.sha256) == fourth
    # The leaf removed from outside: made again, and the first level's entry for it synced too.
    for path in leaf.iterdir():
        path.unlink()
    leaf.rmdir()
    synced.clear()
    again = store.stage(third)
    assert set(again.directories) == {leaf, leaf.parent}
    blobs.make_durable([again])
    assert sorted(synced) == sorted([again.final, leaf, leaf.parent])
    assert store.get(again.sha256) == third
    assert sorted(p.name for p in leaf.iterdir()) == [again.sha256]  # no pending file left behind
