"""The console in a real browser (Debian's chromium through Playwright).

Signs in, triages a report, merges two campaigns and sets a verdict that
reaches every member report; opens a hostile email and proves that no script
runs and no request leaves the page. Screenshots of each page (they are the product: look at them)
come from `make screenshots`, not from test runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.support.browser import LiveApp
from tests.support.console import HOSTILE_HTML, PASSWORD, add_user, analyse_all, email, report_email
from tests.support.settings import make_settings
from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Campaign, Report, Submission

# One xdist worker runs a browser module's tests in turn: one chromium, one live server per module.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-console")]


os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def _spread(rt: Runtime, report_ids: list[int], start: dt.datetime, hours: float) -> None:
    """Give reports arrival times over a few hours, so the timeline has a shape."""
    with rt.db.write() as session:
        for n, report_id in enumerate(report_ids):
            at = start + dt.timedelta(hours=hours * (n / max(len(report_ids) - 1, 1)) ** 1.6)
            session.execute(update(Report).where(Report.id == report_id).values(created_at=at))
            # The timeline counts sightings: each submission arrived then too.
            session.execute(update(Submission).where(Submission.report_id == report_id).values(received_at=at))


def _campaign(rt: Runtime, ids: list[int], title: str) -> int:
    """The one campaign the campaigns engine made of these reports, renamed for the screenshots.

    The engine is one of the after-analysis steps: reports it should have grouped but did not are a
    failure here, never a reason to make the campaign by hand or to skip.
    """
    with rt.db.write() as session:
        found = set(session.scalars(select(Report.campaign_id).where(Report.id.in_(ids))))
        assert len(found) == 1 and None not in found, f"the campaigns engine grouped these reports as {found}"
        campaign_id: int = found.pop()
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(title=title))
        return campaign_id


@pytest.fixture(scope="module")
def _world_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The world, built once for the module in a data directory of its own (the demo load and the
    worker's analysis of it were most of each test's time); each test gets a copy of its files."""
    where = tmp_path_factory.mktemp("console-world")
    with open_runtime(make_settings(where)) as runtime:
        return where, _build_world(runtime)


@pytest.fixture
def settings(tmp_path: Path, _world_store: tuple[Path, dict[str, Any]]) -> Settings:
    """This test's own copy of the world's store (database, blobs, key): what one test changes, such as
    a merge and a verdict, the next never sees."""
    shutil.copytree(_world_store[0], tmp_path, dirs_exist_ok=True)
    return make_settings(tmp_path)  # finds the copied database, so no empty one is put in its place


