"""What happens to a report once the pipeline has analysed it.

`AFTER_ANALYSIS` is the ordered list of steps that run against the store, in
the same transaction that records the analysis and finishes the job: either all
of them land or none does, which is what makes a retried job harmless.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from watchword.analysis.mime import MAX_HEADERS, MAX_RAW_BYTES, OLE_MAGIC, looks_like_email, split_header_block
from watchword.analysis.pipeline import analyze_report
from watchword.domain import Analysis
from watchword.domain.model import ANALYSIS_VERSION
from watchword.runtime import Runtime
from watchword.store.models import AnalysisRecord, Indicator, Report, ReportIndicator, utcnow

MAX_INDICATOR_VALUE = 2048

AfterAnalysis = Callable[[Session, Report, Analysis], None]


def analyse(rt: Runtime, report: Report) -> Analysis:
    """Run the pure pipeline on a stored report. No database writes."""
    raw = rt.blobs.get(report.raw_sha256) if report.raw_sha256 else None
    return analyze_report(report.text, raw, report.approach_hint, report.answers)


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
    fields, body, missing_separator = split_header_block(stripped)
    if len(fields) >= MAX_HEADERS:
        digest.update(b"whole\x00" + raw)
        return digest.hexdigest()
    # The leading whitespace the parser strips is kept in the key: cheap, and exact.
    digest.update(b"email\x00" + raw[: len(raw) - len(stripped)] + (b"\x01" if missing_separator else b"\x00"))
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
        rows = session.execute(
            select(AnalysisRecord.input_key, AnalysisRecord.result).where(
                AnalysisRecord.input_key.in_(wanted[start : start + 500]),
                AnalysisRecord.version == ANALYSIS_VERSION,
            )
        )
        for key, result in rows:
            if key is not None and key not in found:
                found[key] = Analysis(**result)
    return found


def record_analysis(session: Session, report: Report, analysis: Analysis, input_key: str | None = None) -> None:
    existing = session.get(AnalysisRecord, report.id)
    if existing is None:
        session.add(
            AnalysisRecord(
                report_id=report.id, version=analysis.version, result=analysis.to_dict(), input_key=input_key
            )
        )
    else:
        existing.version = analysis.version
        existing.result = analysis.to_dict()
        existing.created_at = utcnow()
        existing.input_key = input_key
    session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(
            status="analysed",
            subject=analysis.subject[:500],
            approach_type=analysis.approach_type,
            scope=analysis.scope,
            risk=analysis.risk,
        )
    )


def _insert(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, for ON CONFLICT DO NOTHING on either backend."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def upsert_indicators(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Make sure each (type, value) exists; return their ids. Safe under concurrent workers."""
    wanted = {(t, v[:MAX_INDICATOR_VALUE]) for t, v in pairs}
    if not wanted:
        return {}
    now = utcnow()
    insert = _insert(session)
    rows = [{"type": t, "value": v, "first_seen": now, "last_seen": now, "report_count": 0} for t, v in wanted]
    session.execute(insert(Indicator).values(rows).on_conflict_do_nothing(index_elements=["type", "value"]))
    ids: dict[tuple[str, str], int] = {}
    by_type: dict[str, list[str]] = {}
    for t, v in wanted:
        by_type.setdefault(t, []).append(v)
    for t, values in by_type.items():
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            for ind_id, value in session.execute(
                select(Indicator.id, Indicator.value).where(Indicator.type == t, Indicator.value.in_(chunk))
            ):
                ids[(t, value)] = ind_id
    return ids


def link_indicators(session: Session, report: Report, analysis: Analysis) -> None:
    """Link the report to its indicators; counts change only for links that change."""
    ids = upsert_indicators(session, ((i["type"], i["value"]) for i in analysis.indicators))
    new = set(ids.values())
    old = set(session.scalars(select(ReportIndicator.indicator_id).where(ReportIndicator.report_id == report.id)))
    gone, added = old - new, new - old
    if gone:
        session.execute(
            delete(ReportIndicator).where(
                ReportIndicator.report_id == report.id, ReportIndicator.indicator_id.in_(gone)
            )
        )
        session.execute(update(Indicator).where(Indicator.id.in_(gone)).values(report_count=Indicator.report_count - 1))
    if added:
        session.execute(
            _insert(session)(ReportIndicator)
            .values([{"report_id": report.id, "indicator_id": i} for i in added])
            .on_conflict_do_nothing()
        )
        session.execute(
            update(Indicator)
            .where(Indicator.id.in_(added))
            .values(report_count=Indicator.report_count + 1, last_seen=utcnow())
        )


# The steps below reuse the helpers above (and some import this module), so they are
# imported here, after them, rather than at the top.
from watchword.campaigns.assign import assign_campaign  # noqa: E402
from watchword.intel.retrohunt import match_known_bad  # noqa: E402
from watchword.services.decisions import tell_late_joiners  # noqa: E402
from watchword.services.queue import update_priority  # noqa: E402
from watchword.services.search import index_report  # noqa: E402

# The ordered steps after the pipeline, in this one visible place.
AFTER_ANALYSIS: list[AfterAnalysis] = [
    record_analysis,  # the analysis and the report's summary columns
    link_indicators,  # indicators with first/last seen and report counts
    index_report,  # full-text search entry (never for out-of-scope reports)
    assign_campaign,  # campaigns: sightings, near-duplicates, shared indicators; verdict inherited
    tell_late_joiners,  # a report joining a campaign with a verdict: its mail reporter gets the outcome
    match_known_bad,  # known-bad feeds: record matches, raise the report's campaign
    update_priority,  # the queue's order: risk x reach x surge (+ known-bad boost); after the two above
]


def apply(session: Session, report: Report, analysis: Analysis, input_key: str | None = None) -> None:
    """Every after-analysis step, in order; the analysis is stored with its input key."""
    record_analysis(session, report, analysis, input_key)
    for step in AFTER_ANALYSIS[1:]:
        step(session, report, analysis)
