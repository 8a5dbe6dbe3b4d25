"""A NUL in what a reporter typed: accepted on both stores alike, nothing they wrote lost.

PostgreSQL's text type cannot hold U+0000, and the API answered such a report with 503 "try again"
(a retrying client never got it in) while SQLite took it. The analysed, searchable copy now shows
U+FFFD in the NUL's place on both stores; the sealed copy of the reporter's words keeps it.
"""

from __future__ import annotations

from sqlalchemy import select

from watchword.domain import Channel, IncomingReport
from watchword.domain.model import storable_text
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.security.sealing import unseal_json
from watchword.services.detail import add_detail
from watchword.store.models import Report, Submission

TYPED = "They phoned\x00 and asked for my password; the caller said he was from IT"


def test_storable_text_changes_only_nul() -> None:
    assert storable_text("a\x00b\x00") == "a\ufffdb\ufffd"
    assert storable_text("héllo\tжук\x01") == "héllo\tжук\x01"


def test_a_report_with_a_nul_is_stored_on_both_stores_and_its_words_kept_whole(any_rt: Runtime) -> None:
    receipt = submit(any_rt, IncomingReport(channel=Channel.API, text=TYPED, source_name="paste\x00.txt"))
    with any_rt.db.session() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None
        assert report.text == TYPED.replace("\x00", "\ufffd")
        assert report.source_name == "paste\ufffd.txt"
        sealed = session.scalar(select(Submission.words_sealed).where(Submission.report_id == report.id))
    assert sealed is not None
    assert unseal_json(any_rt.contact_key, sealed)["text"] == TYPED


def test_an_answer_to_the_question_with_a_nul_is_added_on_both_stores(any_rt: Runtime) -> None:
    receipt = submit(any_rt, IncomingReport(channel=Channel.API, text="Something odd happened at work."))
    with any_rt.db.write() as session:
        add_detail(session, receipt.report_id, "He asked\x00 for the door code")
    with any_rt.db.session() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None and report.text.endswith("He asked\ufffd for the door code")
