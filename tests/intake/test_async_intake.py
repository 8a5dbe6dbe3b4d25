"""The event loop's intake (`submit_async`, the JSON API's email route): the same durability as
`submit` — the blob fsynced with its directories and the row committed before the answer — with
the blob's file written by the writer's syncer instead of the caller, and no caller able to
cancel a report the writer is committing."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.support.durability import acknowledged_before_kill, assert_each_survived, offer_email, slow_recorded_syncs
from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake import writer
from watchword.intake.submit import StoreUnavailable, prepare, submit_async
from watchword.runtime import Runtime, open_runtime
from watchword.store import blobs
from watchword.store.models import Job, Report, Submission

blobs_table = Report.metadata.tables["blobs"]


def _email(n: int) -> IncomingReport:
    return IncomingReport(channel=Channel.API, raw_email=offer_email(n))


async def _send_all(rt: Runtime, numbers: range) -> list[Any]:
    return await asyncio.gather(*(submit_async(rt, _email(n)) for n in numbers), return_exceptions=True)


def _count(rt: Runtime, model: Any) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_rows_commit_only_after_their_blobs_are_durable_and_files_are_written_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced, lock = slow_recorded_syncs(monkeypatch)
    staged_on: set[str] = set()
    real_stage = blobs.FileBlobStore.stage

    def record_stage(self: blobs.FileBlobStore, data: bytes, digest: str | None = None) -> blobs.StagedBlob:
        staged_on.add(threading.current_thread().name)
        return real_stage(self, data, digest)

    monkeypatch.setattr(blobs.FileBlobStore, "stage", record_stage)
    with open_runtime(make_settings(tmp_path)) as rt:
        violations: list[str] = []
        commits = 0

        def check_before_commit(conn: Any) -> None:
            nonlocal commits
            named = [
                row[0] for row in conn.exec_driver_sql("SELECT raw_sha256 FROM reports WHERE raw_sha256 IS NOT NULL")
            ]
            with lock:
                violations.extend(
                    sha
                    for sha in named
                    if rt.blobs.path_for(sha) not in synced or rt.blobs.path_for(sha).parent not in synced
                )
                commits += 1

        event.listen(rt.db.engine, "commit", check_before_commit)
        try:
            receipts = asyncio.run(_send_all(rt, range(60)))
            assert all(not isinstance(r, BaseException) for r in receipts)
            assert len({r.public_id for r in receipts}) == 60
            assert 1 <= commits < 60  # batched: several reports per commit
            assert violations == []
            assert staged_on == {"intake-blob-sync"}  # never the event loop's thread
            assert _count(rt, Report) == 60
            with rt.db.session() as session:
                for sha in session.scalars(select(Report.raw_sha256)):
                    assert blobs.sha256_hex(rt.blobs.get(sha)) == sha
            leftovers = list(rt.blobs.root.rglob(f"{blobs.PENDING_PREFIX}*"))
            assert leftovers == []  # every staged file got its name
            # The same content again is a sighting, as through `submit`.
            again = asyncio.run(submit_async(rt, _email(7)))
            assert again.duplicate and again.sightings == 2
        finally:
            event.remove(rt.db.engine, "commit", check_before_commit)


def test_a_report_whose_file_cannot_be_written_is_refused_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_stage = blobs.FileBlobStore.stage
    doomed = offer_email(3)

    def disk_full_for_one(self: blobs.FileBlobStore, data: bytes, digest: str | None = None) -> blobs.StagedBlob:
        if data == doomed:
            raise OSError(28, "No space left on device")
        return real_stage(self, data, digest)

    monkeypatch.setattr(blobs.FileBlobStore, "stage", disk_full_for_one)
    with open_runtime(make_settings(tmp_path)) as rt:
        results = asyncio.run(_send_all(rt, range(8)))
        assert isinstance(results[3], StoreUnavailable)  # told to retry: nothing was kept
        assert all(not isinstance(r, BaseException) for i, r in enumerate(results) if i != 3)
        assert _count(rt, Report) == 7
        with rt.db.session() as session:
            assert blobs.sha256_hex(doomed) not in set(session.scalars(select(Report.raw_sha256)))


def test_a_caller_that_stops_waiting_does_not_stop_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timed-out request is answered 503, but its report, already handed over, is still written
    whole (or not at all), and the writer goes on serving everyone after it."""
    gate = threading.Event()
    real_write = writer.GroupCommitter._write

    def held_write(self: writer.GroupCommitter, batch: list[Any]) -> None:
        gate.wait(10)  # the disk stalls past the caller's patience
        real_write(self, batch)

    monkeypatch.setattr(writer.GroupCommitter, "_write", held_write)
    with open_runtime(make_settings(tmp_path)) as rt:
        try:
            prepared = writer.Prepared(
                incoming=_email(1),
                key="k1",
                raw_sha=blobs.sha256_hex(offer_email(1)),
                raw_size=len(offer_email(1)),
                contact=None,
            )
            prepared.unstaged = offer_email(1)

            async def impatient() -> None:
                await rt.intake.commit_async(prepared, timeout=0.2)

            with pytest.raises(TimeoutError):
                asyncio.run(impatient())
            gate.set()
            later = asyncio.run(submit_async(rt, _email(2)))
            assert not later.duplicate
            # The one writer commits what it is handed in order: the later report's commit has returned,
            # so the abandoned one's transaction has ended before it (nothing left to wait for).
            assert _count(rt, Report) == 2 and _count(rt, Submission) == 2
        finally:
            gate.set()


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tests.support.settings import make_settings
    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import submit_async
    from watchword.runtime import open_runtime
    from tests.support.durability import offer_email

    rt = open_runtime(make_settings(Path(sys.argv[1])))

    async def send(k):
        for n in range(k * 10_000, k * 10_000 + 10_000):
            receipt = await submit_async(rt, IncomingReport(channel=Channel.API, raw_email=offer_email(n)))
            print(n, receipt.public_id, flush=True)  # acknowledged: said only after it returned

    async def main():
        await asyncio.gather(*(send(k) for k in range(8)))

    asyncio.run(main())
    """
)


def test_an_acknowledged_report_keeps_its_blob_and_row_when_the_process_is_killed(tmp_path: Path) -> None:
    acknowledged = acknowledged_before_kill(tmp_path, CHILD)
    assert_each_survived(tmp_path, acknowledged, offer_email)


def test_a_batch_writes_its_new_reports_together_and_its_repeats_as_sightings(any_rt: Runtime) -> None:
    """One transaction of the group commit: new reports in a few statements (`create_many`), the
    content seen earlier in the same batch as sightings, and no blob row that no report names."""
    rt = any_rt
    raws = [
        offer_email(0),
        offer_email(1),
        offer_email(2),
        offer_email(1),
        offer_email(0).replace(b"\r\n", b"\n"),
    ]  # a repeat; a repeat by key only
    prepared = [
        prepare(rt, _email(0)),
        *(prepare(rt, IncomingReport(channel=Channel.API, raw_email=r)) for r in raws[1:]),
    ]
    with rt.db.write() as session:
        fresh = writer.create_many(session, prepared)
        receipts = [r or writer._sighting(session, p) for r, p in zip(fresh, prepared, strict=True)]
    assert [r.duplicate for r in receipts] == [False, False, False, True, True]
    assert receipts[3].report_id == receipts[1].report_id and receipts[3].sightings == 2
    assert receipts[4].report_id == receipts[0].report_id and receipts[4].sightings == 2
    assert len({r.submission_id for r in receipts}) == 5
    with rt.db.session() as session:
        named = set(session.scalars(select(Report.raw_sha256)))
        assert named == {blobs.sha256_hex(r) for r in raws[:3]}
        assert set(session.scalars(select(blobs_table.c.sha256))) == named  # the LF copy's row was dropped
        assert session.scalar(select(func.count()).select_from(Job)) == 3
        firsts = session.execute(select(Submission.report_id, Submission.id).order_by(Submission.id)).all()
        assert [(rid, sid) for rid, sid in firsts][:3] == [(r.report_id, r.submission_id) for r in receipts[:3]]


def test_an_event_loop_caller_is_answered_on_its_loop_without_a_thread_future(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`commit_async` waits on an asyncio future the writer settles through the caller's loop: no
    `concurrent.futures.Future` (a Condition and an RLock) per report. A writer's failure reaches
    the caller as its exception, and the writer goes on."""

    def no_thread_future() -> None:
        raise AssertionError("a concurrent.futures.Future was made for an event-loop caller")

    monkeypatch.setattr(writer, "Future", no_thread_future)
    real_write = writer.GroupCommitter._write
    refused = blobs.sha256_hex(offer_email(5))

    def refuse_one(self: writer.GroupCommitter, batch: list[Any]) -> None:
        for unit in batch:
            if unit.prepared[0].raw_sha == refused:
                unit.future.set_exception(OSError(5, "I/O error"))
        real_write(self, [u for u in batch if u.prepared[0].raw_sha != refused])

    monkeypatch.setattr(writer.GroupCommitter, "_write", refuse_one)
    with open_runtime(make_settings(tmp_path)) as rt:
        results = asyncio.run(_send_all(rt, range(4, 8)))
        assert isinstance(results[1], StoreUnavailable)  # submit_async's answer to a store failure
        assert all(not isinstance(r, BaseException) for i, r in enumerate(results) if i != 1)
        assert _count(rt, Report) == 3
