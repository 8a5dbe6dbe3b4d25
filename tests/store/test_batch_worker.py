"""The batch worker: batches claimed and written together, each job behind its own lease,
equal pipeline inputs analysed once, several workers on one PostgreSQL store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from tests.support import mailbuilders as mb
from tests.support.settings import make_settings
from tests.support.stored import store_reports
from watchword import worker as worker_module
from watchword.analysis.pipeline import analyze_report
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.intel.feeds import parse_csv, store_batch
from watchword.runtime import Runtime, open_runtime
from watchword.services import processing
from watchword.services.processing import input_key
from watchword.services.search import search
from watchword.store import jobs as job_queue
from watchword.store.models import AnalysisRecord, Indicator, Job, Report, ReportIndicator, utcnow
from watchword.store.models_campaigns import CampaignMember
from watchword.store.models_intel import IntelMatch
from watchword.store.models_people import Note
from watchword.worker import Worker


def _lure(n: int, to: str = "alex@example.org", hops: tuple[str, ...] = ()) -> bytes:
    received = "".join(
        f"Received: from {hop} by mx.example.org; Fri, 4 Dec 2026 09:00:0{i} +0000\r\n" for i, hop in enumerate(hops)
    )
    return (
        f"{received}Delivered-To: {to}\r\n"
        f"From: HR Portal <hr@payroll{n}-update.top>\r\nTo: {to}\r\nSubject: Salary review {n}\r\n"
        "Message-ID: <lure-%d@payroll-update.top>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>Confirm your details: <a href="https://payroll{n}-update.top/review">review</a></p>\r\n' % n
    ).encode()


def _analysis(rt: Runtime, report_id: int) -> dict[str, object]:
    with rt.db.session() as session:
        record = session.get(AnalysisRecord, report_id)
        assert record is not None
        return dict(record.result)


def _assert_consistent(rt: Runtime, total: int) -> None:
    with rt.db.session() as session:
        done = select(func.count()).select_from(Job).where(Job.kind == "analyze", Job.status == "done")
        assert session.scalar(done) == total
        assert session.scalar(select(func.count()).select_from(AnalysisRecord)) == total
        links = dict(
            session.execute(
                select(ReportIndicator.indicator_id, func.count()).group_by(ReportIndicator.indicator_id)
            ).all()
        )
        counts = dict(session.execute(select(Indicator.id, Indicator.report_count)).all())
        assert counts == {ind: links.get(ind, 0) for ind in counts}
        assert sum(links.values()) >= total


def test_copies_that_differ_only_in_transport_headers_reuse_one_analysis_equal_to_their_own(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        copies = [_lure(1, hops=("relay-a.example.net",)), _lure(1, hops=("relay-b.example.net", "edge.example.net"))]
        other_recipient = _lure(1, to="sam@example.org")  # a kept header differs: its own analysis
        ids = [
            submit(rt, IncomingReport(channel=Channel.API, raw_email=raw)).report_id
            for raw in [*copies, other_recipient]
        ]
        assert len(set(ids)) == 3  # different bytes: three reports, not sightings
        keys = [input_key("", raw, "", {}) for raw in [*copies, other_recipient]]
        assert keys[0] == keys[1] != keys[2]
        worker = Worker(rt, processes=1)
        assert worker.run_until_idle() == 3
        assert worker.reused == 1
        # The reused analysis is exactly what the pipeline makes of that copy.
        assert _analysis(rt, ids[1]) == analyze_report("", copies[1]).to_dict()
        assert _analysis(rt, ids[2]) == analyze_report("", other_recipient).to_dict()
        # A later copy finds the stored analysis: one more reuse, no pipeline run needed.
        later = submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(1, hops=("relay-c.example.net",))))
        worker = Worker(rt, processes=1)
        assert worker.run_until_idle() == 1 and worker.reused == 1
        assert _analysis(rt, later.report_id) == analyze_report("", _lure(1, hops=("relay-c.example.net",))).to_dict()
        with rt.db.session() as session:
            analysed = select(func.count()).select_from(Report).where(Report.status == "analysed")
            assert session.scalar(analysed) == 4


def test_a_job_whose_lease_was_lost_drops_out_of_its_batch_alone(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path, worker_batch_size=10), migrate=True) as rt:
        ids = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in range(6)]
        worker = Worker(rt, processes=1)
        batch = worker._start_batch(job_queue.claim_batch(rt.db, worker.worker_id, 60, 10))
        assert len(batch.items) == 6
        stolen = batch.items[2].job.id
        with rt.db.write() as session:  # another worker took this job over after our lease ran out
            session.execute(update(Job).where(Job.id == stolen).values(locked_by="other-worker"))
        worker._finish_batch(batch)
        with rt.db.session() as session:
            statuses = dict(session.execute(select(Job.report_id, Job.status)).all())
            analysed = set(session.scalars(select(AnalysisRecord.report_id)))
        assert statuses[ids[2]] == "running"  # still the other worker's
        assert analysed == set(ids) - {ids[2]}


def test_the_next_batch_is_claimed_in_the_result_transaction_of_the_last(any_rt: Runtime) -> None:
    rt = any_rt
    ids = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in range(7)]
    worker = Worker(rt, processes=1)
    first = worker._start_batch(job_queue.claim_batch(rt.db, worker.worker_id, 60, 3))
    claimed = worker._finish_batch(first, claim=3)
    assert claimed is not None and [job.report_id for job in claimed] == ids[3:6]
    with rt.db.session() as session:
        rows = {job.report_id: job for job in session.scalars(select(Job))}
        analysed = set(session.scalars(select(AnalysisRecord.report_id)))
    assert analysed == set(ids[:3])  # the first batch landed with the claim
    assert all(rows[r].status == "done" for r in ids[:3])
    assert all(rows[r].status == "running" and rows[r].locked_by == worker.worker_id for r in ids[3:6])
    assert all(rows[r].locked_until is not None and rows[r].attempts == 1 for r in ids[3:6])
    assert rows[ids[6]].status == "queued"  # beyond the claim's limit
    # Claimed jobs are not claimed again by anyone while their lease holds.
    assert [job.report_id for job in job_queue.claim_batch(rt.db, "another-worker", 60, 10)] == [ids[6]]
    assert worker._finish_batch(worker._start_batch(claimed)) == []  # no claim asked: none made
    with rt.db.session() as session:
        assert set(session.scalars(select(AnalysisRecord.report_id))) == set(ids[:6])


def test_a_batch_that_outran_its_lease_is_not_claimed_again_by_the_transaction_that_finishes_it(
    any_rt: Runtime,
) -> None:
    """A batch slower than its lease looks runnable when it is written: the claim made in that same
    transaction must take the next jobs, not the batch being finished (it was analysed twice)."""
    rt = any_rt
    ids = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in range(6)]
    worker = Worker(rt, processes=1)
    first = worker._start_batch(job_queue.claim_batch(rt.db, worker.worker_id, 60, 3))
    with rt.db.write() as session:  # the analysis took longer than the lease: nobody took the jobs over
        session.execute(
            update(Job).where(Job.report_id.in_(ids[:3])).values(locked_until=utcnow() - dt.timedelta(seconds=5))
        )
    claimed = worker._finish_batch(first, claim=3)
    assert claimed is not None and [job.report_id for job in claimed] == ids[3:6]
    with rt.db.session() as session:
        rows = {job.report_id: job for job in session.scalars(select(Job))}
    assert all(rows[r].status == "done" and rows[r].attempts == 1 for r in ids[:3])  # finished once, not re-run
    assert all(rows[r].status == "running" for r in ids[3:6])


def test_a_job_that_cannot_be_analysed_is_retried_while_the_rest_of_its_batch_lands(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        receipts = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))) for n in range(5)]
        with rt.db.session() as session:
            sha = session.get(Report, receipts[3].report_id).raw_sha256  # type: ignore[union-attr]
        assert sha is not None
        rt.blobs.delete(sha)
        assert Worker(rt, processes=2).run_until_idle() == 5
        with rt.db.session() as session:
            jobs = {j.report_id: j for j in session.scalars(select(Job))}
        assert jobs[receipts[3].report_id].status == "queued"
        assert "FileNotFoundError" in jobs[receipts[3].report_id].last_error
        assert all(jobs[r.report_id].status == "done" for r in receipts if r is not receipts[3])


def test_pooled_results_equal_the_pipeline_run_in_process(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path, worker_batch_size=16), migrate=True) as rt:
        raws = [_lure(n, to=f"user{n}@example.org") for n in range(40)]
        ids = [submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=raw)).report_id for raw in raws]
        assert Worker(rt, processes=2).run_until_idle() == 40
        for report_id, raw in zip(ids, raws, strict=True):
            assert _analysis(rt, report_id) == analyze_report("", raw).to_dict()
        _assert_consistent(rt, 40)


@pytest.mark.slow  # 480 reports through four workers, three of them at once on PostgreSQL; make test runs it
def test_several_workers_on_one_postgresql_store_claim_disjoint_batches(tmp_path: Path, pg_database_url: str) -> None:
    total = 240
    with open_runtime(make_settings(tmp_path, pg_database_url, worker_batch_size=16), migrate=True) as rt:
        # Eight lures, each to thirty recipients: campaigns and shared indicators under contention.
        lures = [
            IncomingReport(channel=Channel.IMPORT, raw_email=_lure(n % 8, to=f"user{n}@example.org"))
            for n in range(total)
        ]
        store_reports(rt, lures)  # many to a transaction (tests/support/stored.py): the workers are what is tested
        counts: list[int] = []

        def work() -> None:
            counts.append(Worker(rt, processes=1).run_until_idle())

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert sum(counts) == total and all(n > 0 for n in counts)  # every worker did a share, none twice
        _assert_consistent(rt, total)
        with rt.db.session() as session:
            attempts = session.scalars(select(Job.attempts).where(Job.kind == "analyze")).all()
        assert set(attempts) == {1}  # no job was claimed twice
        concurrent = _campaign_partition(rt)
    # The same reports through one worker alone: the same campaigns.
    with open_runtime(make_settings(tmp_path / "alone"), migrate=True) as alone:
        store_reports(alone, lures)
        Worker(alone, processes=1).run_until_idle()
        assert _campaign_partition(alone) == concurrent
        assert len(concurrent) < total  # the copies really were grouped


def _campaign_partition(rt: Runtime) -> set[frozenset[str]]:
    """Reports grouped by campaign, each named by its recipient (ids differ between stores)."""
    groups: dict[int, set[str]] = {}
    with rt.db.session() as session:
        for record, campaign_id in session.execute(
            select(AnalysisRecord.result, Report.campaign_id).join(Report, Report.id == AnalysisRecord.report_id)
        ):
            assert campaign_id is not None
            groups.setdefault(campaign_id, set()).add(record["headers"]["to"])
    return {frozenset(members) for members in groups.values()}


def test_a_report_whose_steps_fail_drops_out_alone_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected into one report's after-analysis steps: the batch's set-at-a-time write
    fails as a whole, the worker writes job by job, and only that job is retried."""
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        ids = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in range(6)]
        doomed = ids[3]

        def fault(session: object, report: Report, analysis: object) -> None:
            if report.id == doomed:
                raise RuntimeError("injected fault")

        monkeypatch.setattr(processing, "AFTER_ANALYSIS", [*processing.AFTER_ANALYSIS, fault])
        assert Worker(rt, processes=1).run_until_idle() == 6
        with rt.db.session() as session:
            jobs = {j.report_id: j for j in session.scalars(select(Job))}
            analysed = set(session.scalars(select(AnalysisRecord.report_id)))
            linked = set(session.scalars(select(ReportIndicator.report_id)))
        assert jobs[doomed].status == "queued" and "injected fault" in jobs[doomed].last_error
        assert analysed == linked == set(ids) - {doomed}
        assert all(jobs[i].status == "done" for i in ids if i != doomed)
        _assert_consistent_counts(rt)


