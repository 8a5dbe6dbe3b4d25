"""A new analyst on the demo data, in Debian's chromium: reads the dashboard, drafts a bulletin from a
campaign, previews it (live as they type, and with the Preview button), publishes it and finds it on
the public bulletin page, then searches the indicators. Nothing leaves loopback; no script error."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import PHONE, LiveApp
from tests.support.console import PASSWORD, add_user
from tests.support.settings import make_settings
from watchword.runtime import Runtime, open_runtime
from watchword.worker import Worker

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-console-pages")]

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture
def demo_rt(tmp_path: Path) -> Iterator[Runtime]:
    """The demo data, analysed, with a public address configured (publishing needs one)."""
    from watchword.demo import load_demo

    with open_runtime(make_settings(tmp_path, public_base_url="http://watchword.test", org_name="Acme Security")) as rt:
        add_user(rt, "newbie", "analyst")
        load_demo(rt)
        Worker(rt, processes=1).run_until_idle()
        yield rt


def _page(browser: Any, app: LiveApp, viewport: dict[str, int]) -> tuple[Any, list[str], list[str]]:
    context = browser.new_context(viewport=viewport, base_url=app.url)
    outbound: list[str] = []
    errors: list[str] = []

    def refuse(route: Any) -> None:
        outbound.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), refuse)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, outbound, errors


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_a_new_analyst_reads_the_dashboard_publishes_a_bulletin_and_searches_indicators(
    demo_rt: Runtime, browser: Any, viewport: dict[str, int]
) -> None:
    with LiveApp(demo_rt) as app:
        page, outbound, errors = _page(browser, app, viewport)
        page.goto("/console/")
        page.fill("#username", "newbie")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")

        # The dashboard, from the navigation: a stacked chart drawn as SVG, its table, the four figures.
        page.click("header nav >> text=Dashboard")
        page.wait_for_url("**/console/dashboard")
        assert page.locator("#per-day svg rect").count() >= 1
        assert page.locator("#per-day-caption").inner_text().startswith("Reports per day")
        page.click("#per-day summary")
        assert page.locator("#per-day-table tbody tr").count() >= 1
        for tile in ("#tile-reports", "#tile-surging", "#tile-verdict", "#tile-told"):
            assert page.locator(tile).is_visible()
        assert int(page.locator("#tile-reports .figure").inner_text()) > 0

        # The queue's first campaign: its timeline, then a bulletin drafted from it.
        page.goto("/console/")
        page.locator("a[href^='/console/campaigns/']").first.click()
        page.wait_for_url(re.compile(r".*/console/campaigns/\d+$"))
        assert page.locator("#timeline svg rect").count() >= 1
        page.click("#bulletin-draft-form button")
        page.wait_for_url(re.compile(r".*/console/bulletins/\d+\?done=drafted$"))
        assert "with names and addresses removed" in page.locator(".flash").inner_text()

        # Live preview as the analyst types; then the Preview button, which works without script too.
        title = f"Warning: fake messages about your account ({viewport['width']})"
        page.fill("#title", title)
        page.locator("#bulletin-preview .bulletin-title", has_text=title).wait_for(timeout=10_000)
        page.fill("#summary", "Colleagues received messages that imitate our services. Do not reply.")
        page.click("button[value=preview]")
        page.wait_for_load_state()
        assert page.locator("#bulletin-preview .bulletin-title").inner_text() == title
        assert page.locator("#bulletin-preview").get_by_text("Do not reply.").count() == 1
        refused = page.locator("#bulletin-preview .warning").count()
        assert refused == 0, page.locator("#bulletin-preview .warning").inner_text()
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r".*done=bulletin_saved$"))

        page.click("#publish-form button")
        page.wait_for_url(re.compile(r".*done=bulletin_published$"))
        page.click("#public-link")
        page.wait_for_url(re.compile(r".*/bulletins/[a-z0-9-]+$"))
        assert page.locator("h1").inner_text() == title
        page.goto("/bulletins")
        assert page.get_by_text(title).count() == 1

        # Indicators: search by part of a value, then open one.
        page.goto("/console/indicators")
        page.fill("form.filters input[name=q]", ".com")
        page.select_option("form.filters select[name=type]", "domain")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r".*/console/indicators\?.*q=\.com.*"))
        rows = page.locator("#indicators tbody a")
        assert rows.count() >= 1
        assert all(".com" in t.replace("[.]", ".") for t in rows.all_inner_texts())
        rows.first.click()
        page.wait_for_url(re.compile(r".*/console/indicators/\d+$"))

        assert outbound == [], outbound
        assert errors == [], errors