@pytest.fixture
def world(rt: Runtime, _world_store: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return _world_store[1]


def _build_world(rt: Runtime) -> dict[str, Any]:
    """A small but realistic store: a hostile email, two recruiter campaigns, an invoice wave, loose reports."""
    from watchword.demo import load_demo

    add_user(rt, "ana", "analyst")
    load_demo(rt)
    hostile = report_email(
        rt,
        email(
            "Mailbox full: action required",
            "Your mailbox is full. https://login.evil-example.com/o365",
            sender="it-support@evil-example.com",
            html=HOSTILE_HTML,
        ),
        text="Arrived this morning, looks like our IT but the link is odd",
        contact="reporter@corp.example",
    )
    recruit_a = [
        report_email(
            rt,
            email(
                f"Research consultancy opportunity ({n})",
                f"Dear colleague, a paid advisory role on satellite telemetry. "
                f"Reply to https://talent.headhunt-example.com/r/{n}",
                sender="hr@headhunt-example.com",
            ),
        )
        for n in range(9)
    ]
    recruit_b = [
        report_email(
            rt,
            email(
                f"Advisory board seat, remote ({n})",
                f"Paid expert network call about your employer's roadmap: "
                f"https://experts.headhunt-example.com/call/{n}",
                sender="network@headhunt-example.com",
            ),
        )
        for n in range(5)
    ]
    invoices = [
        report_email(
            rt,
            email(
                f"Invoice INV-{4470 + n} overdue",
                f"Please pay to the new IBAN today. https://pay.fraud-example.net/i/{n}",
                sender="accounts@fraud-example.net",
            ),
        )
        for n in range(14)
    ]
    analyse_all(rt)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
    _spread(rt, recruit_a, start, 26)
    _spread(rt, recruit_b, start + dt.timedelta(hours=6), 20)
    _spread(rt, invoices, start + dt.timedelta(hours=20), 8)
    campaign_a = _campaign(rt, recruit_a, "Fake headhunter: satellite telemetry advisory role")
    campaign_b = _campaign(rt, recruit_b, "Expert-network call about the roadmap")
    campaign_c = _campaign(rt, invoices, "Invoice fraud: new IBAN")
    return {
        "hostile": hostile,
        "a": campaign_a,
        "b": campaign_b,
        "c": campaign_c,
        "members": recruit_a + recruit_b,
    }


class Watch:
    """Everything a page asks for or runs, for the no-script, no-request assertions."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def outbound(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.origin + "/")]


def _new_page(browser: Any, server: LiveApp) -> tuple[Any, Watch]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    # Belt and braces: were anything to try to leave loopback it would be recorded, then refused.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
    page = context.new_page()
    return page, Watch(page, server.url)


def _sign_in(page: Any) -> None:
    page.goto("/console/")
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def _shot(page: Any, name: str) -> None:
    """Where a screenshot of this page belongs; they are taken by `make screenshots`, not by test runs."""


def test_sign_in_and_triage_a_report(rt: Runtime, world: dict[str, Any], browser: Any) -> None:
    with LiveApp(rt, worker=False) as server:
        page, watch = _new_page(browser, server)
        page.goto("/console/")
        assert "/console/login" in page.url
        _shot(page, "login")
        _sign_in(page)
        assert page.locator("table.list tbody tr").count() >= 3
        _shot(page, "queue")
        page.click("text=Reports outside campaigns")
        page.wait_for_url("**view=reports**")
        _shot(page, "queue-reports")
        # Find the report the way an analyst would: the search box in the header.
        page.fill("#q", "mailbox full")
        page.press("#q", "Enter")
        page.wait_for_url("**/console/search?q=**")
        page.click(f'table.list a[href="/console/reports/{world["hostile"]}"]')
        page.select_option("#verdict", "malicious")
        page.fill("#verdict-note", "Credential lure imitating IT; sender domain blocked.")
        page.click("#verdict-form button[type=submit]")
        page.wait_for_load_state()
        assert "Verdict saved." in page.content(), page.content()[:3000]
        assert page.locator(".facts .verdict-malicious").count() == 1
        _shot(page, "report")
        page.goto("/console/search?q=headhunt-example.com")
        assert page.locator("table.list tbody tr").count() >= 9
        _shot(page, "search")
        page.click("section.panel >> a >> nth=0")  # the exact-indicator hit
        page.wait_for_url("**/console/indicators/**")
        _shot(page, "indicator")
        page.goto("/console/audit")
        assert page.locator("td a", has_text=re.compile(r"^(report|campaign)\.verdict$")).count() >= 1
        _shot(page, "audit")
        page.goto("/console/account")
        _shot(page, "account")
        page.goto(f"/console/campaigns/{world['c']}")
        assert page.locator("figure.timeline rect").count() >= 2
        _shot(page, "campaign-surging")
        assert watch.outbound() == [] and watch.dialogs == []


def test_hostile_email_runs_no_script_and_sends_no_request(rt: Runtime, world: dict[str, Any], browser: Any) -> None:
    """GIVEN an email whose HTML carries <script>, onerror/onload handlers, javascript: links, CSS imports,
    remote images, an iframe, a meta refresh and a form WHEN an analyst opens it in the console THEN no
    script of the message runs, no dialog opens, and every request the page makes is to the console itself."""
    with LiveApp(rt, worker=False) as server:
        page, watch = _new_page(browser, server)
        _sign_in(page)
        watch.requests.clear()
        page.goto(f"/console/reports/{world['hostile']}")
        page.wait_for_load_state("networkidle")
        # Click what looks like a link in the message: it is text, so nothing happens.
        page.click("text=Verify your account")
        page.mouse.move(300, 400)
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert watch.dialogs == []
        assert watch.outbound() == [], watch.outbound()
        assert {u.split("?")[0] for u in watch.requests} <= {
            f"{server.url}/console/reports/{world['hostile']}",
            f"{server.url}/static/console.css",
            f"{server.url}/static/console.js",
            f"{server.url}/static/shortcuts.js",
            f"{server.url}/static/favicon.svg",  # the page's own icon (base layout), fetched by the browser
        }
        assert not [m for m in watch.console if "Content Security Policy" in m or "pageerror" in m], watch.console
        assert page.url.endswith(f"/console/reports/{world['hostile']}")  # no refresh, no navigation
        assert page.locator("#message-body img, #message-body a, #message-body script, iframe").count() == 0
        body = page.inner_text("#message-body")
        assert "evil-example[.]com" in body
        assert page.locator("tr.mismatch").count() >= 1
        _shot(page, "report-hostile")


def test_merge_two_campaigns_then_a_verdict_reaches_every_member(
    rt: Runtime, world: dict[str, Any], browser: Any
) -> None:
    with LiveApp(rt, worker=False) as server:
        page, watch = _new_page(browser, server)
        _sign_in(page)
        page.goto(f"/console/campaigns/{world['a']}")
        page.fill("#other_id", str(world["b"]))
        page.click("#merge-form button[type=submit]")
        page.wait_for_selector("text=Campaigns merged.")
        page.select_option("#verdict", "malicious")
        # What reporters are told, and apart from it an internal note they never see.
        page.fill("#reporter-message", "Hostile recruitment approach; do not reply, report any follow-up.")
        page.fill("#verdict-note", "Escalated to the counter-intelligence desk.")
        page.click("#verdict-form button[type=submit]")
        page.wait_for_selector("text=Verdict saved.")
        _shot(page, "campaign")
        for report_id in world["members"]:
            page.goto(f"/console/reports/{report_id}")
            assert page.locator(".facts .verdict-malicious").count() == 1, report_id
            assert f"/console/campaigns/{world['a']}" in page.inner_html(".campaign-link")
        assert watch.outbound() == []
