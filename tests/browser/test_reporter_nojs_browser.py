"""Without JavaScript, a form sent too soon is refused once, keeps everything, and goes through on the next send.

Debian's chromium with JavaScript off (Tor Browser's safest mode), phone-sized. The wait is set
to 30 s so that the second send is accepted because it is the second, not because time passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.browser import PHONE, LiveApp
from tests.support.reporter import fast_settings
from watchword.runtime import open_runtime
from watchword.store.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-nojs")]

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
CHOSEN = "blue kettle over the fence"
WORDS = "A man at the trade fair kept asking who leads the radar tests and when the next trial is."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    settings = fast_settings(tmp_path_factory.mktemp("nojs"), pow_difficulty_bits=16, pow_nojs_min_age_seconds=30.0)
    with open_runtime(settings, migrate=True) as rt, LiveApp(rt) as server:
        yield server


def test_a_fast_no_javascript_send_is_refused_once_and_loses_nothing(browser: Any, live: LiveApp) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live.url}/report/in_person")
    page.check('input[name="wants"][value="info"]')
    page.check('input[name="did"][value="replied"]')
    page.fill("#q-where", "Trade fair, hall 3")
    page.fill("#text", WORDS)
    page.click("details.followup summary")
    page.fill("#passphrase", CHOSEN)
    page.fill("#contact", "signal: +41 79 000 00 00")
    page.click("button.send")
    page.wait_for_load_state()
    assert "press Send again" in page.inner_text("#form-error")
    # Everything the person typed is on the page they got back, the passphrase in sight.
    assert page.is_checked('input[name="wants"][value="info"]')
    assert page.is_checked('input[name="did"][value="replied"]')
    assert page.input_value("#q-where") == "Trade fair, hall 3" and page.input_value("#text") == WORDS
    assert page.input_value("#passphrase") == CHOSEN and page.is_visible("#passphrase")
    assert page.input_value("#contact") == "signal: +41 79 000 00 00"
    page.click("button.send")  # at once: far sooner than the 30 s wait
    page.wait_for_selector("code.code")
    assert "The one you chose." in page.content() and CHOSEN not in page.content()
    code = page.inner_text("code.code").strip()
    page.goto(f"{live.url}/report/status")
    page.fill("#code", code)
    page.fill("#passphrase", CHOSEN)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/report/status/view" in page.url and "Report received" in page.content()
    context.close()
    with live.rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
