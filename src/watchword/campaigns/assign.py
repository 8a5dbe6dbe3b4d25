"""Campaign assignment after analysis, in the worker's result transaction.

`assign_campaign` is an after-analysis step (services/processing.py): it runs
the engine over the store, records membership, keeps the campaign's record
(first/last seen, counts, approach type, risk, representative, surge) up to
date incrementally, and hands the campaign's verdict to the report. It is
idempotent per report: a report that already has a membership keeps it
(re-analysis does not move reports; re-clustering does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    case,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from watchword.analysis.fingerprint import FINGERPRINT_VERSION
from watchword.analysis.titles import report_title
from watchword.campaigns.engine import ENGINE_VERSION, ClusterIndex, Features, Keys, features_of
from watchword.campaigns.store import BatchBackend, StoreBackend
from watchword.domain import Analysis
from watchword.domain.states import CampaignStatus
from watchword.store import audit
from watchword.store.models import Campaign, Report, Submission, utcnow
from watchword.store.models_campaigns import CampaignHour, CampaignIndexState, CampaignMember
from watchword.store.pgarray import among_ids, among_texts, int_array
from watchword.store.upsert import insert_ignore, upsert

log = logging.getLogger("watchword.campaigns")

INDEX_VERSION = f"engine={ENGINE_VERSION};fingerprint={FINGERPRINT_VERSION}"
SYSTEM = 0  # campaign_hours row for the whole system

# Surge: a campaign is surging when its last two hours hold at least
# SURGE_MIN reports, at SURGE_FACTOR times its own hourly baseline, and it is
# rising at least twice as fast as the rest of the system (a backlog import
# or a flood that lifts every campaign is not one campaign's surge).
SURGE_MIN = 5
SURGE_FACTOR = 4.0
BASELINE_FLOOR = 0.25  # reports/hour: a quiet campaign's first burst still has a finite ratio
BASELINE_HOURS = 24 * 7


def _hour(at: dt.datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return int(at.timestamp() // 3600)


def _as_utc(at: dt.datetime) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


def reporter_key(report_id: int, result: dict[str, Any]) -> str:
    """Who was approached, hashed: the forwarding reporter, else the original recipient, else this report."""
    who = (result.get("wrapper") or {}).get("reporter_address") or ""
    if not who and result.get("kind") == "email":
        who = ((result.get("headers") or {}).get("to") or "").strip().lower()
    return hashlib.sha256((who or f"report:{report_id}").encode()).hexdigest()[:32]


def check_index_version(session: Session) -> bool:
    """Record the index format on first use; False when the stored index is of another format."""
    known = session.info.get("campaign_index_matches")
    if known is not None:  # asked once per transaction (a worker's batch asks for every report)
        return bool(known)
    state = session.get(CampaignIndexState, "index")
    if state is None:
        # Two workers may both find it missing: the second insert is a no-op, then both read it.
        session.execute(insert_ignore(session, CampaignIndexState, "name").values(name="index", value=INDEX_VERSION))
        state = session.get(CampaignIndexState, "index")
    matches = state is not None and state.value == INDEX_VERSION
    session.info["campaign_index_matches"] = matches
    return matches


def assign_campaign(session: Session, report: Report, analysis: Analysis) -> None:
    member = session.get(CampaignMember, report.id)
    if analysis.scope == "out_of_scope":
        # Safety rule: never linked into a campaign, whatever it resembles.
        if member is not None:
            session.delete(member)
        report.campaign_id = None
        return
    if member is not None:
        return
    feats = features_of(analysis)
    if feats is None:
        return
    # On PostgreSQL the backend locks the shards of this report's keys before reading their
    # postings, and the campaigns they lead to (campaigns/locks.py): two workers cannot both
    # found a campaign for two copies of one wave, and reports of other waves do not wait.
    if not check_index_version(session):
        log.warning("campaign index has another format than %s: run `watchword recluster`", INDEX_VERSION)
    result = ClusterIndex(StoreBackend(session)).assign(feats)
    campaign = session.get(Campaign, result.cluster)
    assert campaign is not None
    rkey = reporter_key(report.id, {"wrapper": analysis.wrapper, "kind": analysis.kind, "headers": analysis.headers})
    new_reporter = (
        session.scalar(
            select(CampaignMember.report_id)
            .where(CampaignMember.campaign_id == campaign.id, CampaignMember.reporter_key == rkey)
            .limit(1)
        )
        is None
    )
    session.add(
        CampaignMember(
            report_id=report.id,
            campaign_id=campaign.id,
            content_hash=feats.content_hash[:32],
            duplicate=result.duplicate,
            reporter_key=rkey,
            reasons=result.reasons[:6],
        )
    )
    report.campaign_id = campaign.id
    if campaign.verdict is not None:
        report.verdict = campaign.verdict  # a verdict reaches reports that join later
    if result.absorbed:
        for gone in result.absorbed:
            audit.record(
                session,
                "system",
                "campaign.bridged",
                "campaign",
                campaign.id,
                {"absorbed": gone, "by_report": report.id, "reasons": result.reasons[:4]},
            )
        session.flush()
        refresh_stats(session, campaign)
    else:
        _add_to_stats(campaign, report, analysis, result.duplicate, new_reporter)
    count_hour(session, campaign, report.created_at)


def assign_batch(
    session: Session,
    items: Sequence[tuple[Report, Analysis]],
    prepared: Mapping[int, tuple[Features | None, Keys | None]] | None = None,
) -> dict[int, Campaign]:
    """`assign_campaign` for a worker's batch, in order, with set-at-a-time reads and writes.

    The engine sees exactly what it would see one report at a time (the batch's
    own postings are visible to its later reports through `BatchBackend`); what
    changes is the number of statements: one posting read and one posting write,
    one membership insert, one reporter-key read, one hour-count upsert and one
    surge read per batch, instead of a dozen statements per report. Memberships
    and campaign ids are written with the final campaign of each report, which is
    where a merge later in the batch would have moved them.

    Returns the campaign rows it read or made, by id: held by the caller for the
    batch's later steps (the session's identity map would let them go, and each
    later `session.get` would read one again). `prepared` gives, by report id, the
    features and posting keys already computed from the analysis (`features_of`,
    `ClusterIndex.keys_of`: the worker's pool computes them beside the pipeline).
    """
    if not items:
        return {}
    ids = [report.id for report, _ in items]
    members = {
        m.report_id: m
        for m in session.scalars(select(CampaignMember).where(among_ids(CampaignMember.report_id, ids, session)))
    }
    todo: list[tuple[Report, Analysis, Features]] = []
    keys: list[Keys] = []
    for report, analysis in items:
        if analysis.scope == "out_of_scope":
            if report.id in members:
                session.delete(members[report.id])
            report.campaign_id = None
            continue
        feats, each = prepared[report.id] if prepared and report.id in prepared else (features_of(analysis), None)
        if report.id in members or feats is None:
            continue
        todo.append((report, analysis, feats))
        keys.append(each if each is not None else ClusterIndex.keys_of(feats))
    if not todo:
        return {}
    if not check_index_version(session):
        log.warning("campaign index has another format than %s: run `watchword recluster`", INDEX_VERSION)
    backend = BatchBackend(session)
    backend.preload(key for each in keys for key in ClusterIndex.lookup_keys(each))
    index = ClusterIndex(backend)
    done = [
        (report, analysis, feats, index.assign(feats, each))
        for (report, analysis, feats), each in zip(todo, keys, strict=True)
    ]
    postgres = session.get_bind().dialect.name == "postgresql"
    with session.no_autoflush:  # one flush below, once every campaign row has its new values
        root_of = {report.id: backend.find(result.cluster) for report, _, _, result in done}
        rkeys = {
            report.id: reporter_key(report.id, {"wrapper": a.wrapper, "kind": a.kind, "headers": a.headers})
            for report, a, _, _ in done
        }
        known_pairs: set[tuple[int, str]] = {
            (cid, key)
            for cid, key in session.execute(
                select(CampaignMember.campaign_id, CampaignMember.reporter_key).where(
                    among_ids(CampaignMember.campaign_id, set(root_of.values()), session),
                    among_texts(CampaignMember.reporter_key, set(rkeys.values()), session),
                )
            )
        }
        bridged: set[int] = set()
        hours: Counter[tuple[int, int]] = Counter()
        last_hour: dict[int, int] = {}
        for report, analysis, _, result in done:
            root = root_of[report.id]
            campaign = backend.campaign(root)
            set_committed_value(report, "campaign_id", root)  # written below, in one statement
            if campaign.verdict is not None:
                report.verdict = campaign.verdict  # a verdict reaches reports that join later
            for gone in result.absorbed:
                bridged.add(root)
                audit.record(
                    session,
                    "system",
                    "campaign.bridged",
                    "campaign",
                    result.cluster,
                    {"absorbed": gone, "by_report": report.id, "reasons": result.reasons[:4]},
                )
            new_reporter = (root, rkeys[report.id]) not in known_pairs
            known_pairs.add((root, rkeys[report.id]))
            if root not in bridged:
                _add_to_stats(campaign, report, analysis, result.duplicate, new_reporter)
            hour = _hour(report.created_at)
            hours[(root, hour)] += 1
            hours[(SYSTEM, hour)] += 1
            last_hour[root] = hour
    # The batch's new campaigns inserted (the memberships below refer to them) and every
    # grown one updated, in one executemany: the same columns for each (uniform_update).
    uniform_update(backend.rows.values(), _STATS)
    session.flush()
    # The reports' campaigns in one statement (after the flush: new campaigns exist now), not
    # an UPDATE per report from the unit of work (issue 14): over arrays on PostgreSQL, one
    # executemany on SQLite (whose write lock the intake waits for meanwhile).
    if postgres:
        session.execute(
            _PG_REPORT_CAMPAIGNS,
            {
                "ids": int_array(report.id for report, *_ in done),
                "campaigns": int_array(root_of[report.id] for report, *_ in done),
            },
        )
    else:
        session.connection().execute(
            _SQLITE_REPORT_CAMPAIGNS, [{"rid": report.id, "cid": root_of[report.id]} for report, *_ in done]
        )
    backend.flush_postings()
    session.connection().execute(
        insert(CampaignMember),
        [
            {
                "report_id": report.id,
                "campaign_id": root_of[report.id],
                "content_hash": feats.content_hash[:32],
                "duplicate": result.duplicate,
                "reporter_key": rkeys[report.id],
                "reasons": result.reasons[:6],
            }
            for report, _, feats, result in done
        ],
    )
    for root in bridged:
        refresh_stats(session, backend.campaign(root))  # recomputed from every member, this batch's included
    _count_hours(session, hours)
    for hour in set(last_hour.values()):
        roots = [root for root, h in last_hour.items() if h == hour]
        for root, surging in surging_of(session, roots, hour).items():
            backend.campaign(root).surging = surging
    return dict(backend.rows)


_PG_REPORT_CAMPAIGNS = text(
    "UPDATE reports SET campaign_id = u.c FROM unnest(CAST(:ids AS bigint[]), CAST(:campaigns AS bigint[])) "
    "AS u(id, c) WHERE reports.id = u.id"
)

_REPORTS = cast(Table, Report.__table__)
_SQLITE_REPORT_CAMPAIGNS = (
    update(_REPORTS).where(_REPORTS.c.id == bindparam("rid")).values(campaign_id=bindparam("cid"))
)

# What assignment changes on a campaign row: written for every campaign of a batch alike.
_STATS = (
    "title",
    "approach_type",
    "risk",
    "first_seen",
    "last_seen",
    "report_count",
    "sighting_count",
    "reporter_count",
    "representative_report_id",
    "facts",
    "member_count",
)


def uniform_update(campaigns: Iterable[Campaign], columns: Sequence[str]) -> None:
    """Mark these columns changed on every stored campaign of the batch that changed.

    The unit of work groups UPDATEs by the set of columns they change: campaigns that
    changed different columns cost one statement each, the same columns one executemany
    for all (a round trip per batch instead of per campaign on PostgreSQL). A campaign
    the batch only read (a candidate its posting lists named, locked and left as it was)
    is not written: flagged, it was rewritten unchanged, about 1,900 rows of 3,300 over
    2,000 distinct reports (issue 14), each a new row version with its index entries.
    """
    for campaign in campaigns:
        state = inspect(campaign)
        if state.persistent and not state.deleted and state.modified:
            for column in columns:
                if column in state.dict:  # an expired attribute is not written (nor can be flagged)
                    flag_modified(campaign, column)


def _count_hours(session: Session, counts: Counter[tuple[int, int]]) -> None:
    stmt = upsert(session, _HOURS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "hour"], set_={"count": _HOURS.c.count + stmt.excluded.count}
    )
    # Sorted: every worker takes the hour rows' locks in one order.
    rows = [{"campaign_id": cid, "hour": hour, "count": n} for (cid, hour), n in sorted(counts.items())]
    session.connection().execute(stmt, rows)


def _add_to_stats(campaign: Campaign, report: Report, analysis: Analysis, duplicate: bool, new_reporter: bool) -> None:
    created = _as_utc(report.created_at)
    if campaign.report_count == 0 and campaign.sighting_count == 0:
        campaign.first_seen = created
        campaign.last_seen = created
    campaign.first_seen = min(_as_utc(campaign.first_seen), created)
    campaign.last_seen = max(_as_utc(campaign.last_seen), created)
    if not duplicate:
        campaign.report_count += 1
    campaign.sighting_count += report.sightings or 1
    campaign.reporter_count += 1 if new_reporter else 0
    if campaign.representative_report_id is None:
        campaign.representative_report_id = report.id
        # What its reports share (the approach and the act), not the first words of one reporter.
        campaign.title = (report_title(analysis) or analysis.body_text[:120]).strip()[:300]
    facts = dict(campaign.facts or {})
    approaches = Counter(facts.get("approaches", {}))
    approaches[analysis.approach_type] += 1
    facts["approaches"] = dict(approaches)
    campaign.facts = facts
    campaign.approach_type = _approach(approaches)
    campaign.risk = max(campaign.risk or 0.0, analysis.risk)


def _approach(counts: Counter[str]) -> str:
    # The most frequent approach type; a specific type beats "benign" and
    # "scam_or_spam" when it is at least a quarter of the reports, because a
    # classifier that misses the lure on some copies should not hide it.
    total = sum(counts.values())
    specific = [(n, t) for t, n in counts.items() if t not in ("benign", "scam_or_spam", "")]
    if specific:
        n, kind = max(specific)
        if n * 4 >= total:
            return kind
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0] if counts else "benign"


def refresh_stats(session: Session, campaign: Campaign) -> None:
    """Recompute a campaign's record from its members (after a merge, split or re-clustering)."""
    rows = session.execute(
        select(
            Report.id,
            Report.created_at,
            Report.sightings,
            Report.approach_type,
            Report.risk,
            Report.subject,
            CampaignMember.duplicate,
            CampaignMember.reporter_key,
        )
        .join(CampaignMember, CampaignMember.report_id == Report.id)
        .where(CampaignMember.campaign_id == campaign.id)
        .order_by(Report.id)
    ).all()
    campaign.member_count = len(rows)
    campaign.report_count = sum(1 for r in rows if not r.duplicate)
    campaign.sighting_count = sum(r.sightings or 1 for r in rows)
    campaign.reporter_count = len({r.reporter_key for r in rows})
    if not rows:
        campaign.status = CampaignStatus.EMPTY if campaign.merged_into_id is None else CampaignStatus.MERGED
        campaign.representative_report_id = None
        return
    if campaign.merged_into_id is None and campaign.status in (CampaignStatus.EMPTY, CampaignStatus.MERGED):
        campaign.status = CampaignStatus.OPEN  # brought back to life by a re-clustering
    campaign.first_seen = min(_as_utc(r.created_at) for r in rows)
    campaign.last_seen = max(_as_utc(r.created_at) for r in rows)
    approaches = Counter(r.approach_type or "benign" for r in rows)
    campaign.facts = {**(campaign.facts or {}), "approaches": dict(approaches)}
    campaign.approach_type = _approach(approaches)
    campaign.risk = max(r.risk or 0.0 for r in rows)
    first = rows[0]
    campaign.representative_report_id = first.id
    campaign.title = (first.subject or campaign.title or "").strip()[:300]


def count_hour(session: Session, campaign: Campaign, at: dt.datetime) -> None:
    hour = _hour(at)
    session.flush()  # the campaign row (a new one) must exist before its hour row
    stmt = upsert(session, _HOURS)
    stmt = stmt.on_conflict_do_update(index_elements=["campaign_id", "hour"], set_={"count": _HOURS.c.count + 1})
    # One statement for the campaign's row and the system's (executemany).
    session.connection().execute(
        stmt,
        [{"campaign_id": campaign.id, "hour": hour, "count": 1}, {"campaign_id": SYSTEM, "hour": hour, "count": 1}],
    )
    campaign.surging = is_surging(session, campaign.id, hour)


_HOURS = CampaignHour.__table__
_RECENT = _HOURS.c.hour > bindparam("recent_from")


def _windows_of(ids: ColumnElement[bool]) -> Select[Any]:
    return (
        select(
            _HOURS.c.campaign_id,
            func.coalesce(func.sum(case((_RECENT, _HOURS.c.count), else_=0)), 0),
            func.coalesce(func.sum(case((_RECENT, 0), else_=_HOURS.c.count)), 0),
        )
        .where(ids, _HOURS.c.hour > bindparam("since"), _HOURS.c.hour <= bindparam("now_hour"))
        .group_by(_HOURS.c.campaign_id)
    )


# Both windows of both series in one statement, built once (building costs more than running it);
# on PostgreSQL the ids as one array (one statement text for any count: see store/pgarray.py).
_WINDOWS = _windows_of(_HOURS.c.campaign_id.in_(bindparam("ids", expanding=True)))
_PG_WINDOWS = _windows_of(_HOURS.c.campaign_id == any_(sql_cast(bindparam("ids", type_=Text), ARRAY(BigInteger))))


def _windows(session: Session, campaign_ids: list[int], now_hour: int) -> dict[int, tuple[int, int]]:
    """Per series: (reports in the last two hours, reports in the week before them)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = session.connection().execute(
        _PG_WINDOWS if postgres else _WINDOWS,
        {
            "ids": int_array(campaign_ids) if postgres else campaign_ids,
            "recent_from": now_hour - 2,
            "since": now_hour - 2 - BASELINE_HOURS,
            "now_hour": now_hour,
        },
    )
    return {int(cid): (int(recent), int(before)) for cid, recent, before in rows}


def is_surging(session: Session, campaign_id: int, now_hour: int | None = None) -> bool:
    now_hour = _hour(utcnow()) if now_hour is None else now_hour
    return surging_of(session, [campaign_id], now_hour)[campaign_id]


def surging_of(session: Session, campaign_ids: list[int], now_hour: int) -> dict[int, bool]:
    """Whether each campaign is surging at `now_hour`, from one read of the hour counts."""
    session.flush()  # the windows are read with Core: pending counts must be in the database
    windows = _windows(session, [*campaign_ids, SYSTEM], now_hour)
    return {cid: _surging(windows, cid) for cid in campaign_ids}


def _surging(windows: dict[int, tuple[int, int]], campaign_id: int) -> bool:
    recent, before = windows.get(campaign_id, (0, 0))
    if recent < SURGE_MIN:
        return False
    rate = recent / 2
    ratio = rate / max(before / BASELINE_HOURS, BASELINE_FLOOR)
    sys_recent, sys_before = windows.get(SYSTEM, (0, 0))
    # The rest of the system, without this campaign: if it rises as fast, the
    # rise is everyone's (an import, a flood), not this campaign's.
    rest = ((sys_recent - recent) / 2) / max((sys_before - before) / BASELINE_HOURS, BASELINE_FLOOR)
    return ratio >= SURGE_FACTOR and ratio >= 2 * rest


def sightings_by_campaign(session: Session, campaign_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(reports, sightings) per campaign, live: sightings added by intake after assignment count too."""
    if not campaign_ids:
        return {}
    rows = session.execute(
        select(Report.campaign_id, func.count(func.distinct(Report.id)), func.count(Submission.id))
        .join(Submission, Submission.report_id == Report.id)
        .where(Report.campaign_id.in_(campaign_ids))
        .group_by(Report.campaign_id)
    )
    return {cid: (reports, sightings) for cid, reports, sightings in rows if cid is not None}
