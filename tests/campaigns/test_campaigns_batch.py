"""The worker's batch assignment against assignment one report at a time: the same campaigns,
the same campaign records, memberships and hour counts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.analyses import make_analysis
from tests.support.settings import make_settings
from tests.support.stored import store_reports
from watchword.analysis.fingerprint import NUM_PERM
from watchword.campaigns.assign import assign_batch, assign_campaign
from watchword.domain import Analysis, Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import AuditEvent, Campaign, Report
from watchword.store.models_campaigns import CampaignHour, CampaignMember

# One worker runs the module, so both stores' runs share the one-at-a-time reference (one_by_one).
pytestmark = pytest.mark.xdist_group("campaigns-batch")

TOTAL = 420
START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def _analyses(seed: int) -> list[Analysis]:
    """Near-duplicate families, some reports carrying a neighbouring family's kit (so they
    bridge campaigns), exact copies, shared senders, out-of-scope reports and one-offs."""
    rng = random.Random(seed)
    families = [[rng.randrange(2**32) for _ in range(NUM_PERM)] for _ in range(30)]
    out: list[Analysis] = []
    for n in range(TOTAL):
        roll = rng.random()
        keys = [f"sdomain:sender{rng.randrange(40)}.example"]
        if roll < 0.65:
            fam = rng.randrange(len(families))
            sig = [v if rng.random() > 0.08 else rng.randrange(2**32) for v in families[fam]]
            keys.append(f"url:kit{fam}.example/login")
            if rng.random() < 0.1:  # another family's kit too: this report bridges the two campaigns
                keys.append(f"url:kit{(fam + 1) % len(families)}.example/login")
            content = f"f{fam}-{rng.randrange(3)}"  # exact copies within a family
            approach = rng.choice(["credential_phishing", "credential_phishing", "malware_delivery"])
        else:
            sig = [rng.randrange(2**32) for _ in range(NUM_PERM)]
            content = f"one-off-{n}"
            approach = rng.choice(["benign", "scam_or_spam", "elicitation"])
        scope = "out_of_scope" if rng.random() < 0.04 else "in_scope"
        out.append(
            make_analysis(
                kind="email",
                subject=f"Subject {n % 37}",
                approach_type=approach,
                scope=scope,
                risk=round(rng.random(), 3),
                body_text=f"body {content}",
                content_hash=content,
                shingles=sig,
                headers={"to": f"user{rng.randrange(60)}@corp.example"},
                campaign_keys=keys,
            )
        )
    return out


def _store(rt: Runtime) -> list[int]:
    """TOTAL reports, spread over 30 hours."""
    # Many to a transaction (tests/support/stored.py): assignment, not intake, is compared here.
    ids = store_reports(rt, [IncomingReport(channel=Channel.API, text=f"report {n}") for n in range(TOTAL)])
    with rt.db.write() as session:
        for n, rid in enumerate(ids):
            report = session.get(Report, rid)
            assert report is not None
            report.created_at = START + dt.timedelta(minutes=4 * n)
    return ids


def _outcome(rt: Runtime, ids: list[int]) -> dict[str, Any]:
    """Everything assignment writes, with campaign ids renamed by first appearance."""
    with rt.db.session() as session:
        by_report = dict(session.execute(select(Report.id, Report.campaign_id)).all())
        names: dict[int, int] = {}
        for rid in ids:
            if by_report[rid] is not None:
                names.setdefault(by_report[rid], len(names))
        order = {rid: n for n, rid in enumerate(ids)}
        campaigns = {
            names[c.id]: (
                c.member_count,
                c.report_count,
                c.sighting_count,
                c.reporter_count,
                c.approach_type,
                c.risk,
                c.first_seen.replace(tzinfo=None),
                c.last_seen.replace(tzinfo=None),
                c.title,
                c.surging,
                order.get(c.representative_report_id or -1),
            )
            for c in session.scalars(select(Campaign).where(Campaign.id.in_(names)))
        }
        members = {
            order[m.report_id]: (names[m.campaign_id], m.duplicate, m.reporter_key, tuple(m.reasons))
            for m in session.scalars(select(CampaignMember))
        }
        hours = {
            (names.get(h.campaign_id, -1) if h.campaign_id else "system", h.hour): h.count
            for h in session.scalars(select(CampaignHour))
            if h.campaign_id == 0 or h.campaign_id in names
        }
        bridged = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "campaign.bridged")).all()
    return {
        "partition": [names.get(by_report[rid]) if by_report[rid] is not None else None for rid in ids],
        "campaigns": campaigns,
        "members": members,
        "hours": hours,
        "bridges": len(bridged),
    }


def _one_by_one(tmp_path: Path, analyses: list[Analysis]) -> dict[str, Any]:
    with open_runtime(make_settings(tmp_path / "one-by-one")) as rt:
        ids = _store(rt)
        with rt.db.write() as session:
            for rid, analysis in zip(ids, analyses, strict=True):
                report = session.get(Report, rid)
                assert report is not None
                assign_campaign(session, report, analysis)
        outcome = _outcome(rt, ids)
    return outcome


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reference, made once for both stores: assignment one at a time always runs on its own
    SQLite store from the same seeded analyses, so the [sqlite] and [postgresql] runs compared
    the same outcome computed twice (about 60 % of each run's time)."""
    return _one_by_one(tmp_path_factory.mktemp("one-by-one"), _analyses(41))