def _assert_consistent_counts(rt: Runtime) -> None:
    with rt.db.session() as session:
        links = dict(
            session.execute(
                select(ReportIndicator.indicator_id, func.count()).group_by(ReportIndicator.indicator_id)
            ).all()
        )
        counts = dict(session.execute(select(Indicator.id, Indicator.report_count)).all())
    assert counts == {ind: links.get(ind, 0) for ind in counts}


def test_the_stored_form_of_an_analysis_is_its_dict() -> None:
    analysis = analyze_report("", _lure(3, hops=("relay.example.net",)))
    assert processing.stored_form(analysis) == analysis.to_dict()


def test_copies_written_from_text_encoded_once_store_the_bytes_the_json_column_writes(tmp_path: Path) -> None:
    """SQLite: the batch binds each distinct analysis's JSON text, made once before the write
    transaction; what lands is byte for byte what the JSON column makes of the dict (the
    one-at-a-time path), for the original, its relayed copies and a reused stored analysis."""
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        raws = [_lure(4, hops=(f"relay{i}.example.net",)) for i in range(3)] + [_lure(5, to="sam@example.org")]
        ids = [submit(rt, IncomingReport(channel=Channel.API, raw_email=raw)).report_id for raw in raws]
        worker = Worker(rt, processes=1)
        assert worker.run_until_idle() == 4 and worker.reused == 2
        one = submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(6))).report_id
        with rt.db.write() as session:  # the careful path: the JSON column serialises the dict itself
            report = session.get(Report, one)
            assert report is not None
            processing.apply(session, report, analyze_report("", _lure(6)), "k")
        with rt.db.session() as session:
            stored = dict(session.execute(text("SELECT report_id, result FROM analyses")).all())
        for rid, raw in [*zip(ids, raws, strict=True), (one, _lure(6))]:
            assert isinstance(stored[rid], str)
            assert stored[rid] == json.dumps(analyze_report("", raw).to_dict())
        assert stored[ids[0]] == stored[ids[1]] == stored[ids[2]] != stored[ids[3]]


