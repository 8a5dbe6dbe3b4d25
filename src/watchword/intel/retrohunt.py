"""Known-bad matching: live, as each report is analysed, and retro-hunt over
the stored history when a feed is imported.

Both end the same way: an IntelMatch row per (known-bad indicator, report),
and each campaign that gained a match gets its priority raised once per
known-bad indicator, with the reason written into `Campaign.facts` where
the console shows it:

    facts["intel"] = {"boost": total added to priority,
                      "known_bad": {"<id>": {type, value, source, confidence, reports}},
                      "reasons": ["matches known-bad domain evil.example from feed X (confidence 80)"]}

The campaigns area, if it recomputes priority from scratch, must add
facts["intel"]["boost"] back in (see the report that came with this code).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, String, and_, func, literal, select, tuple_, update
from sqlalchemy.orm import Session

from watchword.domain import Analysis
from watchword.intel.normalise import match_keys
from watchword.store import audit
from watchword.store.models import Campaign, Indicator, Report, ReportIndicator, utcnow
from watchword.store.models_intel import ImportBatch, IntelMatch, KnownBad
from watchword.store.upsert import insert_ignore

RETROHUNT_JOB = "intel.retrohunt"
# Priority added per known-bad indicator a campaign matches, times confidence/100.
# A fixed constant, not a setting: the live step's signature carries no settings,
# and live and retro-hunt matches must weigh the same.
DEFAULT_BOOST = 10.0
_LOOKUP_CHUNK = 400  # (type, value) pairs per IN (...): two parameters each


@dataclass(slots=True)
class HuntResult:
    batch_id: int | None
    matches: int  # new (known-bad, report) pairs
    reports: int
    campaigns: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _reason(kb: dict[str, Any]) -> str:
    return f"matches known-bad {kb['type']} {kb['value']} from {kb['source']} (confidence {kb['confidence']})"


def raise_priorities(session: Session, hits: dict[int, list[dict[str, Any]]], boost: float) -> list[int]:
    """Raise each campaign's priority once per known-bad indicator it newly matches.

    `hits`: campaign id -> [{id, type, value, source, confidence, reports}]. Idempotent: an
    indicator already recorded in the campaign's facts adds nothing the second time.
    """
    raised: list[int] = []
    for campaign_id, kbs in hits.items():
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None:
            continue
        facts = dict(campaign.facts or {})
        intel = dict(facts.get("intel") or {})
        known = dict(intel.get("known_bad") or {})
        reasons = list(intel.get("reasons") or [])
        added = 0.0
        for kb in kbs:
            key = str(kb["id"])
            if key in known:
                known[key] = {**known[key], "reports": max(int(known[key].get("reports", 0)), kb["reports"])}
                continue
            known[key] = {k: kb[k] for k in ("type", "value", "source", "confidence", "reports")}
            reasons.append(_reason(kb))
            added += boost * kb["confidence"] / 100
        if added or known != intel.get("known_bad"):
            intel.update(known_bad=known, reasons=reasons[-50:], boost=round(float(intel.get("boost", 0)) + added, 4))
            facts["intel"] = intel
            campaign.facts = facts  # a new dict: SQLAlchemy does not see in-place JSON edits
            if added:
                campaign.priority = (campaign.priority or 0.0) + added
                raised.append(campaign_id)
    return raised


# -- live: one step of processing.AFTER_ANALYSIS --------------------------------------


def lookup(session: Session, keys: set[tuple[str, str]]) -> list[KnownBad]:
    """Known-bad rows for these (type, value) keys: an indexed lookup, chunked."""
    found: list[KnownBad] = []
    ordered = sorted(keys)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        found += session.scalars(select(KnownBad).where(tuple_(KnownBad.type, KnownBad.value).in_(chunk)))
    return found


def match_report(session: Session, report: Report, analysis: Analysis, boost: float = DEFAULT_BOOST) -> int:
    """Match a just-analysed report against known-bad; record matches and raise its campaign.

    Runs in the worker's result transaction, after campaign assignment, so the
    report's campaign is known. Out-of-scope reports are never matched: they are
    never linked to anything (DESIGN.md, taxonomy).
    """
    if analysis.scope != "in_scope":
        return 0
    pairs = [(i["type"], i["value"]) for i in analysis.indicators]
    pairs += [("sha256", a["sha256"]) for a in analysis.attachments if a.get("sha256")]
    keys = match_keys(pairs)
    if not keys:
        return 0
    rows = lookup(session, keys)
    if not rows:
        return 0
    session.execute(
        insert_ignore(session, IntelMatch).values(
            [
                {
                    "known_bad_id": kb.id,
                    "report_id": report.id,
                    "campaign_id": None,
                    "via": "live",
                    "matched_at": utcnow(),
                }
                for kb in rows
            ]
        )
    )
    # Read back rather than trust the ORM object: campaign assignment may have set it with an UPDATE.
    campaign_id = session.scalar(select(Report.campaign_id).where(Report.id == report.id))
    if campaign_id is not None:
        session.execute(update(IntelMatch).where(IntelMatch.report_id == report.id).values(campaign_id=campaign_id))
        kbs = [
            {
                "id": kb.id,
                "type": kb.type,
                "value": kb.value,
                "source": kb.source,
                "confidence": kb.confidence,
                "reports": 1,
            }
            for kb in rows
        ]
        raise_priorities(session, {campaign_id: kbs}, boost)
    return len(rows)


def match_known_bad(session: Session, report: Report, analysis: Analysis) -> None:
    """The AFTER_ANALYSIS step (signature fixed by services.processing)."""
    match_report(session, report, analysis)


# -- retro-hunt: one set-based join over the stored history --------------------------


def retrohunt(
    session: Session, batch_id: int | None = None, boost: float = DEFAULT_BOOST, actor: str = "system"
) -> HuntResult:
    """Join the batch's known-bad indicators (all of them when `batch_id` is None) against
    every stored indicator, record the matches, raise the matched campaigns.

    One INSERT ... SELECT does the join inside the database: the unique
    (type, value) index on `indicators` and the index on
    `report_indicators.indicator_id` make it a lookup per known-bad row,
    independent of how many indicators are stored.
    """
    started = time.perf_counter()
    now = utcnow()
    kb_filter = KnownBad.batch_id == batch_id if batch_id is not None else KnownBad.id.is_not(None)
    joined = (
        select(
            KnownBad.id,
            ReportIndicator.report_id,
            Report.campaign_id,
            literal("retrohunt", String(20)),
            literal(now, DateTime(timezone=True)),
        )
        .select_from(KnownBad)
        .join(Indicator, and_(Indicator.type == KnownBad.type, Indicator.value == KnownBad.value))
        .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
        .join(Report, Report.id == ReportIndicator.report_id)
        .where(kb_filter, Report.scope == "in_scope")
    )
    insert = (
        insert_ignore(session, IntelMatch)
        .from_select(["known_bad_id", "report_id", "campaign_id", "via", "matched_at"], joined)
        .returning(IntelMatch.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... SELECT.
    new = len(session.execute(insert).all())
    # Which campaigns now carry which of the batch's indicators, and in how many reports.
    per_campaign = session.execute(
        select(
            Report.campaign_id,
            KnownBad.id,
            KnownBad.type,
            KnownBad.value,
            KnownBad.source,
            KnownBad.confidence,
            func.count(IntelMatch.report_id),
        )
        .select_from(IntelMatch)
        .join(KnownBad, KnownBad.id == IntelMatch.known_bad_id)
        .join(Report, Report.id == IntelMatch.report_id)
        .where(kb_filter, Report.campaign_id.is_not(None))
        .group_by(Report.campaign_id, KnownBad.id, KnownBad.type, KnownBad.value, KnownBad.source, KnownBad.confidence)
    ).all()
    hits: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for campaign_id, kb_id, typ, value, source, confidence, reports in per_campaign:
        if campaign_id is None:
            continue
        hits[campaign_id].append(
            {
                "id": kb_id,
                "type": typ,
                "value": value,
                "source": source,
                "confidence": confidence,
                "reports": int(reports),
            }
        )
    raised = raise_priorities(session, hits, boost)
    reports = int(
        session.scalar(
            select(func.count(func.distinct(IntelMatch.report_id)))
            .join(KnownBad, KnownBad.id == IntelMatch.known_bad_id)
            .where(kb_filter)
        )
        or 0
    )
    seconds = time.perf_counter() - started
    if batch_id is not None:
        batch = session.get(ImportBatch, batch_id)
        if batch is not None:
            batch.retrohunt_at = now
            batch.stats = {
                **(batch.stats or {}),
                "matches": new,
                "reports": reports,
                "campaigns_raised": raised,
                "seconds": round(seconds, 3),
            }
    audit.record(
        session,
        actor,
        "intel.retrohunt",
        "import_batch",
        batch_id or "",
        {"new_matches": new, "reports": reports, "campaigns_raised": raised},
    )
    return HuntResult(batch_id, new, reports, raised, seconds)


def enqueue_retrohunt(session: Session, batch_id: int) -> None:
    """Queue the retro-hunt for the worker (the import's HTTP request or CLI call returns at once)."""
    from watchword.store import jobs

    jobs.enqueue(session, RETROHUNT_JOB, payload={"batch_id": batch_id})


def matches_for_campaign(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Known-bad matches of a campaign's reports, for the console's campaign page."""
    rows = session.execute(
        select(
            KnownBad.type,
            KnownBad.value,
            KnownBad.source,
            KnownBad.confidence,
            func.count(IntelMatch.report_id),
            func.min(IntelMatch.matched_at),
        )
        .join(IntelMatch, IntelMatch.known_bad_id == KnownBad.id)
        .join(Report, Report.id == IntelMatch.report_id)
        .where(Report.campaign_id == campaign_id)
        .group_by(KnownBad.type, KnownBad.value, KnownBad.source, KnownBad.confidence)
        .order_by(KnownBad.confidence.desc())
    ).all()
    return [
        {"type": t, "value": v, "source": s, "confidence": c, "reports": int(n), "first_matched": m}
        for t, v, s, c, n, m in rows
    ]


# -- the worker's job, and importing with a hunt -------------------------------------------


def run_job(rt: Any, job: Any) -> None:
    """Worker handler for RETROHUNT_JOB: the hunt commits with the job's completion, under its lease."""
    from watchword.store import jobs

    with rt.db.write() as session:
        if not jobs.finish(session, job, job.locked_by):
            return  # our lease ran out and another worker has the job
        retrohunt(session, job.payload.get("batch_id"), actor="worker")


def install(worker: object) -> None:
    """Give a `watchword.worker.Worker` the retro-hunt job: `retrohunt.install(worker)` where it is built."""
    handlers = getattr(worker, "extra_handlers")  # noqa: B009 - typed loosely to keep intel below the worker
    handlers[RETROHUNT_JOB] = run_job


def import_feed(
    db: Any, path: Any, source: str, confidence: int, actor: str, hunt: str = "now"
) -> tuple[ImportBatch, HuntResult | None]:
    """Parse a feed file or MISP feed directory, store it as one batch, and retro-hunt it.

    hunt: "now" (in this transaction), "queue" (a worker job), or "skip".
    """
    from pathlib import Path

    from watchword.intel.feeds import parse_path, store_batch

    result = parse_path(Path(path), confidence)
    with db.write() as session:
        batch = store_batch(session, source, result, origin=Path(path).name)
        audit.record(
            session,
            actor,
            "intel.import",
            "import_batch",
            batch.id,
            {"source": source, "format": result.format, "indicators": batch.indicator_count, "skipped": result.skipped},
        )
        hunted = None
        if hunt == "now":
            hunted = retrohunt(session, batch.id, actor=actor)
        elif hunt == "queue":
            enqueue_retrohunt(session, batch.id)
    return batch, hunted
