"""Campaign assignment by several worker processes at once on one PostgreSQL store equals
one worker's: the same partition of reports into campaigns, and the same counts on each."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.support.campaign_mail import make_email
from tests.support.settings import make_settings
from watchword.analysis.pipeline import analyze_report
from watchword.campaigns.assign import SYSTEM
from watchword.campaigns.batch import cluster_features
from watchword.campaigns.engine import Features
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Campaign, Job, Report
from watchword.store.models_campaigns import CampaignHour, CampaignMember
from watchword.worker import Worker

WORKERS = 3
BATCH = 4  # small batches: many transactions, so the workers' assignments interleave


def _lure(n: int, to: str) -> bytes:
    return (
        f"From: HR Portal <hr@payroll{n}-update.top>\r\nTo: {to}\r\nSubject: Salary review {n}\r\n"
        f"Message-ID: <lure-{n}-{to}>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>Confirm your details: <a href="https://payroll{n}-update.top/review">review</a></p>\r\n'
    ).encode()


def _one_off(n: int) -> bytes:
    rng = random.Random(n)
    words = " ".join(
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 9))) for _ in range(40)
    )
    return (
        f"From: colleague{n}@firm{n}.example\r\nTo: me@corp.example\r\nSubject: note {n}\r\n"
        f"Message-ID: <one-off-{n}@firm{n}.example>\r\n\r\n{words}\r\n"
    ).encode()


def _corpus() -> list[bytes]:
    """Three personalised waves, eight lures to five recipients each, and unrelated one-offs, interleaved."""
    rng = random.Random(14)
    raws = [
        make_email(lure, rng, encoding=rng.choice(["8bit", "base64", "qp"]))
        for lure in ("payroll", "parcel", "mailbox")
        for _ in range(20)
    ]
    raws += [_lure(n % 8, f"user{n}@example.org") for n in range(40)]
    raws += [_one_off(n) for n in range(20)]
    random.Random(7).shuffle(raws)
    assert len(set(raws)) == len(raws)  # distinct bytes: reports, not sightings of one report
    return raws


def _partition(rt: Runtime) -> dict[frozenset[str], tuple[int, int, int, int]]:
    """Campaigns as sets of their reports' raw hashes (ids differ between stores), each with
    its counts as stored: members, reports, sightings, reporters."""
    groups: dict[int, set[str]] = {}
    with rt.db.session() as session:
        for sha, campaign_id in session.execute(select(Report.raw_sha256, Report.campaign_id)):
            assert campaign_id is not None
            groups.setdefault(campaign_id, set()).add(sha)
        counts = {
            c.id: (c.member_count, c.report_count, c.sighting_count, c.reporter_count)
            for c in session.scalars(select(Campaign).where(Campaign.id.in_(groups)))
        }
    return {frozenset(shas): counts[cid] for cid, shas in groups.items()}


def _assert_counts_match_members(rt: Runtime, total: int) -> None:
    """No update was lost: every campaign's counters are what its members say."""
    with rt.db.session() as session:
        for campaign in session.scalars(select(Campaign).where(Campaign.merged_into_id.is_(None))):
            members = session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)).all()
            assert campaign.member_count == len(members)
            assert campaign.report_count == sum(1 for m in members if not m.duplicate)
            assert campaign.reporter_count == len({m.reporter_key for m in members})
        system = session.scalar(select(func.sum(CampaignHour.count)).where(CampaignHour.campaign_id == SYSTEM))
        assert system == total


def test_the_corpus_partition_does_not_depend_on_the_order_of_reports() -> None:
    """The premise of the comparison below: workers take reports in another order than one
    worker does, so the corpus must be one whose campaigns do not depend on that order."""
    features = [Features.from_analysis(analyze_report("", raw).to_dict()) for raw in _corpus()]

    def partition(order: list[int]) -> set[frozenset[int]]:
        clusters = cluster_features([features[i] for i in order]).clusters
        groups: dict[int | None, set[int]] = {}
        for i, cluster in zip(order, clusters, strict=True):
            groups.setdefault(cluster, set()).add(i)
        return {frozenset(g) for g in groups.values()}

    first = partition(list(range(len(features))))
    assert 20 < len(first) < len(features) - 40  # the one-offs apart, the copies grouped
    for seed in range(3):
        order = list(range(len(features)))
        random.Random(seed).shuffle(order)
        assert partition(order) == first


@pytest.mark.slow  # three real worker processes on PostgreSQL; make test runs it
def test_several_worker_processes_on_one_postgresql_store_assign_as_one_worker_does(
    tmp_path: Path, pg_database_url: str
) -> None:
    raws = _corpus()
    settings = make_settings(tmp_path / "pg", pg_database_url)
    with open_runtime(settings, migrate=True) as rt:
        for raw in raws:
            submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=raw))
        # An earlier test in this process may have moved watchword.clock forward; the worker
        # processes read the system clock, and would see these jobs as not yet due.
        with rt.db.write() as session:
            session.execute(update(Job).values(run_after=dt.datetime.now(dt.UTC)))
        env = {
            **os.environ,
            "WATCHWORD_DATA_DIR": str(settings.data_dir),
            "WATCHWORD_DATABASE_URL": pg_database_url,
            "WATCHWORD_BLOB_DIR": str(settings.blob_dir),
            "WATCHWORD_SECRET_KEY_FILE": str(settings.secret_key_file),
        }
        command = [
            sys.executable,
            "-m",
            "watchword",
            "worker",
            "--once",
            "--processes",
            "1",
            "--batch-size",
            str(BATCH),
        ]
        workers = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(WORKERS)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=600)
            assert worker.returncode == 0, err.decode(errors="replace")[-2000:]
        with rt.db.session() as session:
            jobs = session.execute(select(Job.status, Job.attempts, Job.locked_by).where(Job.kind == "analyze")).all()
            errors = session.scalars(select(Job.last_error).where(Job.kind == "analyze", Job.last_error != "")).all()
        assert not errors, errors[0][:3000]
        assert len(jobs) == len(raws) and {status for status, _, _ in jobs} == {"done"}
        assert {attempts for _, attempts, _ in jobs} == {
            1
        }  # no job failed and was retried (no deadlock, no lost lease)
        assert len({who for _, _, who in jobs}) > 1  # the workers really shared the work
        _assert_counts_match_members(rt, len(raws))
        concurrent = _partition(rt)

    with open_runtime(make_settings(tmp_path / "alone", worker_batch_size=BATCH), migrate=True) as alone:
        for raw in raws:
            submit(alone, IncomingReport(channel=Channel.IMPORT, raw_email=raw))
        assert Worker(alone, processes=1).run_until_idle() == len(raws)
        _assert_counts_match_members(alone, len(raws))
        assert _partition(alone) == concurrent  # the same campaigns, each with the same counts
    assert {hashlib.sha256(raw).hexdigest() for raw in raws} == set().union(*concurrent)
