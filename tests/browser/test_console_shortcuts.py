"""Keyboard shortcuts on the queue and report pages, pressed as real keys in Debian's chromium (issue 15).

j/k move through the queue, x ticks a report for a bulk action, a assigns to me, o and Enter open, v opens
the verdict menu, ? shows the list of shortcuts over the page and Esc closes it. Each key is pressed with
page.keyboard.press on the page itself (nothing is focused by the test), and the result is checked on the
page and in the store. The script is a static file: the Content-Security-Policy forbids inline script, and
the browser reports no violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.support.browser import LiveApp
from tests.support.console import PASSWORD, add_user, analyse_all, email, report_email
from watchword.runtime import Runtime
from watchword.store.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-shortcuts")]


@pytest.fixture
def loose_reports(rt: Runtime) -> list[int]:
    """Three reports in no campaign, highest risk first as the queue lists them."""
    add_user(rt, "ana", "analyst")
    ids = [
        report_email(
            rt, email("Invoice INV-4471 overdue", "Pay to the new IBAN today https://pay.fraud-example.net/i")
        ),
        report_email(rt, email("Your parcel is held", "Pay the customs fee at https://parcel.fraud-example.org/x")),
        report_email(rt, email("Mailbox full", "Sign in to keep your mail https://login.evil-example.com/o365")),
    ]
    analyse_all(rt)
    with rt.db.write() as session:
        session.execute(update(Report).where(Report.id.in_(ids)).values(campaign_id=None))
    return ids


def _row_ids(page: Any) -> list[int]:
    return [int(i) for i in page.locator("tr[data-row]").evaluate_all("rows => rows.map(r => r.dataset.id)")]


def _current(page: Any) -> list[int]:
    return [int(i) for i in page.locator("tr.kb-current").evaluate_all("rows => rows.map(r => r.dataset.id)")]


def _assignee(rt: Runtime, report_id: int) -> str | None:
    with rt.db.session() as session:
        return session.scalar(select(Report.assignee).where(Report.id == report_id))


def test_queue_and_report_pages_answer_real_keys(rt: Runtime, loose_reports: list[int], browser: Any) -> None:
    with LiveApp(rt) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=app.url)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.goto("/console/")
        page.fill("#username", "ana")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")
        page.goto("/console/?view=reports")
        rows = _row_ids(page)
        assert sorted(rows) == sorted(loose_reports)

        # ? shows the list over the page, Esc closes it.
        help_box = page.locator("#shortcut-help")
        assert help_box.is_hidden()
        page.keyboard.press("?")
        assert help_box.is_visible() and "Assign to me" in help_box.inner_text()
        page.keyboard.press("Escape")
        assert help_box.is_hidden()

        # j, j, k: down two rows and back up one.
        page.keyboard.press("j")
        assert _current(page) == [rows[0]]
        page.keyboard.press("j")
        assert _current(page) == [rows[1]]
        page.keyboard.press("k")
        assert _current(page) == [rows[0]]

        # x ticks the row's box for a bulk action.
        page.keyboard.press("x")
        assert page.locator(f"#pick-{rows[0]}").is_checked()
        assert not page.locator(f"#pick-{rows[1]}").is_checked()

        # a assigns the current row to me, through the same CSRF-checked form post as the button.
        with page.expect_navigation():
            page.keyboard.press("a")
        assert "view=reports" in page.url and "done=assigned" in page.url
        assert _assignee(rt, rows[0]) == "ana"
        assert page.locator(f'tr[data-id="{rows[0]}"] .assignee').inner_text() == "ana"

        # j then o opens the second row; back on the queue, j then Enter opens the first.
        page.keyboard.press("j")
        page.keyboard.press("j")
        with page.expect_navigation():
            page.keyboard.press("o")
        assert page.url.endswith(f"/console/reports/{rows[1]}")
        page.go_back()
        page.wait_for_load_state()
        page.keyboard.press("j")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(f"/console/reports/{rows[0]}")

        # On a report page: a assigns this report to me; v opens the verdict menu.
        page.goto(f"/console/reports/{rows[2]}")
        assert _assignee(rt, rows[2]) is None
        with page.expect_navigation():
            page.keyboard.press("a")
        assert re.search(rf"/console/reports/{rows[2]}\?done=assigned$", page.url)
        assert _assignee(rt, rows[2]) == "ana"
        assert "assigned to ana" in page.locator("#case").inner_text()
        page.keyboard.press("v")
        assert page.evaluate("document.activeElement && document.activeElement.id") == "verdict"
        # Typing in a field is typing, not a shortcut: "j" in the note box stays text.
        page.click("#note")
        page.keyboard.press("j")
        assert page.input_value("#note") == "j"

        # The same list as a page of its own.
        page.goto("/console/shortcuts")
        assert "Open the selected row" in page.inner_text("main")
        assert problems == []
        context.close()


def test_bulk_actions_work_without_javascript(rt: Runtime, loose_reports: list[int], browser: Any) -> None:
    """With scripts off, ticking reports and choosing an action is a plain form post (CSRF token included)."""
    with LiveApp(rt) as app:
        context = browser.new_context(java_script_enabled=False, base_url=app.url)
        page = context.new_page()
        page.goto("/console/login")
        page.fill("#username", "ana")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")
        page.goto("/console/?view=reports")
        chosen = loose_reports[:2]
        for report_id in chosen:
            page.check(f"#pick-{report_id}")
        page.select_option("#bulk-do", "status:in_progress")
        page.click("#bulk-form fieldset.bulk button[type=submit]")
        page.wait_for_url("**done=bulk**")
        assert "Done for every selected report." in page.inner_text("main")
        with rt.db.session() as session:
            states = dict(
                session.execute(select(Report.id, Report.case_status).where(Report.id.in_(loose_reports))).all()
            )
        assert states == {loose_reports[0]: "in_progress", loose_reports[1]: "in_progress", loose_reports[2]: "new"}
        # The filter the analyst now sees can be saved and run again, still without scripts.
        page.goto("/console/?view=reports&case=in_progress")
        page.fill("form.save-search input[name=name]", "In progress")
        page.click("form.save-search button[type=submit]")
        page.wait_for_url("**/console/saved**")
        page.click("text=In progress")
        page.wait_for_url("**case=in_progress**")
        assert sorted(_row_ids(page)) == sorted(chosen)
        context.close()
