"""A report page that reads itself: questions beside answers, and a title where there is no subject."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import add_user, analyse_all, console_client, sign_in
from tests.support.reporter import fast_settings, report, text_of
from watchword.analysis.titles import report_title
from watchword.domain import Analysis
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Report
from watchword.web.app import create_app
from watchword.web.reporter.forms import labelled_answers

IN_PERSON = {
    "where": "at the trade fair in Munich",
    "when": "Tuesday evening around 9 pm",
    "wants": "info",
    "did": "nothing",
    "text": "A man asked me questions about our security procedures and which colleagues have access to the lab.",
}


def test_answers_are_shown_with_the_questions_the_reporter_saw() -> None:
    answers = {k: v for k, v in IN_PERSON.items() if k != "text"}
    assert labelled_answers(answers) == [
        ("Where did it happen?", "at the trade fair in Munich"),
        ("When?", "Tuesday evening around 9 pm"),
        ("What did they ask for or offer?", "Questions about my work, colleagues or plans"),
        ("Did you give them anything or agree to anything?", "No"),
    ]
    # The same keys mean other questions on another form: the email form's "wants" and "did".
    assert labelled_answers({"wants": "info", "did": "nothing"}) == [
        ("What did it want you to do?", "Tell them about my work, colleagues or plans"),
        ("Did you do anything with it?", "No, nothing"),
    ]
    assert labelled_answers({"files": "a.png (3 kB)", "odd_key": "x"}) == [
        ("Files attached", "a.png (3 kB)"),
        ("odd key", "x"),
    ]


def _analysis(subject: str, approach: str, reasons: list[str], scope: str = "in_scope") -> Analysis:
    return Analysis(
        kind="text",
        subject=subject,
        approach_type=approach,
        scope=scope,
        scope_reason="",
        risk=0.7,
        reasons=reasons,
        indicators=[],
        links=[],
        attachments=[],
        auth=None,
        wrapper=None,
        body_text="",
        content_hash="",
        shingles=[],
        warnings=[],
        headers={},
    )


def test_a_title_is_the_subject_or_the_approach_and_the_main_act() -> None:
    assert report_title(_analysis("Password expires today", "credential_phishing", ["x"])) == "Password expires today"
    made = report_title(_analysis("", "elicitation", ["questions were asked about work, colleagues"]))
    assert made == "Elicitation — questions were asked about work, colleagues"
    quoted = report_title(_analysis("", "elicitation", ['asked about work: "who leads the pilot line"']))
    assert quoted == "Elicitation — asked about work"  # the reporter's quoted words stay sealed
    long = report_title(_analysis("", "inducement", ["money " * 60]))
    assert len(long) <= 120 and long.endswith("…")
    assert report_title(_analysis("", "benign", [])) == ""


def test_a_report_the_scope_guard_did_not_take_is_titled_by_the_outcome_without_its_words() -> None:
    refused = _analysis(
        "",
        "benign",
        ['out of scope: the report asks about a person ("Ali Demir at number 12") and describes no act'],
        scope="out_of_scope",
    )
    assert report_title(refused) == "Out of scope — no act done to the reporter is described"
    waiting = _analysis("", "undetermined", ["needs detail: no act is described yet"], scope="needs_detail")
    assert report_title(waiting) == "Needs detail — no act is described yet"
    # An email keeps its own subject whatever the scope.
    assert report_title(_analysis("Re: minutes", "benign", ["x"], scope="out_of_scope")) == "Re: minutes"
    # A parenthesised quote inside an act's reason is left out too.
    inside = _analysis("", "elicitation", ['asked about a colleague ("where does Ana live") at the fair'])
    assert report_title(inside) == "Elicitation — asked about a colleague at the fair"


@pytest.fixture
def prt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime:
        yield runtime


def test_the_console_shows_questions_beside_answers_and_a_title_instead_of_no_subject(prt: Runtime) -> None:
    with TestClient(create_app(prt)) as web:
        assert report(web, "in_person", IN_PERSON).status_code == 201
    analyse_all(prt)
    with prt.db.session() as session:
        stored = session.scalars(select(Report)).one()
    assert stored.subject.startswith("Elicitation — ")
    # The title is made from the analysis, never from the reporter's (sealed) words.
    assert "Munich" not in stored.subject and "Tuesday" not in stored.subject
    add_user(prt, "ana")
    analyst = console_client(prt)
    assert sign_in(analyst, "ana").status_code == 303
    queue = text_of(analyst.get("/console/").text)
    assert '"' not in stored.subject  # the act's name, without the words the reading quotes
    title = stored.subject[:40]
    assert title in queue and "(no subject)" not in queue
    page = text_of(analyst.get(f"/console/reports/{stored.id}").text)
    assert title in page and "(no subject)" not in page
    words = text_of(analyst.get(f"/console/reports/{stored.id}/submissions").text)
    assert "When? Tuesday evening around 9 pm" in words
    assert "What did they ask for or offer? Questions about my work, colleagues or plans" in words
    assert "Did you give them anything or agree to anything? No" in words
