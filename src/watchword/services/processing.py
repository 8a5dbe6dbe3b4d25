"""What happens to a report once the pipeline has analysed it.

`AFTER_ANALYSIS` is the ordered list of steps that run against the store, in
the same transaction that records the analysis and finishes the job: either all
of them land or none does, which is what makes a retried job harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import String, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from watchword.analysis.mime import MAX_HEADERS, MAX_RAW_BYTES, OLE_MAGIC, looks_like_email
from watchword.analysis.rfc822 import split_header_block
from watchword.analysis.titles import report_title
from watchword.domain import Analysis
from watchword.domain.model import ANALYSIS_VERSION, holds_reporter_comment, stored_form, stored_text
from watchword.domain.states import ReportStatus
from watchword.runtime import Runtime
from watchword.security.sealing import COMMENT, seal_text, unseal_json
from watchword.store import sqlite_batch
from watchword.store.models import AnalysisRecord, Campaign, Indicator, Report, ReportIndicator, utcnow
from watchword.store.pgarray import among_ids, int_array, text_array
from watchword.store.upsert import insert_ignore

if TYPE_CHECKING:
    from watchword.pool import Derived

MAX_INDICATOR_VALUE = 2048
T = TypeVar("T")

AfterAnalysis = Callable[[Session, Report, Analysis], None]


def analyse(rt: Runtime, report: Report) -> Analysis:
    """Run the pure pipeline on a stored report. No database writes."""
    # Imported here: a pooled worker's own process never runs the pipeline, and importing it
    # is a third of that process's start-up (its pool processes have it preloaded).
    from watchword.analysis.pipeline import analyze_report

    raw = rt.blobs.get(report.raw_sha256) if report.raw_sha256 else None
    return seal_reporter_words(rt, analyze_report(report.text, raw, report.approach_hint, answers_of(rt, report)))


def answers_of(rt: Runtime, report: Report) -> dict[str, str]:
    """The guided-form answers the pipeline reads (sealed at rest)."""
    return dict(unseal_json(rt.contact_key, report.answers_sealed) if report.answers_sealed else report.answers or {})


def seal_reporter_words(rt: Runtime, analysis: Analysis) -> Analysis:
    """Before an analysis is stored: the reporter's own words above a forwarded message
    are sealed at rest like their contact (the pipeline, being pure, leaves them plain)."""
    if analysis.wrapper and holds_reporter_comment(analysis):
        comment = analysis.wrapper["reporter_comment"]
        analysis.wrapper = {
            **analysis.wrapper,
            "reporter_comment": "",
            "reporter_comment_sealed": seal_text(rt.contact_key, comment, COMMENT),
        }
    return analysis


# Header fields that only record a message's way through mail servers: the
# pipeline never reads them (mime.KEPT_HEADERS leaves them out; Received goes to
# doc.received, which no stage's output uses), and none of them steers MIME
# decoding. The same message delivered to two mailboxes differs in these only.
TRANSPORT_HEADERS = frozenset(
    [
        "received",
        "x-received",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "x-forwarded-to",
        "x-forwarded-for",
        "arc-seal",
        "arc-message-signature",
        "x-google-smtp-source",
        "x-gm-message-state",
        "x-ms-exchange-crosstenant-originalarrivaltime",
        "x-ms-exchange-transport-endtoendlatency",
    ]
)


def input_key(text: str, raw: bytes | None, approach_hint: str, answers: dict[str, str] | None) -> str:
    """A hash of what decides the pipeline's result, for reusing one analysis for equal inputs.

    Equal keys mean equal analyses by construction: everything the pipeline reads is
    hashed byte for byte; only transport header fields (above) are left out of an
    email. A message with more header fields than the parser keeps, an Outlook .msg
    or anything not shaped like an email is hashed whole.
    """
    digest = hashlib.sha256()
    digest.update(f"v{ANALYSIS_VERSION}\x00{approach_hint}\x00{text}\x00".encode("utf-8", "surrogatepass"))
    for name, value in sorted((answers or {}).items()):
        digest.update(f"{name}={value}\x00".encode("utf-8", "surrogatepass"))
    if not raw:
        digest.update(b"text")
        return digest.hexdigest()
    stripped = raw.lstrip(b"\r\n\t ")
    if raw.startswith(OLE_MAGIC) or len(raw) > MAX_RAW_BYTES or not looks_like_email(stripped):
        digest.update(b"whole\x00" + raw)
        return digest.hexdigest()
    lead, envelope = raw[: len(raw) - len(stripped)], b""
    if stripped.startswith(b"From "):
        # An mbox envelope line ("From sender date"), which the parser drops unread
        # (mime.parse_bytes): left in, it ended the header block here, and every copy of such a
        # message delivered through other relays was hashed whole, transport fields and all.
        cut = stripped.find(b"\n") + 1 or len(stripped)
        envelope, stripped = b"\x02", stripped[cut:]
    fields, body, missing_separator = split_header_block(stripped)
    if len(fields) >= MAX_HEADERS:
        digest.update(b"whole\x00" + raw)
        return digest.hexdigest()
    # The leading whitespace the parser strips is kept in the key: cheap, and exact.
    digest.update(b"email\x00" + lead + envelope + (b"\x01" if missing_separator else b"\x00"))
    for name, value in fields:
        if name.lower() not in TRANSPORT_HEADERS:
            digest.update(f"{name}:{value}\x00".encode("ascii", "surrogateescape"))
    digest.update(body)
    return digest.hexdigest()


def stored_analyses(session: Session, keys: Iterable[str]) -> dict[str, Analysis]:
    """Analyses of this pipeline version already stored for these input keys."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Analysis] = {}
    for start in range(0, len(wanted), 500):
        # One stored analysis per key, not all of them: a wave's relayed copies all store the
        # same input key, so reading every match read a whole wave's analyses per report
        # (thousands of rows per key at a million reports, bench/scale.py).
        first = (
            select(func.min(AnalysisRecord.report_id))
            .where(
                # An IN list, not an array: prepared once with an array, PostgreSQL kept a plan made
                # while the table was small (a scan of every analysis) for the whole drain.
                AnalysisRecord.input_key.in_(wanted[start : start + 500]),
                AnalysisRecord.version == ANALYSIS_VERSION,
            )
            .group_by(AnalysisRecord.input_key)
        )
        rows = session.execute(
            select(AnalysisRecord.input_key, AnalysisRecord.result).where(AnalysisRecord.report_id.in_(first))
        )
        for key, result in rows:
            if key is not None and key not in found:
                found[key] = Analysis(**result)
    return found


