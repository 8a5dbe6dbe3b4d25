"""A reporter's message from the status page: always in their thread, and in the report's words
only while the report has not yet said what was done and only this reporter has sent it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from watchword.domain import Channel, IncomingReport
from watchword.domain.states import JobStatus
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.services import detail, receipts
from watchword.services.followup import FollowupNotFound
from watchword.store.models import Job, Report
from watchword.store.models_reporter import ThreadMessage

WORDS = "Someone I met at the fair keeps writing to me."
ANSWER = "He asked me for the floor plan of our lab."


def _reported(rt: Runtime, scope: str, sightings: int = 1) -> tuple[int, int]:
    report_id = submit(rt, IncomingReport(channel=Channel.WEB, text=WORDS)).report_id
    with rt.db.write() as session:
        receipt = receipts.create(session, report_id, f"code-{report_id}", "not-a-hash", "other")
        session.execute(update(Job).where(Job.report_id == report_id).values(status=JobStatus.DONE))
        session.execute(update(Report).where(Report.id == report_id).values(scope=scope, sightings=sightings))
        return report_id, receipt.id


def _state(rt: Runtime, report_id: int) -> tuple[str, int, int]:
    with rt.db.session() as session:
        text = session.scalar(select(Report.text).where(Report.id == report_id)) or ""
        queued = session.scalar(select(func.count()).where(Job.report_id == report_id, Job.status == JobStatus.QUEUED))
        messages = session.scalar(select(func.count()).where(ThreadMessage.report_id == report_id))
        return text, queued or 0, messages or 0


@pytest.mark.parametrize(
    ("scope", "sightings", "joins"), [("needs_detail", 1, True), ("in_scope", 1, False), ("needs_detail", 2, False)]
)
def test_the_answer_joins_the_words_only_of_a_report_that_needs_detail(
    rt: Runtime, scope: str, sightings: int, joins: bool
) -> None:
    report_id, receipt_id = _reported(rt, scope, sightings)
    with rt.db.write() as session:
        detail.message_from_reporter(session, receipt_id, ANSWER)
    text, queued, messages = _state(rt, report_id)
    assert messages == 1  # in the thread either way
    assert (ANSWER in text) is joins and text.startswith(WORDS)
    assert queued == (1 if joins else 0)  # analysed again with the answer, and only then


def test_a_message_for_a_receipt_that_is_gone_is_refused_and_changes_nothing(rt: Runtime) -> None:
    report_id, receipt_id = _reported(rt, "needs_detail")
    with pytest.raises(FollowupNotFound), rt.db.write() as session:
        detail.message_from_reporter(session, receipt_id + 1000, ANSWER)
    assert _state(rt, report_id) == (WORDS, 0, 0)
