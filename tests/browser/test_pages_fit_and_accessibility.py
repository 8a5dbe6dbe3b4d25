"""Every reporter and console page on a 412 px phone and on a desktop, in Debian's chromium, on the demo data.

- On a 412 × 915 phone no page scrolls sideways (issue 15 measured the console at 686 px): a
  wide table scrolls inside its own box instead.
- axe-core (installed by npm at `make services` time into node_modules/, never vendored) finds
  no `serious` or `critical` violation on any page, at either size; console pages are checked
  signed in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import LiveApp
from tests.support.reporter import fast_settings
from tests.support.tour import DESKTOP, MISSING, PHONE_412, Tour, reporter_flow, reporter_pages, seed_tour, sign_in
from watchword.runtime import open_runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-fit-axe")]

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": PHONE_412, "desktop": DESKTOP}
WIDTH = "document.scrollingElement.scrollWidth"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Tour]]:
    with open_runtime(fast_settings(tmp_path_factory.mktemp("fit-axe")), migrate=True) as rt:
        tour = seed_tour(rt)
        with LiveApp(rt) as live:
            yield live, tour


def _context(browser: Any, size: str) -> Any:
    phone = size == "phone"
    # bypass_csp: only so that the test can inject axe-core; the pages' own CSP is tested elsewhere.
    return browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone, bypass_csp=True)


def _tour(browser: Any, live: LiveApp, tour: Tour, size: str, area: str, visit: Callable[[Any, str], None]) -> int:
    """Open every page of `area` (reporter or console) at `size` and call `visit(page, name)` on each."""
    context = _context(browser, size)
    page = context.new_page()
    seen = 0
    try:
        if area == "console":
            page.goto(f"{live.url}/console/login")
            visit(page, "login")
            seen += 1
            sign_in(page, live.url)
            pages = tour.console_pages()
        else:
            pages = reporter_pages()
        for name, path in pages.items():
            response = page.goto(f"{live.url}{path}")
            assert response is not None and response.status == 200, (name, path)
            visit(page, name)
            seen += 1
        for name, path in MISSING[area].items():
            response = page.goto(f"{live.url}{path}")
            assert response is not None and response.status == 404, (name, path)
            visit(page, name)
            seen += 1
        if area == "reporter":
            reporter_flow(page, live.url, lambda name: visit(page, name))
            seen += 2
        else:  # the authenticator set-up, reached by a button on the account page
            page.goto(f"{live.url}/console/account")
            page.click('form[action="/console/account/totp/start"] button')
            page.wait_for_selector('form[action="/console/account/totp/confirm"]')
            visit(page, "account-totp-setup")
            seen += 1
    finally:
        context.close()
    return seen


@dataclass
class PageCheck:
    """What one visit of one page found: how wide the document is, and axe's serious findings."""

    width: int
    problems: list[str]


@pytest.fixture(scope="module")
def toured(browser: Any, site: tuple[LiveApp, Tour]) -> Callable[[str, str], dict[str, PageCheck]]:
    """Each (area, size) toured once per module, measuring the width and running axe on every page:
    the phone tours serve both the sideways test and the axe test (one tour of the console was ~7 s)."""
    live, tour = site
    done: dict[tuple[str, str], dict[str, PageCheck]] = {}

    def checked(area: str, size: str) -> dict[str, PageCheck]:
        if (area, size) not in done:
            seen: dict[str, PageCheck] = {}

            def visit(page: Any, name: str) -> None:
                width = page.evaluate(WIDTH)  # before axe's script is added to the page
                seen[name] = PageCheck(width, _axe(page))

            visits = _tour(browser, live, tour, size, area, visit)
            assert visits == len(seen), "two pages of the tour share a name"
            done[(area, size)] = seen
        return done[(area, size)]

    return checked


@pytest.mark.parametrize("area", ["console", "reporter"])
def test_no_page_scrolls_sideways_on_a_412px_phone(
    toured: Callable[[str, str], dict[str, PageCheck]], area: str
) -> None:
    widths = {name: check.width for name, check in toured(area, "phone").items()}
    required = {"queue", "report", "campaign", "search", "login", "account"} if area == "console" else {"choose"}
    assert required <= set(widths)
    too_wide = {name: width for name, width in widths.items() if width > PHONE_412["width"]}
    assert not too_wide, too_wide


def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(browser: Any, site: tuple[LiveApp, Tour]) -> None:
    """The queue's table is wider than a phone: it scrolls by itself, and the page does not."""
    live, _ = site
    context = _context(browser, "phone")
    page = context.new_page()
    sign_in(page, live.url)
    table = page.locator("table.list").first
    inner, outer = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert inner > outer and table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert page.evaluate(WIDTH) <= PHONE_412["width"]
    context.close()


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("area", ["console", "reporter"])
def test_axe_finds_nothing_serious_on_any_page(
    toured: Callable[[str, str], dict[str, PageCheck]], area: str, size: str
) -> None:
    assert AXE.exists(), "axe-core is installed by npm: run `make services` (npm install)"
    checks = toured(area, size)
    assert len(checks) >= 10
    problems = {name: check.problems for name, check in checks.items() if check.problems}
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