def test_a_later_batch_reuses_what_this_worker_wrote_without_reading_deriving_or_encoding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wave's copies in later batches take the worker's own analysis, derived facts and JSON
    text by input key (watchword.reused): no store read, no derive, no serialising, and the rows
    they leave are those a worker without it leaves (a fresh worker on a copy of the store)."""
    with open_runtime(make_settings(tmp_path / "a"), migrate=True) as rt:
        first = [submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in (7, 8)]
        worker = Worker(rt, processes=1)
        assert worker.run_until_idle() == 2
        asked: list[str] = []
        real_stored = processing.stored_analyses
        monkeypatch.setattr(
            processing, "stored_analyses", lambda session, keys: asked.extend(keys) or real_stored(session, keys)
        )
        derived: list[object] = []
        real_derive = worker_module.derive
        monkeypatch.setattr(worker_module, "derive", lambda a: derived.append(a) or real_derive(a))
        dumped: list[object] = []
        real_dumps = json.dumps
        monkeypatch.setattr(json, "dumps", lambda obj, **kw: dumped.append(obj) or real_dumps(obj, **kw))
        copies = [_lure(7, hops=(f"relay{i}.example.net",)) for i in range(3)] + [_lure(9)]
        later = [submit(rt, IncomingReport(channel=Channel.API, raw_email=raw)).report_id for raw in copies]
        assert worker.run_until_idle() == 4
        key7 = input_key("", _lure(7), "", {})
        assert key7 not in asked and input_key("", _lure(9), "", {}) in asked  # the new lure is looked up
        # Only the new lure is derived (in process at the write, processes=1); lure 7's copies are not.
        assert [getattr(a, "subject", None) for a in derived] == ["Salary review 9"]
        assert not any(isinstance(obj, dict) and obj.get("subject") == "Salary review 7" for obj in dumped)
        monkeypatch.undo()
        with rt.db.session() as session:
            stored = dict(session.execute(text("SELECT report_id, result FROM analyses")).all())
            campaigns = dict(session.execute(select(Report.id, Report.campaign_id)).all())
        assert stored[later[0]] == stored[later[1]] == stored[later[2]] == stored[first[0]]
        assert stored[later[0]] == json.dumps(analyze_report("", copies[0]).to_dict())
        assert campaigns[later[0]] == campaigns[later[1]] == campaigns[later[2]] == campaigns[first[0]] is not None
        _assert_consistent(rt, 6)


def test_a_batch_is_searchable_by_its_indicators_and_by_notes_made_before_analysis(any_rt: Runtime) -> None:
    ids = [submit(any_rt, IncomingReport(channel=Channel.API, raw_email=_lure(n))).report_id for n in range(5)]
    with any_rt.db.write() as session:  # an analyst noted one report while it waited for analysis
        session.add(Note(object_type="report", object_id=ids[2], author="analyst", body="escalated to zebrafinch"))
    assert Worker(any_rt, processes=1).run_until_idle() == 5
    with any_rt.db.session() as session:
        assert [r.id for r in search(session, "payroll3-update.top").reports] == [ids[3]]
        assert [r.id for r in search(session, "zebrafinch").reports] == [ids[2]]
        assert len(search(session, "salary review").reports) == 5


def test_forwarding_comments_are_sealed_when_the_pipeline_ran_in_the_pool(tmp_path: Path) -> None:
    """The pool runs the pure pipeline; the worker must still seal each reporter's comment
    above a forwarded original before storing, as the in-process path does."""
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        originals = [_lure(n) for n in range(6)]
        ids = [
            submit(rt, IncomingReport(channel=Channel.EMAIL, raw_email=mb.attached_forward(raw))).report_id
            for raw in originals
        ]
        assert Worker(rt, processes=2).run_until_idle() == 6
        with rt.db.session() as session:
            for report_id in ids:
                record = session.get(AnalysisRecord, report_id)
                assert record is not None
                wrapper = record.result["wrapper"]
                assert wrapper["reporter_comment"] == "" and wrapper["reporter_comment_sealed"]
        with rt.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert mb.REPORTER_COMMENT.encode() not in (tmp_path / "watchword.db").read_bytes()


def test_the_default_pool_leaves_the_writer_a_core_on_postgresql_only(
    any_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the writer and its backend cost about what the pipeline does: by default the
    pipeline runs apart in one process fewer than the cores; on SQLite one per core; 1 is in-process."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    any_rt.settings = dataclasses.replace(any_rt.settings, worker_processes=0)
    default = Worker(any_rt)
    inline = Worker(any_rt, processes=1)
    if any_rt.db.is_sqlite:
        assert (default.processes, default.pooled) == (2, True)
    else:
        assert (default.processes, default.pooled) == (1, True)
    assert (inline.processes, inline.pooled) == (1, False)


def _clustering(rt: Runtime) -> tuple[set[frozenset[int]], dict[int, tuple[bool, str, str]]]:
    """The campaigns as sets of report ids (ids of campaigns differ between stores), and each
    member's duplicate flag, reporter key and reasons."""
    with rt.db.session() as session:
        rows = session.execute(
            select(
                CampaignMember.report_id,
                CampaignMember.campaign_id,
                CampaignMember.duplicate,
                CampaignMember.reporter_key,
                CampaignMember.reasons,
            )
        ).all()
    groups: dict[int, set[int]] = {}
    for report_id, campaign_id, *_ in rows:
        groups.setdefault(campaign_id, set()).add(report_id)
    return {frozenset(g) for g in groups.values()}, {r: (d, k, str(why)) for r, _, d, k, why in rows}


