"""Re-running the pipeline over stored reports whose analysis an older version made.

A change to a stage (a new kind of campaign key, a better normaliser) leaves
the stored analyses as the old code wrote them, and re-clustering replays
stored analyses: without this, `watchword recluster` would rebuild campaigns
from stale keys. Each stale report is analysed again from its stored content
and its analysis, indicator links and search entry are rewritten, in batches,
each batch one transaction. Campaign membership is left to the re-clustering
that follows; reporters are not told anything again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from watchword.domain import Analysis
from watchword.domain.model import ANALYSIS_VERSION
from watchword.runtime import Runtime
from watchword.services.processing import analyse, rewrite_analyses
from watchword.store import audit
from watchword.store.models import AnalysisRecord, Report

BATCH = 200


def stale_report_ids(rt: Runtime) -> list[int]:
    """The reports an older pipeline analysed, in order: what re-analysis does by default."""
    return _analysed_report_ids(rt, AnalysisRecord.version != ANALYSIS_VERSION)


def analysed_report_ids(rt: Runtime) -> list[int]:
    """Every analysed report, in order (`watchword reanalyse --all`)."""
    return _analysed_report_ids(rt, true())


def _analysed_report_ids(rt: Runtime, where: ColumnElement[bool]) -> list[int]:
    with rt.db.session() as session:
        return list(session.scalars(select(AnalysisRecord.report_id).where(where).order_by(AnalysisRecord.report_id)))


def store_reanalysed(
    session: Session,
    actor: str,
    chunk: list[int],
    items: Sequence[tuple[Report, Analysis, str | None]],
    engine: str = "",
) -> None:
    """One chunk's new analyses and, in the same transaction, its audit entry: an interrupted
    run leaves an exact trail of what was re-analysed."""
    rewrite_analyses(session, items)
    details: dict[str, object] = {"reports": len(chunk), "first": chunk[0], "last": chunk[-1]}
    if engine:
        details["engine"] = engine
    audit.record(session, actor, "reports.reanalysed", "analysis", ANALYSIS_VERSION, details)


def reanalyse_stale(rt: Runtime, actor: str = "system", progress: Callable[[int, int], None] | None = None) -> int:
    """Analyse again every report whose stored analysis is of another version; return how many."""
    ids = stale_report_ids(rt)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with rt.db.write() as session:
            reports = session.scalars(select(Report).where(Report.id.in_(chunk)).order_by(Report.id)).all()
            store_reanalysed(session, actor, chunk, [(report, analyse(rt, report), None) for report in reports])
            done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done
