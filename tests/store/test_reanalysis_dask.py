"""Re-analysis on Dask distributed (a real local cluster of two processes) equals the single-process run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.services.processing import analyse
from watchword.services.reanalysis_dask import dask_client, reanalyse_on_cluster
from watchword.store.models import AnalysisRecord, AuditEvent, Indicator, Report, ReportIndicator
from watchword.worker import Worker


def _email(n: int) -> bytes:
    return (
        f"From: Security <alert{n % 4}@account{n % 6}-verify.top>\r\nTo: user{n}@example.org\r\n"
        f"Subject: Unusual sign-in {n}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>Verify now: <a href="https://login{n % 9}-secure.top/v/{n}">sign in</a> or call +44 20 7946 {n:04d}</p>'
    ).encode()


def _stored(rt: Runtime) -> tuple[dict[int, dict[str, object]], dict[int, set[str]], dict[str, int]]:
    with rt.db.session() as session:
        results = {
            rid: dict(result)
            for rid, result in session.execute(select(AnalysisRecord.report_id, AnalysisRecord.result))
        }
        links: dict[int, set[str]] = {}
        for rid, value in session.execute(
            select(ReportIndicator.report_id, Indicator.value).join(
                Indicator, Indicator.id == ReportIndicator.indicator_id
            )
        ):
            links.setdefault(rid, set()).add(value)
        counts = dict(session.execute(select(Indicator.value, Indicator.report_count)).all())
    for result in results.values():
        result.pop("created_at", None)
    return results, links, counts


@pytest.mark.slow  # a real Dask cluster of two processes starts and stops; make test runs it
def test_two_dask_processes_reanalyse_stored_reports_to_the_single_process_result(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path), migrate=True) as rt:
        for n in range(60):
            submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=_email(n)))
        submit(rt, IncomingReport(channel=Channel.WEB, text="A recruiter on LinkedIn offered me money for reports"))
        assert Worker(rt, processes=1).run_until_idle() == 61
        with rt.db.write() as session:  # an older pipeline's analyses: wrong content, old version
            for record in session.scalars(select(AnalysisRecord)):
                record.result = {**record.result, "risk": 0.0, "campaign_keys": []}
                record.version = record.version - 1
        with rt.db.session() as session:
            expected = {r.id: analyse(rt, r).to_dict() for r in session.scalars(select(Report))}
        with dask_client(processes=2) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            assert reanalyse_on_cluster(rt, client) == 61
        results, links, counts = _stored(rt)
        assert results == expected  # every analysis is what the pipeline makes of the report now
        assert all(links.get(rid, set()) >= {i["value"] for i in expected[rid]["indicators"]} for rid in expected)
        assert counts == {v: sum(v in s for s in links.values()) for v in counts}
        with rt.db.session() as session:
            trail = session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.reanalysed")).all()
        assert sum(e.detail["reports"] for e in trail) == 61 and all(e.detail["engine"] == "dask" for e in trail)
