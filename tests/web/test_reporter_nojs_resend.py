"""The no-JavaScript form sent too fast: refused at most once, and nothing the person typed is lost (issue 15, item 10).

A real POST sequence through the application: the form as the server rendered it, sent back as a
browser would send it (every field of the re-rendered page, not the test's own copy).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.reporter import fast_settings, receipt_of, token_of
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Report
from watchword.web.app import create_app

TYPED = {
    "wants": "info",
    "did": "replied",
    "where": "Trade fair, hall 3",
    "text": "A man kept asking who leads the radar tests & when the next trial is.",
    "passphrase": "blue kettle over the fence",
    "contact": "signal: +41 79 000 00 00",
}


@pytest.fixture(autouse=True)
def _held_clock(clock: ModuleType) -> Iterator[None]:
    """Watchword's clock stands still in these tests but for their `clock.advance()`: whether a send
    comes within the 3 s is then what the test says, never how long a request took on a loaded machine
    (a first send "after one second" was accepted when the requests between took over two)."""
    with clock.held():
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def slow_rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """The real no-JavaScript wait (3 s), which the other reporter tests set to zero."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(fast_settings(tmp_path, database_url=url, pow_nojs_min_age_seconds=3.0), migrate=True) as runtime:
        yield runtime


def _fields(page: str) -> dict[str, str]:
    """What a browser sends for this page's report form: hidden and text inputs, checked radios, the textarea."""
    form = page[page.index('<form method="post"') : page.index("</form>")]
    sent: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or kind is None or kind.group(1) == "file":
            continue
        if kind.group(1) == "radio" and " checked" not in tag:
            continue
        sent[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        sent[name] = html.unescape(text)
    return sent


def _reports(rt: Runtime) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def test_sent_within_three_seconds_it_is_refused_once_keeps_everything_and_the_second_send_goes_through(
    slow_rt: Runtime, clock: ModuleType
) -> None:
    """GIVEN the in-person form without JavaScript WHEN the person sends it after one second and, refused,
    presses Send again at once THEN every field (text, answers, the chosen passphrase, contact) is on
    the refused page, the wait counts from the first render, and the second send is accepted."""
    with TestClient(create_app(slow_rt)) as web:
        first_page = web.get("/report/in_person").text
        sent = {**_fields(first_page), **TYPED}
        clock.advance(1.0)
        refused = web.post("/report/in_person", data=sent)
        assert refused.status_code == 422 and "press Send again" in refused.text
        kept = _fields(refused.text)
        for key, value in TYPED.items():
            assert kept.get(key) == value, key
        assert kept["pow_token"] == token_of(first_page)  # the wait counts from the first render
        assert kept["pow_resend"] and kept["website"] == ""
        clock.advance(0.5)  # still under 3 s since the form was first shown
        accepted = web.post("/report/in_person", data=kept)
        assert accepted.status_code == 201, accepted.text
        code, generated = receipt_of(accepted.text)
        assert generated == "" and "The one you chose." in accepted.text
        assert TYPED["passphrase"] not in accepted.text  # never shown on the receipt
        # Sent once more (back button and resend): stored once, and the receipt is not shown again.
        again = web.post("/report/in_person", data=kept)
        assert again.status_code == 200 and "already sent" in again.text and code not in again.text
        back = web.post("/report/status", data={"code": code, "passphrase": TYPED["passphrase"]}, follow_redirects=True)
        assert back.status_code == 200 and "Report received" in back.text
    assert _reports(slow_rt) == 1


def test_the_resend_mark_cannot_be_forged_nor_moved_to_another_form(slow_rt: Runtime, clock: ModuleType) -> None:
    """GIVEN a bot that sends at once WHEN it adds a made-up resend mark, or one from another form
    THEN it is refused for speed each time and nothing is stored."""
    with TestClient(create_app(slow_rt)) as web:
        marked = _fields(web.post("/report/other", data={**_fields(web.get("/report/other").text), "text": "x"}).text)
        assert marked["pow_resend"]
        for mark in ("AAAAAAAAAAAAAAAAAAAAAA", marked["pow_resend"]):
            fresh = _fields(web.get("/report/other").text)
            refused = web.post("/report/other", data={**fresh, "pow_resend": mark, "text": "bot text"})
            assert refused.status_code == 422 and "bot text" in refused.text
    assert _reports(slow_rt) == 0


def test_any_refusal_keeps_the_form_and_never_refuses_for_speed_after_it(slow_rt: Runtime, clock: ModuleType) -> None:
    """GIVEN a too-short passphrase sent without JavaScript WHEN the person corrects it and sends at once
    THEN the refused page kept what they typed, and the corrected form is accepted."""
    with TestClient(create_app(slow_rt)) as web:
        first_page = web.get("/report/in_person").text
        clock.advance(3.5)
        refused = web.post("/report/in_person", data={**_fields(first_page), **TYPED, "passphrase": "short"})
        assert refused.status_code == 422 and "at least 8 characters" in refused.text
        kept = _fields(refused.text)
        assert kept["passphrase"] == "short" and kept["text"] == TYPED["text"] and kept["did"] == "replied"
        # The clock has not moved, but the first render is 3.5 s old: and the resend mark holds anyway.
        accepted = web.post("/report/in_person", data={**kept, "passphrase": "a longer phrase now"})
        assert accepted.status_code == 201
    assert _reports(slow_rt) == 1


def test_an_expired_form_comes_back_with_a_new_token_that_is_not_refused_for_speed(
    slow_rt: Runtime, clock: ModuleType
) -> None:
    with TestClient(create_app(slow_rt)) as web:
        first_page = web.get("/report/other").text
        clock.advance(slow_rt.settings.pow_max_age_seconds + 10)
        expired = web.post("/report/other", data={**_fields(first_page), "text": "left open all day"})
        assert expired.status_code == 422 and "expired" in expired.text
        kept = _fields(expired.text)
        assert kept["text"] == "left open all day" and kept["pow_token"] != token_of(first_page)
        assert web.post("/report/other", data=kept).status_code == 201


def test_files_cannot_come_back_so_the_person_is_told_to_add_them_again(slow_rt: Runtime, clock: ModuleType) -> None:
    with TestClient(create_app(slow_rt)) as web:
        page = _fields(web.get("/report/device").text)
        photo = [("files", ("stick.png", b"\x89PNG\r\n\x1a\nnot much of a picture", "image/png"))]
        refused = web.post("/report/device", data={**page, "text": "A USB stick in the car park."}, files=photo)
        assert refused.status_code == 422 and "not kept: please add them again" in refused.text
        without = web.post("/report/device", data={**_fields(web.get("/report/device").text), "text": "x"})
        assert without.status_code == 422 and "not kept" not in without.text
        german = web.post("/report/device?lang=de", data={**page, "text": "USB-Stick"}, files=photo)
        assert "Bitte fügen Sie sie erneut hinzu" in german.text
