"""The reporter's language is remembered with the report: outcomes, status lines, scope explanations,
the needs-detail question and the awareness page speak it; the console shows it and lays the words out by it;
numbers stay left to right inside Arabic sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import add_user, analyse_all, console_client, csrf_of, put_in_campaign, sign_in
from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword.domain import Verdict
from watchword.replies import outcomes
from watchword.runtime import Runtime, open_runtime
from watchword.services.guidance import TYPE_NAMES
from watchword.store.models import Report
from watchword.store.models_reporter import ReporterReceipt
from watchword.translation import available_languages
from watchword.web.app import create_app

PHISH_AR = "وصلتني رسالة تطلب مني إدخال كلمة المرور على الرابط https://bank-verify.example/login لتجنب إيقاف الحساب."
LANGUAGES = ("en", "zh", "de", "es", "fr", "ru", "ar")


@pytest.fixture
def wrt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime:
        yield runtime


def test_all_seven_languages_ship() -> None:
    assert set(available_languages()) == set(LANGUAGES)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_outcome_is_written_in_the_reporters_language(language: str) -> None:
    """Each verdict, for each approach type and for one or many reporters, reads in the language asked
    for: nothing of it is the English text, and the count is in it."""
    for verdict in (*Verdict, None):
        for approach in (*TYPE_NAMES, ""):
            for reporters in (1, 1200):
                english = outcomes.outcome_text(verdict, approach_type=approach, reporters=reporters)
                text = outcomes.outcome_text(verdict, approach_type=approach, reporters=reporters, language=language)
                assert text and text != english
                assert "%(" not in text
                # English sentences never leak in: no English sentence of the outcome is kept as is.
                assert not any(s in text for s in re.split(r"(?<=[.:;]) ", english) if len(s) > 12)
                if verdict == Verdict.MALICIOUS and reporters > 1:
                    assert outcomes.number(1200, language) in text
    for status, scope in (("received", "in_scope"), ("analysed", "in_scope"), ("analysed", "needs_detail")):
        assert outcomes.status_text(status, scope=scope, language=language) != outcomes.status_text(status, scope=scope)


def test_an_unknown_language_reads_english() -> None:
    assert outcomes.outcome_text("benign", language="sv") == outcomes.outcome_text("benign")
    assert outcomes.status_text("received", language="") == outcomes.RECEIVED


def test_the_page_language_is_kept_with_the_receipt_and_the_status_and_outcome_speak_it(wrt: Runtime) -> None:
    """GIVEN a report made on the Arabic pages WHEN the reporter checks it later from a browser that asks
    for English and has no language cookie THEN the status and, once decided, the outcome are in Arabic."""
    with TestClient(create_app(wrt)) as web:
        page = web.get("/report/email?lang=ar")
        assert 'dir="rtl"' in page.text
        receipt = receipt_of(report(web, "email", {"text": PHISH_AR}).text)
        analyse_all(wrt)
        with wrt.db.session() as session:
            stored = session.scalars(select(ReporterReceipt.language)).one()
            report_row = session.scalars(select(Report)).one()
            assert stored == "ar" and report_row.language == "ar"
            report_id = report_row.id
    with TestClient(create_app(wrt)) as elsewhere:  # another device: no cookie, an English browser
        status = elsewhere.post(
            "/report/status",
            data={"code": receipt[0], "passphrase": receipt[1]},
            headers={"Accept-Language": "en"},
            follow_redirects=True,
        )
        assert status.status_code == 200 and '<html lang="ar" dir="rtl">' in status.text
        assert outcomes.status_text("analysed", language="ar") in status.text
        assert "تم استلام البلاغ" in status.text  # the history, translated
        put_in_campaign(wrt, [report_id], "bank login", approach_type="credential_phishing")
        add_user(wrt, "ana")
        analyst = console_client(wrt)
        assert sign_in(analyst, "ana").status_code == 303
        with wrt.db.session() as session:
            campaign_id = session.scalars(select(Report.campaign_id)).one()
        console_page = analyst.get(f"/console/campaigns/{campaign_id}")
        decided = analyst.post(
            f"/console/campaigns/{campaign_id}/verdict",
            data={"csrf": csrf_of(console_page.text), "verdict": "malicious", "reporter_message": "", "note": ""},
        )
        assert decided.status_code == 303
        after = elsewhere.get("/report/status/view", headers={"Accept-Language": "en"}).text
        assert "كانت هذه محاولة تصيّد احتيالي." in after
        # The person's own choice still wins over the remembered language.
        assert "This was a phishing attempt." in elsewhere.get("/report/status/view?lang=en").text


def test_a_report_turned_away_is_explained_in_the_page_language(wrt: Runtime) -> None:
    with TestClient(create_app(wrt)) as web:
        web.get("/?lang=zh")
        page = report(web, "other", {"text": "My neighbour is from another country and goes to a different church."})
    assert page.status_code == 201
    text = text_of(page.text)
    assert "感谢您告诉我们。" in text and "Watchword 关注的是人们做了什么" in text
    assert "这份报告涉及某人的以下方面：信仰或宗教活动。" in text  # the ground named, in Chinese
    assert "Thank you for telling us." not in text


def test_the_needs_detail_question_is_asked_in_the_page_language(wrt: Runtime) -> None:
    with TestClient(create_app(wrt)) as web:
        web.get("/?lang=de")
        page = report(web, "other", {"text": "Something strange happened at the conference yesterday."})
    assert page.status_code == 201 and 'name="token"' in page.text  # no act described: the one question
    assert "Was hat die Person getan oder worum hat sie Sie gebeten?" in page.text
    assert "What did they do or ask you for?" not in page.text


def test_the_console_names_the_language_and_lays_the_words_out_right_to_left(wrt: Runtime) -> None:
    with TestClient(create_app(wrt)) as web:
        web.get("/?lang=ar")
        assert report(web, "email", {"text": PHISH_AR}).status_code == 201
    add_user(wrt, "ana")
    analyst = console_client(wrt)
    assert sign_in(analyst, "ana").status_code == 303
    queue = analyst.get("/console/?view=reports").text
    assert "Arabic (right to left)" in queue
    with wrt.db.session() as session:
        report_id = session.scalars(select(Report.id)).one()
    before = analyst.get(f"/console/reports/{report_id}").text
    assert 'lang="ar" dir="rtl" class="body reporter-words"' in before  # not analysed yet: the words alone
    analyse_all(wrt)
    page = analyst.get(f"/console/reports/{report_id}").text
    assert "reporter's language" in page and "Arabic (right to left)" in page
    assert re.search(r'<pre lang="ar" dir="rtl" class="body" id="message-body">', page)
    put_in_campaign(wrt, [report_id], "bank login")
    assert "Arabic (right to left)" in analyst.get("/console/").text  # the campaign row names its languages


def test_a_phone_number_stays_left_to_right_in_arabic(wrt: Runtime) -> None:
    """The example number in the text-message form's hint is an isolate: read inside an Arabic sentence
    it would otherwise come out as "123456 7400 44+"."""
    with TestClient(create_app(wrt)) as web:
        arabic = web.get("/report/text_message?lang=ar").text
        english = web.get("/report/text_message?lang=en").text
    for page in (arabic, english):
        assert '<bdi dir="ltr">+44 7400 123456</bdi>' in page
    hint = re.search(r'<p class="hint" id="q-sender-hint">(.*?)</p>', arabic)
    assert hint is not None and hint.group(1).startswith("كما يظهر على هاتفك")
    assert re.search(r'<code class="code" dir="ltr"', receipt_page(wrt))


def receipt_page(rt: Runtime) -> str:
    with TestClient(create_app(rt)) as web:
        web.get("/?lang=ar")
        return str(report(web, "email", {"text": PHISH_AR}).text)


def test_the_awareness_page_speaks_the_reporter_languages_and_is_linked_from_every_page(wrt: Runtime) -> None:
    with TestClient(create_app(wrt)) as web:
        home = web.get("/?lang=ar").text
        assert '<a href="/awareness">ما أبلغ عنه الناس مؤخرًا</a>' in home
        page = web.get("/awareness")  # the cookie the switcher set
        assert '<html lang="ar" dir="rtl">' in page.text and "<h1>ما أبلغ عنه الناس مؤخرًا</h1>" in page.text
        assert "Accept-Language" in page.headers["vary"]
        assert "محاولة لسرقة كلمة مرور أو بيانات دخول" in page.text  # the kinds, in Arabic
        assert '<bdi class="muted" dir="ltr">&lt;' in page.text  # "<5" must not read "5>"
        chinese = web.get("/awareness.json?lang=zh").json()
        assert chinese["types"]["credential_phishing"] == "企图窃取密码或登录信息"
        assert chinese["counted"] == "people" and "%(" not in chinese["note"]


def test_refusals_a_reporter_sees_are_in_the_page_language(wrt: Runtime) -> None:
    with TestClient(create_app(wrt)) as web:
        web.get("/?lang=fr")
        refused = web.post("/report/status", data={"code": "AAAA-BBBB-CCCC-DDDD-EEEE", "passphrase": "wrong one"})
        assert refused.status_code == 401
        assert "Ce code de reçu et cette phrase secrète ne correspondent pas." in refused.text
        short = report(web, "email", {"text": "Un message bizarre avec un lien.", "passphrase": "short"})
        assert short.status_code == 422
        assert "Choisissez une phrase secrète d'au moins 8 caractères" in short.text
