"""What a client other than our page can send to a guided form: nothing stored that the
reporter did not write, and nothing they wrote cut short."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.reporter import fast_settings, report, text_of
from watchword.runtime import open_runtime
from watchword.store.models import Report
from watchword.web.app import create_app


def test_an_empty_guided_form_is_refused_not_stored_as_a_report_of_nothing(tmp_path: Path) -> None:
    """The page adds the form's own key to the answers; that alone made an empty form a report."""
    with open_runtime(fast_settings(tmp_path)) as rt:
        with TestClient(create_app(rt)) as web:
            sent = report(web, "in_person", {"text": "  "})
            assert sent.status_code == 422
            assert "The report is empty" in text_of(sent.text)
            chose = report(web, "in_person", {"wants": "info"})  # one choice made is something said
            assert chose.status_code == 201
        with rt.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_an_answer_longer_than_the_page_allows_is_refused_whole_and_kept_on_the_page(tmp_path: Path) -> None:
    """The page's field takes 500 characters; a longer answer was trimmed to 500 and stored."""
    with open_runtime(fast_settings(tmp_path)) as rt:
        where = "Conference hall B, " + "x" * 2000
        with TestClient(create_app(rt)) as web:
            sent = report(web, "in_person", {"text": "He asked about our project budget.", "where": where})
            assert sent.status_code == 422
            assert "too long for this form" in text_of(sent.text)
            assert "He asked about our project budget." in sent.text and "x" * 2000 in sent.text
            fits = report(web, "in_person", {"text": "He asked about our project budget.", "where": where[:500]})
            assert fits.status_code == 201
        with rt.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Report)) == 1
