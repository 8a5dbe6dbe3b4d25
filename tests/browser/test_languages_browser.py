"""Reporting through the Chinese and Arabic pages in a real browser at phone size (Debian's chromium).

The browser's own language picks the page's; the switcher's plain links change it
with JavaScript off; Arabic lays out right to left without sideways scrolling; the
text message report arrives with its receipt in the reporter's language.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.browser import PHONE, LiveApp
from tests.support.reporter import fast_settings
from watchword.runtime import open_runtime
from watchword.store.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-languages")]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CASES = {
    # browser locale, the text reported, words the thank-you page says in that language
    "zh": (
        "zh-CN",
        "您的包裹已暂停派送，请在 https://parcel-hold-fee.com/zh 支付 1.99 元。",
        "谢谢。你的报告已安全收到。",
    ),
    "ar": (
        "ar-EG",
        "تم تعليق طردك. ادفع الرسوم عبر https://parcel-hold-fee.com/ar خلال 24 ساعة.",
        "شكرًا لك. تم استلام بلاغك بأمان.",
    ),
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    settings = fast_settings(tmp_path_factory.mktemp("languages-browser"), pow_difficulty_bits=12)
    with open_runtime(settings) as rt, LiveApp(rt) as server:
        yield server


@pytest.mark.parametrize("language", sorted(CASES))
def test_a_text_message_reported_through_the_page_in_the_browsers_language(
    browser: Any, live: LiveApp, language: str
) -> None:
    locale, text, thanks = CASES[language]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale=locale)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: r.url.startswith(live.url) or r.url.startswith("data:") or outside.append(r.url))
    page.goto(live.url + "/")
    html = page.locator("html")
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # Nothing runs off the side of a phone screen, in either direction.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click('a[href="/report/text_message"]')
    page.wait_for_selector("form.report")
    page.fill("#q-sender", "+44 7400 123456")
    page.fill("#q-app", "SMS")
    page.check('input[name="wants"][value="pay"]')
    page.fill("#text", text)
    page.click("button.send")
    page.wait_for_selector("section.receipt", timeout=30000)
    assert thanks in page.inner_text("main")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not outside, f"requests left the server: {outside}"
    context.close()
    with live.rt.db.session() as session:
        assert session.scalars(select(Report).where(Report.text == text)).one().channel == "web"


def test_the_switcher_changes_the_language_without_javascript(browser: Any, live: LiveApp) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(live.url + "/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.click('nav.languages a[lang="ar"]')
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.click('a[href="/about"]')  # the next page remembers the choice
    assert page.locator("html").get_attribute("lang") == "ar"
    page.click('nav.languages a[lang="zh"]')
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    context.close()


def test_the_example_phone_number_reads_left_to_right_on_the_arabic_page(browser: Any, live: LiveApp) -> None:
    """Rendered, not just marked up: inside the Arabic hint "+44 7400 123456" must lay out with +44 on
    the left and 123456 on the right (without an isolate it came out "123456 7400 44+")."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ar-EG")
    page = context.new_page()
    page.goto(live.url + "/report/text_message")
    assert page.locator("html").get_attribute("dir") == "rtl"
    lefts = page.evaluate(
        """() => {
            const node = document.querySelector('#q-sender-hint bdi').firstChild;
            const at = (start, end) => {
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, end);
                return range.getBoundingClientRect().left;
            };
            const text = node.textContent;
            return [text, at(0, 3), at(text.length - 6, text.length)];
        }"""
    )
    text, country_code, number = lefts
    assert text == "+44 7400 123456"
    assert country_code < number, "the country code must be on the left of the number"
    context.close()
