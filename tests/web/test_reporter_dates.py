"""Dates on the reporter pages are ISO (2026-12-06), never an English month name on a page in
another language: checked on the German status and awareness pages, and in every reporter template."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.reporter import fast_settings, receipt_of, report
from watchword.runtime import open_runtime
from watchword.web import templating
from watchword.web.app import create_app

# The English month names German does not share (April, August, September and November it does).
ENGLISH_ONLY_MONTHS = re.compile(
    r"\b(January|February|March|May|June|July|October|December|Jan|Feb|Mar|Jun|Jul|Oct|Dec)\b"
)
ISO_TIME = re.compile(r'<time [^>]*datetime="(\d{4}-\d{2}-\d{2})[^"]*"[^>]*>(\d{4}-\d{2}-\d{2})( \d{2}:\d{2})?</time>')


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as rt, TestClient(create_app(rt)) as web:
        web.get("/?lang=de")
        yield web


def test_the_german_status_page_writes_its_dates_in_iso(client: TestClient) -> None:
    thanks = report(client, "email", {"text": "Ich habe diese Mail bekommen und sie will mein Passwort."})
    code, passphrase = receipt_of(thanks.text)
    view = client.post("/report/status", data={"code": code, "passphrase": passphrase})
    receipt_id = re.search(r'name="receipt_id" value="(\d+)"', view.text)
    assert receipt_id
    sent = client.post("/report/status/message", data={"receipt_id": receipt_id.group(1), "text": "Noch eine Frage."})
    page = sent.text
    assert '<html lang="de"' in page
    # The submission date, the history's steps and the message: each shown as the ISO date it carries.
    shown = ISO_TIME.findall(page)
    assert len(shown) >= 3 and all(machine == person for machine, person, _ in shown)
    assert len(shown) == page.count("<time ")  # no date on the page written any other way
    assert not ENGLISH_ONLY_MONTHS.search(page)


def test_the_german_awareness_page_writes_its_weeks_in_iso(client: TestClient) -> None:
    page = client.get("/awareness").text
    assert '<html lang="de"' in page
    weeks = ISO_TIME.findall(page)
    assert weeks and all(machine == person for machine, person, _ in weeks)
    assert len(weeks) == page.count("<time ")
    assert not ENGLISH_ONLY_MONTHS.search(page)


def test_no_reporter_template_writes_a_month_name() -> None:
    """strftime's %b and %B are English whatever the page's language: a reporter template uses ISO
    (or a date localised for the page's locale). The console and the bulletins are English pages."""
    month_names = re.compile(r"strftime\([^)]*%[bB]")
    offenders = [
        path.name
        for path in Path(templating.TEMPLATES).glob("*.html")  # the reporter pages; console/ and bulletins/ below
        if month_names.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
