"""Analysts' use cases on campaigns: list, detail, merge, split, verdict, re-cluster.

Plain functions over a session, called the same way by the CLI and the
console. Every mutation writes an audit event in the same transaction, and
merges, splits and verdicts are also stored as decisions anchored on reports
(`campaign_decisions`) so that `recluster` can replay them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from watchword.campaigns.assign import (
    INDEX_VERSION,
    SYSTEM,
    _hour,
    refresh_stats,
    reporter_key,
)
from watchword.campaigns.engine import ClusterIndex, Features, MemoryBackend
from watchword.campaigns.errors import CampaignConflict, CampaignError, CampaignNotFound
from watchword.campaigns.queries import root_campaign
from watchword.campaigns.store import merge_rows
from watchword.domain import Verdict
from watchword.domain.states import DecisionKind
from watchword.store import audit
from watchword.store.models import (
    AnalysisRecord,
    Campaign,
    Report,
    utcnow,
)
from watchword.store.models_campaigns import (
    CampaignDecision,
    CampaignHour,
    CampaignIndexState,
    CampaignMember,
    CampaignPosting,
)

_BULK = 1000


_root = root_campaign


def _anchor(session: Session, campaign_id: int) -> int | None:
    return session.scalar(select(func.min(Report.id)).where(Report.campaign_id == campaign_id))


# -- analysts' decisions ------------------------------------------------------------


def merge_campaigns(session: Session, keep_id: int, gone_id: int, actor: str, note: str = "") -> Campaign:
    """Merge campaign `gone_id` into `keep_id`; its reports, sightings and (if `keep` has none) verdict move."""
    keep, gone = _root(session, keep_id), _root(session, gone_id)
    if keep.id == gone.id:
        raise CampaignConflict(f"campaigns {keep_id} and {gone_id} are already one campaign ({keep.id})")
    a, b = _anchor(session, keep.id), _anchor(session, gone.id)
    if a is None or b is None:
        raise CampaignConflict("an empty campaign cannot be merged")
    merge_rows(session, keep.id, gone.id)
    session.flush()
    refresh_stats(session, keep)
    refresh_stats(session, gone)
    session.add(CampaignDecision(actor=actor, kind=DecisionKind.MERGE, report_id=a, other_report_id=b, note=note))
    audit.record(
        session,
        actor,
        "campaign.merge",
        "campaign",
        keep.id,
        {"merged": gone.id, "note": note, "reports": keep.member_count},
    )
    return keep


def split_report(session: Session, report_id: int, actor: str, note: str = "") -> Campaign:
    """Take one report out of its campaign into a campaign of its own, pinned there."""
    report = session.get(Report, report_id)
    member = session.get(CampaignMember, report_id)
    if report is None:
        raise CampaignNotFound(f"report {report_id} does not exist")
    if member is None or report.campaign_id is None:
        raise CampaignConflict(f"report {report_id} is not in a campaign")
    old = _root(session, report.campaign_id)
    now = utcnow()
    new = Campaign(risk_class=old.risk_class, member_count=0, first_seen=now, last_seen=now, facts={})
    session.add(new)
    session.flush()
    member.campaign_id = new.id
    member.pinned = True
    member.duplicate = False
    report.campaign_id = new.id
    report.verdict = None  # the old campaign's verdict was about the others
    session.flush()
    refresh_stats(session, old)
    refresh_stats(session, new)
    session.add(CampaignDecision(actor=actor, kind=DecisionKind.SPLIT, report_id=report_id, note=note))
    audit.record(session, actor, "campaign.split", "report", report_id, {"from": old.id, "to": new.id, "note": note})
    return new


def add_report(session: Session, report_id: int, campaign_id: int, actor: str) -> Campaign:
    """Put a report that is in no campaign into one, pinned there (re-clustering keeps it, as after a split);
    it takes the campaign's verdict."""
    report = session.get(Report, report_id)
    if report is None:
        raise CampaignNotFound(f"report {report_id} does not exist")
    if report.campaign_id is not None:
        raise CampaignConflict(f"report {report_id} is already in campaign {report.campaign_id}: split it out first")
    campaign = _root(session, campaign_id)
    if campaign.status in ("empty", "merged"):
        raise CampaignConflict(f"campaign {campaign.id} has no reports to join")
    result = session.scalar(select(AnalysisRecord.result).where(AnalysisRecord.report_id == report_id)) or {}
    session.execute(delete(CampaignMember).where(CampaignMember.report_id == report_id))  # none expected; never two
    session.add(
        CampaignMember(
            report_id=report_id,
            campaign_id=campaign.id,
            pinned=True,
            reporter_key=reporter_key(report_id, result),
            reasons=[f"added by {actor}"],
        )
    )
    report.campaign_id = campaign.id
    report.verdict = campaign.verdict
    session.flush()
    refresh_stats(session, campaign)
    audit.record(session, actor, "campaign.add_report", "report", report_id, {"campaign": campaign.id})
    return campaign


