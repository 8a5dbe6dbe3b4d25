"""What reporters are told: a wording per verdict (spam is not "genuine"), and the words issue 15 found wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.support.console import add_user, analyse_all, console_client, csrf_of, put_in_campaign, sign_in
from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword import clock
from watchword.domain import Verdict
from watchword.replies import outcomes
from watchword.runtime import Runtime, open_runtime
from watchword.services import guidance
from watchword.services.queue import VERDICTS
from watchword.store.models import AnalysisRecord, Report
from watchword.web.app import create_app

SCAM_419 = (
    "Greetings. I am the manager of an unclaimed deposit of USD 10,500,000 at our bank. I need a partner "
    "to transfer the funds; you will receive 40 percent. Send your bank account details and a processing fee "
    "of 900 USD today."
)


def test_five_verdicts_each_with_words_of_its_own() -> None:
    assert VERDICTS == ("malicious", "suspicious", "spam", "benign", "out_of_scope")
    texts = {v: outcomes.outcome_text(v, approach_type="scam_or_spam") for v in VERDICTS}
    assert len(set(texts.values())) == 5
    assert "not genuine" in texts["spam"] and "Delete it" in texts["spam"]
    assert "genuine: you can treat it as normal" not in texts["spam"]
    assert "genuine: you can treat it as normal" in texts["benign"]


def test_a_found_usb_stick_is_not_told_about_clicking_links() -> None:
    usb = outcomes.outcome_text(Verdict.SUSPICIOUS, approach_type="technical_surveillance")
    assert "clicked a link" not in usb and "plugged in" in usb
    assert "clicked a link" in outcomes.outcome_text(Verdict.SUSPICIOUS, approach_type="credential_phishing")


def test_after_the_automatic_checks_nobody_claims_a_person_has_looked() -> None:
    text = outcomes.status_text("analysed")
    assert "We have looked" not in text and "automatic checks" in text and "An analyst will review it" in text


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        ("questions were asked about work, colleagues, security or access",
         "Questions were asked about work, colleagues, security or access."),
        ("replies go to a free-mail address", "Replies go to a free-mail address."),
        ("links pass through redirects that hide the destination",
         "Links pass through redirects that hide the destination."),
        ("links to evil.example, which imitates corp.example",
         "It links to evil.example, which imitates corp.example."),
        ("asks to verify your account, password or login", "It asks to verify your account, password or login."),
        ("sent from a free-mail address", "It was sent from a free-mail address."),
        ("the subject line is alarming or too good to be true", "The subject line is alarming or too good to be true."),
        ("someone threatened the reporter to get something", "Someone threatened the reporter to get something."),
    ],
)  # fmt: skip
def test_findings_read_as_sentences(reason: str, sentence: str) -> None:
    assert guidance._sentence(reason) == sentence


def test_steps_follow_what_the_reporter_said_they_did() -> None:
    replied = " ".join(guidance.steps_for("social", {"did": "replied"}))
    assert "change that password" not in replied and "You said you replied" in replied
    clicked = " ".join(guidance.steps_for("email", {"did": "clicked"}))
    assert "change that password" not in clicked and "You said you clicked a link" in clicked
    typed = " ".join(guidance.steps_for("email", {"did": "typed_password"}))
    assert "change that password now" in typed


@pytest.fixture
def wrt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime:
        yield runtime


def _status(web: TestClient, code: str, phrase: str) -> str:
    page = web.post("/report/status", data={"code": code, "passphrase": phrase}, follow_redirects=True)
    assert page.status_code == 200
    return text_of(page.text)


def test_an_analyst_marks_a_419_scam_as_spam_and_the_reporter_is_told_so(wrt: Runtime) -> None:
    """GIVEN a reported 419 scam in a campaign WHEN an analyst sets the verdict spam in the console
    THEN the reporter's status page says it was spam, not that it is genuine."""
    with TestClient(create_app(wrt)) as web:
        receipt = receipt_of(report(web, "email", {"text": SCAM_419}).text)
        analyse_all(wrt)
        before = _status(web, *receipt)
        assert "We have looked at your report" not in before and "automatic checks" in before
        web.post("/report/status/leave")
        with wrt.db.session() as session:
            report_id = session.scalars(select(Report.id)).one()
        campaign_id = put_in_campaign(wrt, [report_id], "419 inheritance")
        add_user(wrt, "ana")
        analyst = console_client(wrt)
        assert sign_in(analyst, "ana").status_code == 303
        page = analyst.get(f"/console/campaigns/{campaign_id}")
        assert 'value="spam"' in page.text
        decided = analyst.post(
            f"/console/campaigns/{campaign_id}/verdict",
            data={"csrf": csrf_of(page.text), "verdict": "spam", "reporter_message": "", "note": ""},
        )
        assert decided.status_code == 303
        after = _status(web, *receipt)
    assert "spam or a scam" in after and "not genuine" in after
    assert "you can treat it as normal" not in after


def test_history_never_lists_a_check_before_the_report_was_received(wrt: Runtime) -> None:
    """GIVEN a message already reported and checked WHEN a second person reports it later
    THEN their history starts with 'Report received', and no step is dated before it."""
    with TestClient(create_app(wrt)) as web:
        report(web, "email", {"text": SCAM_419})
        analyse_all(wrt)
        with wrt.db.write() as session:  # the first report was checked an hour ago
            earlier = clock.now() - dt.timedelta(hours=1)
            session.execute(update(AnalysisRecord).values(created_at=earlier))
        second = receipt_of(report(web, "email", {"text": SCAM_419}).text)
        page = _status(web, *second)
    received, checked = page.index("Report received"), page.index("Automatic checks done")
    assert received < checked and "First analysis done" not in page
