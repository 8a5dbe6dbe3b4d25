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

import ipaddress
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, DateTime, String, Text, and_, cast, func, literal, select, text, tuple_, update
from sqlalchemy.orm import Session

from watchword.domain import Analysis
from watchword.domain.states import JobKind, MatchVia
from watchword.intel.normalise import match_keys
from watchword.store import audit
from watchword.store.models import Campaign, Indicator, Report, ReportIndicator, utcnow
from watchword.store.models_intel import ImportBatch, IntelMatch, KnownBad
from watchword.store.pgarray import text_array
from watchword.store.upsert import insert_ignore

RETROHUNT_JOB = JobKind.RETROHUNT
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


# -- network ranges: known-bad "cidr" rows contain addresses ------------------------------

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RangeIndex:
    """Known-bad ranges, looked up by containment: an address is masked once per prefix
    length present and found in a dict, so a feed of thousands of ranges costs a lookup
    per distinct length (at most 33 for IPv4), not a comparison per range."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        self._by_length: dict[tuple[int, int], dict[IPNetwork, list[int]]] = defaultdict(dict)
        for kb_id, value in rows:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                continue
            self._by_length[(network.version, network.prefixlen)].setdefault(network, []).append(kb_id)

    def __bool__(self) -> bool:
        return bool(self._by_length)

    def containing(self, address: str) -> list[int]:
        """Ids of the known-bad ranges that contain `address`."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return []
        found: list[int] = []
        for (version, length), networks in self._by_length.items():
            if version == ip.version:
                found += networks.get(ipaddress.ip_network((ip, length), strict=False), [])
        return found


def ranges(session: Session, batch_id: int | None = None) -> RangeIndex:
    query = select(KnownBad.id, KnownBad.value).where(KnownBad.type == "cidr")
    if batch_id is not None:
        query = query.where(KnownBad.batch_id == batch_id)
    return RangeIndex((kb_id, value) for kb_id, value in session.execute(query))


# -- live: one step of processing.AFTER_ANALYSIS --------------------------------------


def lookup(session: Session, keys: set[tuple[str, str]]) -> list[KnownBad]:
    """Known-bad rows for these (type, value) keys: an indexed lookup, chunked."""
    found: list[KnownBad] = []
    ordered = sorted(keys)
    if ordered and session.get_bind().dialect.name == "postgresql":
        # Two arrays in one statement: a 2,000-pair IN list cost PostgreSQL more to parse and
        # plan than to run (and psycopg to convert), once per worker batch (issue 14). Each
        # array bound as one literal (store/pgarray.py): psycopg's dump of a Python list
        # quoted the batch's ~1,500 strings one by one, in Python, twice a batch.
        types = cast(literal(text_array([t for t, _ in ordered]), Text), ARRAY(String))
        values = cast(literal(text_array([v for _, v in ordered]), Text), ARRAY(String))
        pairs = func.unnest(types, values).table_valued("t", "v").render_derived()
        join = and_(KnownBad.type == pairs.c.t, KnownBad.value == pairs.c.v)
        return list(session.scalars(select(KnownBad).join(pairs, join)))
    # SQLite: the pairs as one JSON text (as store/sqlite_batch.py does for indicators): a
    # tuple IN list of 400 pairs was 800 parameters SQLAlchemy rendered and bound, once or
    # twice a worker batch. What JSON cannot carry (a NUL) goes by bound value.
    # The ids first (most batches match nothing), then the matching rows.
    plain = [pair for pair in ordered if "\x00" not in pair[0] and "\x00" not in pair[1]]
    ids: list[int] = []
    for start in range(0, len(plain), _JSON_CHUNK):
        encoded = json.dumps(plain[start : start + _JSON_CHUNK])
        ids += session.connection().execute(_SQLITE_LOOKUP, {"pairs": encoded}).scalars()
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        found += session.scalars(select(KnownBad).where(KnownBad.id.in_(ids[start : start + _LOOKUP_CHUNK])))
    rest = [pair for pair in ordered if "\x00" in pair[0] or "\x00" in pair[1]]
    for start in range(0, len(rest), _LOOKUP_CHUNK):
        chunk = rest[start : start + _LOOKUP_CHUNK]
        found += session.scalars(select(KnownBad).where(tuple_(KnownBad.type, KnownBad.value).in_(chunk)))
    return found


