"""The thank-you page's "What a first look found" reads in the page's language (issue 16)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.reporter import fast_settings, report
from watchword.analysis.pipeline import analyze_report
from watchword.runtime import open_runtime
from watchword.services.guidance import first_look
from watchword.web.app import create_app

# A caller who poses as IT support, asks for the password and the code, and threatens: three acts.
CALLER = (
    "Ein Anrufer gab sich als IT-Support aus und fragte nach meinem Passwort und dem Code aus der SMS. "
    "Er drohte, mein Konto zu sperren."
)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    with open_runtime(fast_settings(tmp_path)) as rt, TestClient(create_app(rt)) as client:
        yield client


def _english_findings() -> list[str]:
    analysis = analyze_report(CALLER, None, answers={"form": "other"}, form="other")
    found = first_look("other", {}, analysis, language="en").findings
    assert len(found) == 3  # the report has findings to show, or the tests below prove nothing
    return found


def _first_look(page: str) -> str:
    section = re.search(r'<section class="first-look".*?</section>', page, re.S)
    assert section, "the page shows what the first look found"
    return section.group(0)


def _findings_list(page: str) -> str:
    items = re.search(r"<ul>(.*?)</ul>", _first_look(page), re.S)
    assert items, "the findings are a list not marked as English"
    return items.group(1)


def _thanks(web: TestClient, language: str) -> str:
    web.get(f"/?lang={language}")
    page = report(web, "other", {"text": CALLER})
    assert page.status_code == 201
    return page.text


def test_a_german_report_reads_its_findings_in_german(web: TestClient) -> None:
    page = _thanks(web, "de")
    listed = _findings_list(page)
    assert "Man hat nach einem Passwort, einem Code oder einer PIN gefragt" in listed
    assert "Man hat gedroht, um etwas zu bekommen" in listed
    assert "Man hat sich als jemand anderes ausgegeben" in listed
    # The reporter's own words are quoted as they wrote them, isolated.
    assert "<bdi>Ein Anrufer gab sich als IT-Support aus" in listed
    text = html.unescape(page)
    for english in _english_findings():
        assert english not in text
        assert english.split(":")[0] not in text  # not even the sentence without its quote
    assert 'lang="en"' not in _first_look(page)


def test_an_arabic_report_reads_its_findings_in_arabic_right_to_left(web: TestClient) -> None:
    page = _thanks(web, "ar")
    assert '<html lang="ar" dir="rtl">' in page
    listed = _findings_list(page)
    assert "طلبوا كلمة مرور أو رمزًا أو رقمًا سريًا" in listed
    assert "هدّدوا للحصول على شيء" in listed
    assert "تظاهروا بأنهم شخص آخر" in listed
    # The German words quoted inside the Arabic sentence keep their own (left-to-right) direction.
    assert "«<bdi>Ein Anrufer gab sich als IT-Support aus" in listed
    text = html.unescape(page)
    for english in _english_findings():
        assert english.split(":")[0] not in text
    assert 'lang="en"' not in _first_look(page)


def test_the_english_page_shows_the_same_findings_as_before(web: TestClient) -> None:
    page = _thanks(web, "en")
    listed = html.unescape(_findings_list(page))
    for english in _english_findings():
        assert f"<li>{english}</li>" in listed
    assert "<bdi" not in listed


def test_the_answer_to_the_one_question_reads_its_findings_in_french(web: TestClient) -> None:
    """The first look after the needs-detail answer (report_detail.html) is said in the page's language too."""
    web.get("/?lang=fr")
    sent = report(web, "other", {"text": "Il s'est passé quelque chose de bizarre au salon la semaine dernière."})
    assert sent.status_code == 201
    token = re.search(r'name="token" value="([^"]+)"', sent.text)
    assert token, "the report is asked for detail"
    added = web.post("/report/detail", data={"token": token.group(1), "text": CALLER})
    assert added.status_code == 200
    listed = _findings_list(added.text)
    assert "On vous a demandé un mot de passe, un code ou un code PIN" in listed
    assert "On a proféré une menace pour obtenir quelque chose" in listed
    for english in _english_findings():
        assert english.split(":")[0] not in html.unescape(added.text)