def set_verdict(session: Session, campaign_id: int, verdict: str, actor: str, note: str = "") -> Campaign:
    """Set the campaign's verdict; it reaches every report now in it and every report that joins later."""
    try:
        value = Verdict(verdict).value
    except ValueError:
        raise CampaignError(f"unknown verdict {verdict!r}: one of {', '.join(v.value for v in Verdict)}") from None
    campaign = _root(session, campaign_id)
    anchor = _anchor(session, campaign.id)
    if anchor is None:
        raise CampaignConflict(f"campaign {campaign.id} has no reports")
    previous = campaign.verdict
    campaign.verdict, campaign.verdict_note, campaign.verdict_at = value, note, utcnow()
    changed = session.scalar(select(func.count(Report.id)).where(Report.campaign_id == campaign.id)) or 0
    session.execute(update(Report).where(Report.campaign_id == campaign.id).values(verdict=value))
    session.add(CampaignDecision(actor=actor, kind=DecisionKind.VERDICT, report_id=anchor, verdict=value, note=note))
    audit.record(
        session,
        actor,
        "campaign.verdict",
        "campaign",
        campaign.id,
        {"verdict": value, "previous": previous, "note": note, "reports": changed},
    )
    return campaign


# -- re-clustering ------------------------------------------------------------------------


@dataclass(slots=True)
class ReclusterResult:
    reports: int
    campaigns: int
    kept_ids: int
    new_ids: int
    seconds: float


