"""Refusals with a number in them (a length, a size limit) read in the page's language, the number
written the way that language writes it; machines (the JSON API) still read the English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword import errors
from watchword.intake.submit import StoreUnavailable
from watchword.runtime import Runtime, open_runtime
from watchword.translation import N_, refusal_in
from watchword.web.app import create_app

NNBSP = "\u202f"  # French and Russian group thousands with a narrow no-break space


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    # Half a megabyte: an upload over it is cheap to send, and the limit is not a whole number.
    with open_runtime(fast_settings(tmp_path, max_upload_bytes=512 * 1024), migrate=True) as runtime:
        yield runtime


def _client(rt: Runtime, language: str) -> TestClient:
    client = TestClient(create_app(rt), raise_server_exceptions=False)
    client.get(f"/?lang={language}")  # the switcher's cookie: every later page is in this language
    return client


def test_a_refusal_keeps_english_for_machines_and_translates_for_people() -> None:
    refusal = errors.TooLarge(N_("Messages can be at most %(count)s characters."), count=20000)
    assert str(refusal) == "Messages can be at most 20,000 characters."
    assert refusal_in(refusal, "de") == "Nachrichten dürfen höchstens 20.000 Zeichen lang sein."
    assert refusal_in(refusal, "fr") == f"Les messages peuvent compter au plus 20{NNBSP}000 caractères."
    assert refusal_in(refusal, "xx") == str(refusal)  # a language we do not have reads English
    # Without a number too: what intake tells a reporter when the store cannot take the report just now.
    busy = StoreUnavailable(N_("The report could not be stored just now; please try again."))
    assert refusal_in(busy, "de").startswith("Die Meldung konnte gerade nicht gespeichert werden")


def test_a_description_too_long_is_refused_in_german_with_a_german_number(rt: Runtime) -> None:
    with _client(rt, "de") as client:
        response = report(client, "email", {"text": "Bitte prüfen. " * 8000})
    assert response.status_code == 413
    assert "Die Beschreibung ist länger als 100.000 Zeichen." in text_of(response.text)
    assert "longer than" not in response.text


def test_a_message_over_the_limit_is_refused_in_spanish(rt: Runtime) -> None:
    """Within what the server reads at all but over the message limit: refused by intake, in Spanish."""
    eml = b"From: a@example.org\r\nSubject: grande\r\n\r\n" + b"A" * (600 * 1024)
    with _client(rt, "es") as client:
        response = report(client, "email", {"text": ""}, files=[("files", ("grande.eml", eml, "message/rfc822"))])
    assert response.status_code == 413
    assert "El mensaje supera el límite de 0,5 MB." in text_of(response.text)


def test_an_upload_over_what_the_server_reads_is_a_german_page_for_people_and_english_json_for_the_api(
    rt: Runtime,
) -> None:
    big = b"From: a@example.org\r\n\r\n" + b"A" * (2 * 1024 * 1024)
    with _client(rt, "de") as client:
        page = client.post("/report/email", files={"files": ("big.eml", big, "message/rfc822")})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="de"' in page.text
        assert "Die hochgeladenen Daten sind größer als die Grenze von 0,5 MB." in text_of(page.text)
        api = client.post("/api/v1/reports/email", content=big, headers={"content-type": "message/rfc822"})
    assert api.status_code == 413
    assert api.json()["detail"] == "The upload is larger than the 0.5 MB limit."


def test_a_thread_message_too_long_is_refused_in_russian(rt: Runtime) -> None:
    with _client(rt, "ru") as client:
        thanks = report(client, "email", {"text": "Мне пришло письмо, в нём просят пароль."})
        assert thanks.status_code == 201
        code, passphrase = receipt_of(thanks.text)
        view = client.post("/report/status", data={"code": code, "passphrase": passphrase})
        found = re.search(r'name="receipt_id" value="(\d+)"', view.text)
        assert found, "the status page offers a message form"
        refused = client.post("/report/status/message", data={"receipt_id": found.group(1), "text": "я" * 5001})
    assert refused.status_code == 422
    # In the page as written: text_of would fold the narrow no-break space into a plain one.
    assert f"Сообщение может содержать не более 5{NNBSP}000 символов." in refused.text
    assert "at most" not in refused.text


def test_an_answer_too_long_is_refused_in_french(rt: Runtime) -> None:
    """The needs-detail question's answer over its limit: refused on the French page, the number French."""
    with _client(rt, "fr") as client:
        sent = report(
            client, "in_person", {"text": "Quelque chose de bizarre s'est passé au salon. Je ne sais pas quoi."}
        )
        assert sent.status_code == 201
        token = re.search(r'name="token" value="([^"]+)"', sent.text)
        assert token, "the thank-you page asks what they did or asked for"
        refused = client.post("/report/detail", data={"token": token.group(1), "text": "x" * 5001})
    assert refused.status_code == 422
    assert f"Merci de rester sous 5{NNBSP}000 caractères." in refused.text


def test_a_text_over_the_forms_bound_is_a_page_in_arabic_not_the_frameworks_json(rt: Runtime) -> None:
    """Over the form field's own bound (20,000 characters): the framework's validation error, which
    would echo the text back as JSON, becomes a page in the reporter's language."""
    with _client(rt, "ar") as client:
        page = client.post("/report/detail", data={"token": "x", "text": "ب" * 20001})
        api = client.post("/api/v1/reports", json={"text": 5})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "جزء مما أرسلته أطول من المسموح به في هذا النموذج." in page.text
    assert "ب" * 100 not in page.text
    assert api.status_code in (400, 422) and api.headers["content-type"].startswith("application/")