Encoded = dict[int, str]  # id() of an Analysis -> its stored JSON text


def encode_results(analyses: Iterable[Analysis], into: Encoded | None = None) -> Encoded:
    """The stored JSON text of each distinct analysis object, once (issue 14).

    A wave's equal copies share one Analysis object in a worker's batch (an input key
    analysed once, or an analysis read back from the store), and each copy stores the
    same text: serialising it once per object, and before the write transaction, takes
    that work out of SQLite's write lock. `json.dumps` with its defaults is what the
    JSON column's own bind processor calls, so the stored bytes are the same.
    """
    out: Encoded = {} if into is None else into
    for analysis in analyses:
        if id(analysis) not in out:
            out[id(analysis)] = stored_text(analysis)
    return out


def analysed_columns(analysis: Analysis) -> dict[str, object]:
    """The report's columns an analysis decides: one definition for the single and the batch path."""
    return {
        "status": ReportStatus.ANALYSED,
        "subject": report_title(analysis),  # the approach and the main act when there is no subject
        "approach_type": analysis.approach_type,
        "scope": analysis.scope,
        "risk": analysis.risk,
    }


def record_analysis(session: Session, report: Report, analysis: Analysis, input_key: str | None = None) -> None:
    existing = session.get(AnalysisRecord, report.id)
    if existing is None:
        session.add(
            AnalysisRecord(
                report_id=report.id, version=analysis.version, result=stored_form(analysis), input_key=input_key
            )
        )
    else:
        existing.version = analysis.version
        existing.result = stored_form(analysis)
        existing.created_at = utcnow()
        existing.input_key = input_key
    session.execute(update(Report).where(Report.id == report.id).values(**analysed_columns(analysis)))


