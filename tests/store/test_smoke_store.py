"""The funnel and the worker on both backends: a report in, an analysis out."""

from __future__ import annotations

from sqlalchemy import select

from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.store.models import AnalysisRecord, Report
from watchword.worker import Worker


def test_submitted_report_is_analysed_once_and_repeat_is_a_sighting(any_rt: Runtime) -> None:
    raw = b"From: a@example.org\r\nSubject: Verify your account\r\n\r\nGo to http://example.net/login now\r\n"
    first = submit(any_rt, IncomingReport(channel=Channel.API, raw_email=raw))
    again = submit(any_rt, IncomingReport(channel=Channel.WEB, raw_email=raw))
    assert not first.duplicate
    assert again.duplicate and again.report_id == first.report_id and again.sightings == 2
    assert Worker(any_rt).run_until_idle() == 1
    with any_rt.db.session() as session:
        report = session.scalars(select(Report)).one()
        assert report.status == "analysed"
        assert report.sightings == 2
        assert session.get(AnalysisRecord, report.id) is not None