def test_batch_assignment_writes_what_assignment_one_at_a_time_writes(
    any_rt: Runtime, one_by_one: dict[str, Any]
) -> None:
    analyses = _analyses(41)  # the reference's analyses, made afresh: a run never sees another's objects
    expected = one_by_one
    ids = _store(any_rt)
    sizes = [1, 7, 50, 3, 120]  # batches of several sizes, a transaction each
    start = 0
    while start < len(ids):
        size = sizes[start % len(sizes)]
        with any_rt.db.write() as session:
            chunk = ids[start : start + size]
            reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(chunk)))}
            assign_batch(session, [(reports[rid], analyses[start + i]) for i, rid in enumerate(chunk)])
        start += size
    got = _outcome(any_rt, ids)
    assert expected["bridges"] > 0  # the data really bridges campaigns, inside and across batches
    assert got["partition"] == expected["partition"]
    assert got["members"] == expected["members"]
    assert got["campaigns"] == expected["campaigns"]
    assert got["hours"] == expected["hours"]
    assert got["bridges"] == expected["bridges"]
    assert 10 < len(expected["campaigns"]) < TOTAL // 2


def _steps_outcome(rt: Runtime) -> tuple[set[frozenset[str]], dict[frozenset[str], tuple[Any, ...]]]:
    """Campaigns named by their members' subjects and recipients, with what the steps after
    assignment leave on them (priority, surge, counts)."""
    with rt.db.session() as session:
        rows = session.execute(select(Report.campaign_id, Report.subject, Report.id)).all()
        members: dict[int, set[str]] = {}
        for cid, subject, rid in rows:
            if cid is not None:
                members.setdefault(cid, set()).add(f"{subject}|{rid}")
        campaigns = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(members)))}
        records = {
            frozenset(names): (
                campaigns[cid].priority,
                campaigns[cid].surging,
                campaigns[cid].report_count,
                campaigns[cid].reporter_count,
            )
            for cid, names in members.items()
        }
    return {frozenset(m) for m in members.values()}, records


def test_the_worker_batch_leaves_what_the_steps_one_report_at_a_time_leave(tmp_path: Path) -> None:
    """Real mail (three lures, personalised copies, exact copies) through every after-analysis
    step: one report at a time (`processing.apply`) and in batches (`processing.apply_batch`,
    with what it derives from each analysis computed inside or, as the worker does, before the transaction)
    leave the same campaigns with the same priorities, surges and counts."""
    from tests.support.campaign_mail import make_email
    from watchword.pool import derive
    from watchword.services import processing

    rng = random.Random(5)
    raws = [make_email(rng.choice(["payroll", "parcel", "mailbox"]), rng) for _ in range(45)]
    raws += raws[:6]  # exact copies: sightings of one report
    outcomes = []
    for name, batch, beforehand in (("one-by-one", 1, False), ("batched", 16, False), ("facts first", 16, True)):
        with open_runtime(make_settings(tmp_path / name)) as rt:
            ids = [submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=raw)).report_id for raw in raws]
            ids = list(dict.fromkeys(ids))
            analyses = {}
            with rt.db.session() as session:
                for rid in ids:
                    report = session.get(Report, rid)
                    assert report is not None
                    analyses[rid] = processing.analyse(rt, report)
            for start in range(0, len(ids), batch):
                with rt.db.write() as session:
                    chunk = ids[start : start + batch]
                    reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(chunk)))}
                    if batch == 1:
                        processing.apply(session, reports[chunk[0]], analyses[chunk[0]])
                    else:
                        derived = {rid: derive(analyses[rid]) for rid in chunk} if beforehand else None
                        processing.apply_batch(session, [(reports[rid], analyses[rid], None) for rid in chunk], derived)
            outcomes.append(_steps_outcome(rt))
    (groups_one, records_one), (groups_batch, records_batch), (groups_first, records_first) = outcomes
    assert groups_one == groups_batch == groups_first
    assert records_one == records_batch == records_first
    assert 2 <= len(groups_one) < len(raws) // 3  # the lures really were grouped
    assert all(priority > 0 for priority, *_ in records_one.values())