_JSON_CHUNK = 5000
# CROSS JOIN keeps json_each outside: one probe of ix_intel_known_bad_type_value per pair.
_SQLITE_LOOKUP = text(
    "SELECT k.id FROM json_each(:pairs) AS j CROSS JOIN intel_known_bad AS k "
    "ON k.type = json_extract(j.value, '$[0]') AND k.value = json_extract(j.value, '$[1]')"
)


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
    addresses = {value for kind, value in keys if kind in ("ipv4", "ipv6")}
    if addresses:  # only reports that carry an address pay for the ranges
        index = ranges(session)
        in_ranges = {kb_id for address in addresses for kb_id in index.containing(address)}
        if in_ranges:
            rows += session.scalars(select(KnownBad).where(KnownBad.id.in_(in_ranges)))
    if not rows:
        return 0
    session.execute(
        insert_ignore(session, IntelMatch).values(
            [
                {
                    "known_bad_id": kb.id,
                    "report_id": report.id,
                    "campaign_id": None,
                    "via": MatchVia.LIVE,
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
            literal(str(MatchVia.RETROHUNT), String(20)),
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
    new += _hunt_ranges(session, batch_id, now)
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


def _hunt_ranges(session: Session, batch_id: int | None, now: object) -> int:
    """Matches of the batch's network ranges: every stored address is checked for containment
    (addresses are a small share of the indicators; the database cannot index containment
    portably), then one INSERT ... SELECT per range over the addresses it contains."""
    index = ranges(session, batch_id)
    if not index:
        return 0
    inside: dict[int, list[int]] = defaultdict(list)  # known-bad range id -> indicator ids
    for indicator_id, value in session.execute(
        select(Indicator.id, Indicator.value).where(Indicator.type.in_(("ipv4", "ipv6")))
    ):
        for kb_id in index.containing(value):
            inside[kb_id].append(indicator_id)
    new = 0
    for kb_id, indicator_ids in inside.items():
        for start in range(0, len(indicator_ids), _LOOKUP_CHUNK):
            chunk = indicator_ids[start : start + _LOOKUP_CHUNK]
            joined = (
                select(
                    literal(kb_id),
                    ReportIndicator.report_id,
                    Report.campaign_id,
                    literal(str(MatchVia.RETROHUNT), String(20)),
                    literal(now, DateTime(timezone=True)),
                )
                .select_from(ReportIndicator)
                .join(Report, Report.id == ReportIndicator.report_id)
                .where(ReportIndicator.indicator_id.in_(chunk), Report.scope == "in_scope")
            )
            insert = (
                insert_ignore(session, IntelMatch)
                .from_select(["known_bad_id", "report_id", "campaign_id", "via", "matched_at"], joined)
                .returning(IntelMatch.id)
            )
            new += len(session.execute(insert).all())
    return new


def enqueue_retrohunt(session: Session, batch_id: int) -> None:
    """Queue the retro-hunt for the worker (the import's HTTP request or CLI call returns at once)."""
    from watchword.store import jobs

    jobs.enqueue(session, RETROHUNT_JOB, payload={"batch_id": batch_id})


def known_bad_entries(session: Session, indicator_type: str, value: str) -> list[dict[str, Any]]:
    """What feeds say of one value: its own entries and, for an address, the ranges holding it
    (for the indicator page: source, confidence and the TLP the source marked it with)."""
    rows = list(session.scalars(select(KnownBad).where(KnownBad.type == indicator_type, KnownBad.value == value)))
    if indicator_type in ("ipv4", "ipv6"):
        in_ranges = ranges(session).containing(value)
        if in_ranges:
            rows += session.scalars(select(KnownBad).where(KnownBad.id.in_(in_ranges)))
    return [
        {"type": kb.type, "value": kb.value, "source": kb.source, "confidence": kb.confidence, "tlp": kb.tlp}
        for kb in sorted(rows, key=lambda kb: (-kb.confidence, kb.source))
    ]


def matches_for_campaign(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Known-bad matches of a campaign's reports, for the console's campaign page."""
    rows = session.execute(
        select(
            KnownBad.type,
            KnownBad.value,
            KnownBad.source,
            KnownBad.confidence,
            KnownBad.tlp,
            func.count(IntelMatch.report_id),
            func.min(IntelMatch.matched_at),
        )
        .join(IntelMatch, IntelMatch.known_bad_id == KnownBad.id)
        .join(Report, Report.id == IntelMatch.report_id)
        .where(Report.campaign_id == campaign_id)
        .group_by(KnownBad.type, KnownBad.value, KnownBad.source, KnownBad.confidence, KnownBad.tlp)
        .order_by(KnownBad.confidence.desc())
    ).all()
    return [
        {"type": t, "value": v, "source": s, "confidence": c, "tlp": tlp, "reports": int(n), "first_matched": m}
        for t, v, s, c, tlp, n, m in rows
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
    db: Any, path: Any, source: str, confidence: int, actor: str, hunt: str = "now", tlp: str | None = None
) -> tuple[ImportBatch, HuntResult | None]:
    """Parse a feed file or MISP feed directory, store it as one batch, and retro-hunt it.

    hunt: "now" (in this transaction), "queue" (a worker job), or "skip".
    tlp: the marking the source shared the whole file under (a plain list carries none);
    an entry marked more strictly by the file itself keeps its own.
    """
    from dataclasses import replace
    from pathlib import Path

    from watchword.intel import tlp as tlp_levels
    from watchword.intel.feeds import parse_path, store_batch, strictest

    level = tlp_levels.normalise(tlp) if tlp else None
    result = parse_path(Path(path), confidence)
    if level:
        result.indicators = [replace(i, tlp=strictest(i.tlp, level)) for i in result.indicators]
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