# Rows or values per statement: far below SQLite's 32,766 and PostgreSQL's 65,535
# bound parameters whatever the number of columns.
CHUNK = 500


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def upsert_indicators(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Make sure each (type, value) exists; return their ids. Safe under concurrent workers."""
    wanted = {(t, v[:MAX_INDICATOR_VALUE]) for t, v in pairs}
    if not wanted:
        return {}
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        return _upsert_indicators_pg(session, sorted(wanted), now)
    # Read first, insert only what is missing: a wave's copies bring few new indicators, and an
    # INSERT OR IGNORE per indicator of the batch cost more than the reads (bench/year.py).
    ids = sqlite_batch.indicator_ids(session, wanted, expected=False)
    missing = sorted(wanted - ids.keys())
    if missing:
        rows = [{"type": t, "value": v, "first_seen": now, "last_seen": now, "report_count": 0} for t, v in missing]
        # One statement, many parameter sets (the driver batches them): a multi-row VALUES of 26k
        # indicators overflowed SQLite's bound-parameter limit, and compiling one costs ~0.2 s per 500 rows.
        session.execute(insert_ignore(session, Indicator.__table__, "type", "value"), rows)
        # Read back as the first lookup read (one JSON statement), by bound value what it misses.
        ids.update(sqlite_batch.indicator_ids(session, set(missing)))
    return ids


# PostgreSQL: a batch's indicators as two arrays in one statement each, not a statement (or an
# executemany's round of messages) per row. The insert takes its rows in one order in every
# worker (ORDER BY), as the executemany did; the read is a new statement, so it sees rows
# another worker committed while our insert waited for it.
_PG_INSERT_INDICATORS = text(
    "INSERT INTO indicators (type, value, first_seen, last_seen, report_count) "
    "SELECT t, v, :now, :now, 0 FROM unnest(CAST(:types AS varchar[]), CAST(:values AS varchar[])) AS u(t, v) "
    "ORDER BY t, v ON CONFLICT (type, value) DO NOTHING"
)
_PG_INDICATOR_IDS = text(
    "SELECT i.id, i.type, i.value FROM indicators i "
    "JOIN unnest(CAST(:types AS varchar[]), CAST(:values AS varchar[])) AS u(t, v) ON i.type = u.t AND i.value = u.v"
)
_PG_COUNT_INDICATORS = text(
    "UPDATE indicators SET report_count = indicators.report_count + u.d, "
    "last_seen = CASE WHEN u.d > 0 THEN :now ELSE indicators.last_seen END "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:deltas AS integer[])) AS u(id, d) WHERE indicators.id = u.id"
)

_PG_LINK_INDICATORS = text(
    "INSERT INTO report_indicators (report_id, indicator_id) "
    "SELECT * FROM unnest(CAST(:r AS bigint[]), CAST(:i AS bigint[])) ON CONFLICT DO NOTHING"
)


def _upsert_indicators_pg(
    session: Session, wanted: list[tuple[str, str]], now: dt.datetime
) -> dict[tuple[str, str], int]:
    params = {"types": text_array(t for t, _ in wanted), "values": text_array(v for _, v in wanted), "now": now}
    session.execute(_PG_INSERT_INDICATORS, params)
    return {(t, v): int(ind_id) for ind_id, t, v in session.execute(_PG_INDICATOR_IDS, params)}


def count_indicators(session: Session, delta: dict[int, int]) -> None:
    """Add each indicator's change of report count (last seen now where it grew), rows locked in
    one ascending pass first (lock_indicator_rows)."""
    changed = {ind: change for ind, change in delta.items() if change}
    if not changed:
        return
    lock_indicator_rows(session, changed)
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        ids = sorted(changed)
        session.execute(
            _PG_COUNT_INDICATORS, {"ids": int_array(ids), "deltas": int_array(changed[i] for i in ids), "now": now}
        )
        return
    sqlite_batch.add_counts(session, changed, now)


def link_indicators(session: Session, report: Report, analysis: Analysis) -> None:
    """Link the report to its indicators; counts change only for links that change."""
    ids = upsert_indicators(session, ((i["type"], i["value"]) for i in analysis.indicators))
    new = set(ids.values())
    old = set(session.scalars(select(ReportIndicator.indicator_id).where(ReportIndicator.report_id == report.id)))
    gone, added = sorted(old - new), sorted(new - old)
    lock_indicator_rows(session, gone + added)  # one ascending pass before the two below
    for chunk in _chunks(gone):
        session.execute(
            delete(ReportIndicator).where(
                ReportIndicator.report_id == report.id, ReportIndicator.indicator_id.in_(chunk)
            )
        )
        session.execute(
            update(Indicator).where(Indicator.id.in_(chunk)).values(report_count=Indicator.report_count - 1)
        )
    if added:
        session.execute(
            insert_ignore(session, ReportIndicator.__table__),
            [{"report_id": report.id, "indicator_id": i} for i in added],
        )
    for chunk in _chunks(added):
        session.execute(
            update(Indicator)
            .where(Indicator.id.in_(chunk))
            .values(report_count=Indicator.report_count + 1, last_seen=utcnow())
        )


# The steps below reuse the helpers above (and some import this module), so they are
# imported here, after them, rather than at the top.
from watchword.campaigns.assign import assign_batch, assign_campaign, uniform_update  # noqa: E402
from watchword.intel.normalise import match_keys_of  # noqa: E402
from watchword.intel.retrohunt import lookup as known_bad_lookup  # noqa: E402
from watchword.intel.retrohunt import match_known_bad  # noqa: E402
from watchword.intel.retrohunt import ranges as known_bad_ranges  # noqa: E402
from watchword.services.decisions import tell_late_joiners  # noqa: E402
from watchword.services.notifications import after_analysis as notify_analysts  # noqa: E402
from watchword.services.queue import refresh_priorities, update_priority  # noqa: E402
from watchword.services.search import index_report, index_reports  # noqa: E402

# The ordered steps after the pipeline, in this one visible place.
AFTER_ANALYSIS: list[AfterAnalysis] = [
    record_analysis,  # the analysis and the report's summary columns
    link_indicators,  # indicators with first/last seen and report counts
    index_report,  # full-text search entry (never for out-of-scope reports)
    assign_campaign,  # campaigns: sightings, near-duplicates, shared indicators; verdict inherited
    tell_late_joiners,  # a report joining a campaign with a verdict: its mail reporter gets the outcome
    match_known_bad,  # known-bad feeds: record matches, raise the report's campaign
    update_priority,  # the queue's order: risk x reach x surge (+ known-bad boost); after the two above
    notify_analysts,  # a surge or a campaign's first high-risk report: an event the worker sends afterwards
]


def apply(session: Session, report: Report, analysis: Analysis, input_key: str | None = None) -> None:
    """Every after-analysis step, in order; the analysis is stored with its input key."""
    record_analysis(session, report, analysis, input_key)
    for step in AFTER_ANALYSIS[1:]:
        step(session, report, analysis)


_LINKS = ReportIndicator.__table__


def lock_indicator_rows(session: Session, ids: Iterable[int]) -> None:
    """Row-lock these indicators in one ascending pass (PostgreSQL): the count updates that
    follow go by size of change, and two workers locking in those orders could wait in a circle.

    FOR NO KEY UPDATE, the lock an UPDATE of a non-key column takes: it does not wait for the
    key-share locks other workers' new links hold on an indicator.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    ordered = sorted(set(ids))
    if ordered:
        # One array parameter: an IN list of a batch's ~1,000 ids is a statement the driver
        # splits and the server parses anew each time (issue 14).
        session.execute(_PG_LOCK_INDICATORS, {"ids": int_array(ordered)}).all()


_PG_LOCK_INDICATORS = text(
    "SELECT id FROM indicators WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id FOR NO KEY UPDATE"
)


def lock_batch_indicators(session: Session, analyses: Iterable[Analysis]) -> None:
    """Before a batch is written report by report: its indicators made and row-locked first.

    Campaign assignment takes its locks after every indicator lock (campaigns/locks.py);
    one report's assignment followed by the next report's indicator updates would take
    them the other way round.
    """
    ids = upsert_indicators(session, ((i["type"], i["value"]) for a in analyses for i in a.indicators))
    lock_indicator_rows(session, ids.values())


def apply_batch(
    session: Session,
    items: list[tuple[Report, Analysis, str | None]],
    derived: Mapping[int, Derived] | None = None,
    encoded: Encoded | None = None,
) -> None:
    """`apply` for many reports at once: the same effects, in set-at-a-time statements.

    The analysis records and indicator links of the whole batch are written with a
    handful of statements instead of a handful per report (per-statement overhead,
    not the database, was most of the stored path's cost); the steps after them run
    per report in order. Reports must be new to analysis links-wise or not: both work.
    `derived` gives, by report id, what the worker's pool already computed from the
    analysis (watchword.pool.derive); the rest is computed here, the same way. `encoded`
    gives the analyses' stored JSON texts already made (`encode_results`).
    """
    if not items:
        return
    # Order matters on PostgreSQL: what every worker may lock in common (indicator rows) is
    # locked here, before campaign assignment takes its key-shard and campaign locks, and
    # nothing after assignment locks an indicator (campaigns/locks.py: no waits in a circle).
    rewrite_analyses(session, items, encoded)
    derived = derived or {}
    unmatched = _known_bad_misses(session, items, derived)  # a read: before the assignment's locks, not under them
    rest = [step for step in AFTER_ANALYSIS if step not in (record_analysis, link_indicators, index_report)]
    held: dict[int, Campaign] = {}
    if assign_campaign in rest:
        # The whole batch's campaign assignment at once (the same result in far fewer
        # statements); the steps after it then see every report of the batch in its campaign.
        # Its rows are held here for the steps below (no read per report).
        prepared = {rid: (d.features, d.keys) for rid, d in derived.items()}
        held = assign_batch(session, [(report, analysis) for report, analysis, _ in items], prepared)
        rest.remove(assign_campaign)
    # A campaign's priority depends on the campaign alone: computed once per campaign, it is
    # the value the last of its reports would have left. Computed before the per-report steps
    # (one UPDATE for every campaign of the batch when they flush) and again after them for
    # the campaigns a known-bad match raised, the only step that changes what it depends on.
    batch_priority = update_priority in rest
    campaigns = {report.campaign_id for report, _, _ in items if report.campaign_id is not None}
    if batch_priority:
        rest.remove(update_priority)
        refresh_priorities(session, campaigns)
        uniform_update((held[cid] for cid in campaigns if cid in held), ("surging", "priority"))
    for report, analysis, _ in items:
        for step in rest:
            if step is match_known_bad and report.id in unmatched:
                continue  # its lookup would find nothing: the batch's one lookup found nothing for it
            step(session, report, analysis)
    if batch_priority:
        matched = {report.campaign_id for report, _, _ in items if report.id not in unmatched}
        refresh_priorities(session, {cid for cid in matched if cid is not None})


def rewrite_analyses(
    session: Session, items: Sequence[tuple[Report, Analysis, str | None]], encoded: Encoded | None = None
) -> None:
    """The analyses of many reports stored (new or replacing), with the report columns they
    decide, their indicator links and search entries, in set-at-a-time statements.

    The worker's batch runs the campaign and queue steps after this; re-analysis
    (`services/reanalysis*.py`) stops here: a new analysis does not move a report
    between campaigns (re-clustering does).
    """
    if not items:
        return
    ids = [report.id for report, _, _ in items]
    existing: set[int] = set()
    for chunk in _chunks(ids):
        existing.update(
            session.scalars(select(AnalysisRecord.report_id).where(among_ids(AnalysisRecord.report_id, chunk, session)))
        )
    now = utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    # Each distinct analysis serialised once (a wave's copies share one), bound as the text
    # itself: SQLite stores JSON as text; PostgreSQL casts it to jsonb, where the JSON type's
    # own binding serialised every copy again in the driver (issue 14). The same documents.
    texts = encode_results((a for _, a, _ in items), dict(encoded or {}))
    rows = [
        {"rid": r.id, "version": a.version, "created_at": now, "result": texts[id(a)], "ikey": k} for r, a, k in items
    ]
    fresh = [row for row in rows if row["rid"] not in existing]
    # An executemany, not one INSERT over arrays: a jsonb[] parameter costs the driver four
    # times the CPU (each document quoted into an array literal) for no gain on the server.
    if fresh:
        session.connection().execute(_INSERT_JSONB if postgres else _INSERT_TEXT, fresh)
    again = [row for row in rows if row["rid"] in existing]
    if again:
        session.connection().execute(_REWRITE_JSONB if postgres else _REWRITE_TEXT, again)
    if postgres:
        _write_analysed_columns_pg(session, [(report, analysis) for report, analysis, _ in items])
    else:
        _write_analysed_columns_sqlite(session, [(report, analysis) for report, analysis, _ in items])
    _link_batch(session, items)
    index_reports(session, [(report, analysis) for report, analysis, _ in items])


_PG_ANALYSED_COLUMNS = text(
    "UPDATE reports SET status = u.status, subject = u.subject, approach_type = u.approach_type, "
    "scope = u.scope, risk = u.risk FROM unnest(CAST(:ids AS bigint[]), CAST(:status AS varchar[]), "
    "CAST(:subject AS varchar[]), CAST(:approach_type AS varchar[]), CAST(:scope AS varchar[]), "
    "CAST(:risk AS double precision[])) AS u(id, status, subject, approach_type, scope, risk) WHERE reports.id = u.id"
)


def _write_analysed_columns_pg(session: Session, items: Sequence[tuple[Report, Analysis]]) -> None:
    """The reports' analysed columns in one UPDATE over arrays; the loaded rows are given the
    same values as already stored (set_committed_value), so the unit of work does not write
    them again row by row."""
    columns = [analysed_columns(analysis) for _, analysis in items]
    params: dict[str, Any] = {"ids": int_array(report.id for report, _ in items)}
    for name in ("status", "subject", "approach_type", "scope"):
        params[name] = text_array(str(c[name]) for c in columns)
    params["risk"] = [c["risk"] for c in columns]
    session.execute(_PG_ANALYSED_COLUMNS, params)
    for (report, _), values in zip(items, columns, strict=True):
        for column, value in values.items():
            set_committed_value(report, column, value)


_REPORTS = cast(Table, Report.__table__)
_SQLITE_ANALYSED_COLUMNS = (
    update(_REPORTS)
    .where(_REPORTS.c.id == bindparam("rid"))
    .values({name: bindparam(name) for name in ("status", "subject", "approach_type", "scope", "risk")})
)


def _write_analysed_columns_sqlite(session: Session, items: Sequence[tuple[Report, Analysis]]) -> None:
    """The reports' analysed columns in one executemany of one statement, given to the loaded
    rows as already stored: the unit of work's per-row bookkeeping for the same UPDATEs cost
    more than SQLite's work, inside the write lock (issue 14)."""
    rows = []
    for report, analysis in items:
        values = analysed_columns(analysis)
        rows.append({"rid": report.id, **values})
        for column, value in values.items():
            set_committed_value(report, column, value)
    session.connection().execute(_SQLITE_ANALYSED_COLUMNS, rows)


_RECORDS = cast(Table, AnalysisRecord.__table__)


def _record_values(result: Any) -> dict[str, Any]:
    return {
        "version": bindparam("version"),
        "created_at": bindparam("created_at"),
        "result": result,
        "input_key": bindparam("ikey"),
    }


# The text already serialised (encode_results): bound as a string on SQLite, which stores JSON
# as text, and cast to jsonb by PostgreSQL.
_AS_TEXT = bindparam("result", type_=String())
_AS_JSONB = sql_cast(bindparam("result", type_=String()), JSONB)
_INSERT_TEXT = insert(_RECORDS).values(report_id=bindparam("rid"), **_record_values(_AS_TEXT))
_REWRITE_TEXT = update(_RECORDS).where(_RECORDS.c.report_id == bindparam("rid")).values(**_record_values(_AS_TEXT))
_INSERT_JSONB = insert(_RECORDS).values(report_id=bindparam("rid"), **_record_values(_AS_JSONB))
_REWRITE_JSONB = update(_RECORDS).where(_RECORDS.c.report_id == bindparam("rid")).values(**_record_values(_AS_JSONB))


def _known_bad_misses(
    session: Session, items: list[tuple[Report, Analysis, str | None]], derived: Mapping[int, Derived]
) -> set[int]:
    """Reports none of whose indicators is known-bad, from one lookup for the whole batch.

    match_known_bad does nothing for such a report (its own lookup comes back empty),
    so the batch skips it and saves a query per report. Nothing in the batch adds
    known-bad rows, so the answer holds for the whole transaction.
    """
    keys_of: dict[int, set[tuple[str, str]]] = {}
    for report, analysis, _ in items:
        done = derived.get(report.id)
        keys_of[report.id] = set(done.match_keys) if done is not None else match_keys_of(analysis)
    every = set().union(*keys_of.values())
    hits = {(kb.type, kb.value) for kb in known_bad_lookup(session, every)} if every else set()
    # An address inside a known-bad network range is a hit too (one read of the ranges per batch).
    index = known_bad_ranges(session) if any(kind in ("ipv4", "ipv6") for kind, _ in every) else None

    def in_a_range(keys: set[tuple[str, str]]) -> bool:
        if not index:
            return False
        return any(index.containing(value) for kind, value in keys if kind in ("ipv4", "ipv6"))

    return {rid for rid, keys in keys_of.items() if not keys & hits and not in_a_range(keys)}


def _link_batch(session: Session, items: Sequence[tuple[Report, Analysis, str | None]]) -> None:
    """link_indicators for many reports: one upsert, one id lookup, one link read and write."""
    wanted_by_report = {
        report.id: {(i["type"], i["value"][:MAX_INDICATOR_VALUE]) for i in analysis.indicators}
        for report, analysis, _ in items
    }
    every = set().union(*wanted_by_report.values())
    ids = upsert_indicators(session, sorted(every)) if every else {}
    old: dict[int, set[int]] = {}
    report_ids = list(wanted_by_report)
    for start in range(0, len(report_ids), 500):
        chunk = report_ids[start : start + 500]
        for rid, ind in session.execute(
            select(_LINKS.c.report_id, _LINKS.c.indicator_id).where(among_ids(_LINKS.c.report_id, chunk, session))
        ):
            old.setdefault(rid, set()).add(ind)
    delta: dict[int, int] = {}
    added_rows: list[dict[str, int]] = []
    for rid, pairs in wanted_by_report.items():
        new = {ids[p] for p in pairs}
        before = old.get(rid, set())
        for ind in new - before:
            added_rows.append({"report_id": rid, "indicator_id": ind})
            delta[ind] = delta.get(ind, 0) + 1
        gone = before - new
        if gone:
            session.execute(
                delete(ReportIndicator).where(ReportIndicator.report_id == rid, ReportIndicator.indicator_id.in_(gone))
            )
            for ind in gone:
                delta[ind] = delta.get(ind, 0) - 1
    if added_rows and session.get_bind().dialect.name == "postgresql":
        # ~20 links per report: two arrays in one statement rather than a row of parameters each.
        session.execute(
            _PG_LINK_INDICATORS,
            {
                "r": int_array(row["report_id"] for row in added_rows),
                "i": int_array(row["indicator_id"] for row in added_rows),
            },
        )
    elif added_rows:
        sqlite_batch.link(session, [(row["report_id"], row["indicator_id"]) for row in added_rows])
    count_indicators(session, delta)