def recluster(session: Session, actor: str = "system") -> ReclusterResult:
    """Rebuild every campaign from the stored analyses with the same engine as the worker.

    Reports are replayed in id order (the worker's order), analysts' merges
    are replayed on top, split reports stay pinned where the analyst put them,
    and each rebuilt campaign keeps the id of the old campaign it overlaps
    most, so links, verdicts and notes stay where analysts left them.
    """
    started = utcnow()
    pinned = dict(
        session.execute(
            select(CampaignMember.report_id, CampaignMember.campaign_id).where(CampaignMember.pinned.is_(True))
        ).all()
    )
    old_keys = dict(session.execute(select(CampaignMember.report_id, CampaignMember.reporter_key)).all())
    backend = MemoryBackend()
    index = ClusterIndex(backend)
    assigned: dict[int, tuple[int, bool, list[str], str, str]] = {}
    old_of: dict[int, int | None] = {}
    unlinked: list[int] = []
    rows = session.execute(
        select(Report, AnalysisRecord.result)
        .join(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .order_by(Report.id)
        .execution_options(yield_per=_BULK)
    )
    for report, result in rows:
        if report.id in pinned:
            continue
        feats = Features.from_analysis(result)
        if feats is None:
            unlinked.append(report.id)
            continue
        a = index.assign(feats)
        rkey = old_keys.get(report.id) or reporter_key(report.id, result)
        assigned[report.id] = (a.cluster, a.duplicate, a.reasons[:6], feats.content_hash[:32], rkey)
        old_of[report.id] = report.campaign_id
    for a_id, b_id in session.execute(
        select(CampaignDecision.report_id, CampaignDecision.other_report_id)
        .where(CampaignDecision.kind == "merge")
        .order_by(CampaignDecision.id)
    ):
        if a_id in assigned and b_id in assigned:
            index.merge(assigned[a_id][0], assigned[b_id][0])

    groups: dict[int, list[int]] = defaultdict(list)
    for report_id, (cluster, *_rest) in assigned.items():
        groups[backend.find(cluster)].append(report_id)
    reserved = set(pinned.values())
    taken: set[int] = set()
    mapping: dict[int, int] = {}
    kept = 0
    for root, members in sorted(groups.items(), key=lambda item: (-len(item[1]), min(item[1]))):
        votes = Counter(old_of[r] for r in members if old_of[r] is not None)
        choice = next((cid for cid, _ in votes.most_common() if cid not in taken and cid not in reserved), None)
        if choice is None:
            now = utcnow()
            campaign = Campaign(risk_class=backend.cluster_class(root), first_seen=now, last_seen=now, facts={})
            session.add(campaign)
            session.flush()
            choice = campaign.id
        else:
            kept += 1
        taken.add(choice)
        mapping[root] = choice

    session.execute(delete(CampaignPosting))
    session.execute(delete(CampaignMember).where(CampaignMember.pinned.is_(False)))
    session.execute(delete(CampaignHour))
    report_rows = [{"id": r, "campaign_id": None} for r in unlinked]
    member_rows = []
    for report_id, (cluster, duplicate, reasons, content_hash, rkey) in assigned.items():
        cid = mapping[backend.find(cluster)]
        report_rows.append({"id": report_id, "campaign_id": cid})
        member_rows.append(
            {
                "report_id": report_id,
                "campaign_id": cid,
                "content_hash": content_hash,
                "duplicate": duplicate,
                "pinned": False,
                "reporter_key": rkey,
                "reasons": reasons,
                "assigned_at": started,
            }
        )
    for start in range(0, len(report_rows), _BULK):
        session.execute(update(Report), report_rows[start : start + _BULK])
    for start in range(0, len(member_rows), _BULK):
        session.execute(insert(CampaignMember).values(member_rows[start : start + _BULK]))
    postings = [{"key": k, "content": c, "campaign_id": mapping[backend.find(cl)]} for k, c, cl in backend.entries()]
    for start in range(0, len(postings), _BULK):
        session.execute(insert(CampaignPosting).values(postings[start : start + _BULK]))

    root_of = {cid: root for root, cid in mapping.items()}
    session.flush()
    for campaign in session.scalars(select(Campaign)):
        # A campaign left without reports (they now belong to campaigns that
        # kept other ids) stays as an empty shell, for links and the audit trail.
        campaign.merged_into_id = None
        if campaign.id in root_of:
            campaign.risk_class = backend.cluster_class(root_of[campaign.id])
        refresh_stats(session, campaign)
        campaign.surging = False
    _replay_verdicts(session)
    _rebuild_hours(session)
    state = session.get(CampaignIndexState, "index")
    if state is None:
        session.add(CampaignIndexState(name="index", value=INDEX_VERSION))
    else:
        state.value = INDEX_VERSION
    seconds = (utcnow() - started).total_seconds()
    result = ReclusterResult(
        reports=len(assigned),
        campaigns=len(mapping) + len(reserved),
        kept_ids=kept,
        new_ids=len(mapping) - kept,
        seconds=seconds,
    )
    audit.record(
        session,
        actor,
        "campaign.recluster",
        "campaign",
        "",
        {
            "reports": result.reports,
            "campaigns": result.campaigns,
            "kept_ids": kept,
            "new_ids": result.new_ids,
            "index": INDEX_VERSION,
        },
    )
    return result


def _replay_verdicts(session: Session) -> None:
    for report_id, verdict, note, at in session.execute(
        select(CampaignDecision.report_id, CampaignDecision.verdict, CampaignDecision.note, CampaignDecision.at)
        .where(CampaignDecision.kind == "verdict")
        .order_by(CampaignDecision.id)
    ):
        cid = session.scalar(select(Report.campaign_id).where(Report.id == report_id))
        campaign = session.get(Campaign, cid) if cid is not None else None
        if campaign is not None:
            campaign.verdict, campaign.verdict_note, campaign.verdict_at = verdict, note, at
    session.flush()
    session.execute(
        update(Report)
        .where(Report.campaign_id.is_not(None))
        .values(verdict=select(Campaign.verdict).where(Campaign.id == Report.campaign_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def _rebuild_hours(session: Session) -> None:
    counts: Counter[tuple[int, int]] = Counter()
    for cid, created in session.execute(
        select(Report.campaign_id, Report.created_at).where(Report.campaign_id.is_not(None))
    ):
        if cid is None:
            continue
        hour = _hour(created)
        counts[(cid, hour)] += 1
        counts[(SYSTEM, hour)] += 1
    rows = [{"campaign_id": c, "hour": h, "count": n} for (c, h), n in counts.items()]
    for start in range(0, len(rows), _BULK):
        session.execute(insert(CampaignHour).values(rows[start : start + _BULK]))