def _matched(rt: Runtime) -> set[int]:
    with rt.db.session() as session:
        return set(session.scalars(select(IntelMatch.report_id)))


_WORDS = ["parcel", "customs", "invoice", "tax", "refund", "pension", "voicemail", "storage", "bonus", "lottery"]


def _other_words(n: int, lure: int) -> bytes:
    words = " ".join(f"{_WORDS[(n + i) % len(_WORDS)]}{n}{i}" for i in range(40))
    return (
        f"From: Desk <desk@other{n}.example>\r\nTo: pat{n}@example.org\r\nSubject: Notice {n}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>{words} <a href="https://payroll{lure}-update.top/review">open</a></p>\r\n'
    ).encode()


def test_a_pooled_worker_clusters_as_one_that_derives_the_engine_keys_itself(any_rt: Runtime, tmp_path: Path) -> None:
    """The pool derives the engine's features and posting keys and the known-bad lookup keys beside
    the pipeline (watchword.pool.derive); a worker without a pool derives them while writing. The
    campaigns, memberships, known-bad matches and analyses come out the same (on PostgreSQL and SQLite)."""
    # Copies of seven lures (text links them), and lures in other words that share only a link
    # with one of them (only the typed posting keys link those).
    raws = [_lure(n % 7, to=f"user{n}@example.org", hops=(f"mx{n}.example.net",)) for n in range(24)]
    raws += [_other_words(n, n % 3) for n in range(6)]
    with open_runtime(make_settings(tmp_path / "inline", worker_batch_size=8)) as inline:
        any_rt.settings = dataclasses.replace(any_rt.settings, worker_batch_size=8)
        for rt in (any_rt, inline):
            with rt.db.write() as session:  # a feed names one lure's site: its reports match (lookup keys)
                store_batch(session, "test feed", parse_csv("type,value\ndomain,payroll3-update.top\n"))
            for raw in raws:
                submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=raw))
        assert Worker(any_rt, processes=2).run_until_idle() == 30
        assert Worker(inline, processes=1).run_until_idle() == 30
        pooled, alone = _clustering(any_rt), _clustering(inline)
        assert pooled == alone
        matched = [_matched(rt) for rt in (any_rt, inline)]
        assert matched[0] == matched[1] and len(matched[0]) == 3  # the three copies of lure 3
        assert len(pooled[0]) < 30  # copies did join campaigns: the keys were used
        for report_id in range(1, 31):
            assert _analysis(any_rt, report_id) == _analysis(inline, report_id)


def test_the_batch_size_left_to_the_store_is_small_on_sqlite_and_large_on_postgresql() -> None:
    # SQLite's one write lock is held for a whole batch while the intake waits; PostgreSQL's is not.
    assert worker_module.batch_size_for(0, "sqlite:///x.db") == worker_module.SQLITE_BATCH == 64
    assert worker_module.batch_size_for(0, "postgresql+psycopg://h/db") == worker_module.POSTGRES_BATCH == 256
    assert worker_module.batch_size_for(10, "postgresql+psycopg://h/db") == 10
