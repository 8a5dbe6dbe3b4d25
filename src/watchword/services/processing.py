"""What happens to a report once the pipeline has analysed it.

`AFTER_ANALYSIS` is the ordered list of steps that run against the store, in
the same transaction that records the analysis and finishes the job: either all
of them land or none does, which is what makes a retried job harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.titles import report_title
from watchword.domain import Analysis
from watchword.domain.states import ReportStatus
from watchword.runtime import Runtime
from watchword.security.sealing import COMMENT, seal_text, unseal_json
from watchword.store.models import AnalysisRecord, Indicator, Report, ReportIndicator, utcnow
from watchword.store.upsert import insert_ignore

MAX_INDICATOR_VALUE = 2048

AfterAnalysis = Callable[[Session, Report, Analysis], None]


def analyse(rt: Runtime, report: Report) -> Analysis:
    """Run the pure pipeline on a stored report. No database writes."""
    raw = rt.blobs.get(report.raw_sha256) if report.raw_sha256 else None
    answers = unseal_json(rt.contact_key, report.answers_sealed) if report.answers_sealed else report.answers
    analysis = analyze_report(report.text, raw, report.approach_hint, answers)
    if analysis.wrapper and analysis.wrapper.get("reporter_comment"):
        # The reporter's own words above a forwarded message: sealed at rest like their contact.
        comment = analysis.wrapper["reporter_comment"]
        analysis.wrapper = {
            **analysis.wrapper,
            "reporter_comment": "",
            "reporter_comment_sealed": seal_text(rt.contact_key, comment, COMMENT),
        }
    return analysis


def record_analysis(session: Session, report: Report, analysis: Analysis) -> None:
    existing = session.get(AnalysisRecord, report.id)
    if existing is None:
        session.add(AnalysisRecord(report_id=report.id, version=analysis.version, result=analysis.to_dict()))
    else:
        existing.version = analysis.version
        existing.result = analysis.to_dict()
        existing.created_at = utcnow()
    session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(
            status=ReportStatus.ANALYSED,
            subject=report_title(analysis),  # the approach and the main act when there is no subject
            approach_type=analysis.approach_type,
            scope=analysis.scope,
            risk=analysis.risk,
        )
    )


def upsert_indicators(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Make sure each (type, value) exists; return their ids. Safe under concurrent workers."""
    wanted = {(t, v[:MAX_INDICATOR_VALUE]) for t, v in pairs}
    if not wanted:
        return {}
    now = utcnow()
    rows = [{"type": t, "value": v, "first_seen": now, "last_seen": now, "report_count": 0} for t, v in wanted]
    session.execute(insert_ignore(session, Indicator, "type", "value").values(rows))
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
            insert_ignore(session, ReportIndicator).values([{"report_id": report.id, "indicator_id": i} for i in added])
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
