"""Issue 15, findings 1 and 3 in a real browser: a reporter uploads a photo through the guided form on a
phone; an analyst, on a phone and on a desktop, opens the report page and sees the picture as a thumbnail
(loaded, re-encoded) linking to its full view, each question beside its answer, and axe-core finds no
serious violation on that page."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.browser import PHONE, LiveApp
from tests.support.console import add_user, analyse_all
from tests.support.reporter import fast_settings
from tests.support.tour import ANALYST, DESKTOP, PHONE_412, sign_in
from watchword.runtime import open_runtime
from watchword.store.models import AuditEvent, Report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-report-page")]

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": PHONE_412, "desktop": DESKTOP}

ANSWERS = [
    ("Where did it happen?", "Space trade fair, hall 3"),
    ("When?", "Tuesday around 3 pm"),
    ("What did they ask for or offer?", "Questions about my work, colleagues or plans"),
    ("Did you give them anything or agree to anything?", "No"),
]


def _photo() -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (800, 600), (40, 90, 160))
    picture.paste((230, 200, 40), (0, 0, 400, 600))
    exif = Image.Exif()
    exif[0x010F] = "ReporterPhone Inc."  # Make: gone from what the console serves
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[tuple[LiveApp, int]]:
    """The reporter's part, once: the in-person form filled in on a phone, a photo attached, sent."""
    with open_runtime(fast_settings(tmp_path_factory.mktemp("report-page")), migrate=True) as rt:
        add_user(rt, ANALYST, "analyst")
        with LiveApp(rt, worker=False) as live:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
            page = context.new_page()
            page.goto(f"{live.url}/report/in_person")
            page.check('input[name="wants"][value="info"]')
            page.check('input[name="did"][value="nothing"]')
            page.fill("#q-where", ANSWERS[0][1])
            page.fill("#q-when", ANSWERS[1][1])
            page.fill("#text", "He kept asking who leads the radar tests and when the next trial is.")
            page.set_input_files("#files", files=[{"name": "badge.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
            page.click("button.send")
            page.wait_for_selector("section.receipt", timeout=20000)
            context.close()
            analyse_all(rt)
            with rt.db.session() as session:
                report_id = session.scalars(select(Report.id)).one()
            yield live, report_id


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[' '.join(map(str, n['target'])) for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_analyst_sees_the_photo_and_each_question_beside_its_answer(
    browser: Any, sent: tuple[LiveApp, int], size: str
) -> None:
    assert AXE.exists(), "axe-core is installed by npm: run `make services` (npm install)"
    live, report_id = sent
    phone = size == "phone"
    # bypass_csp: only so that the test can inject axe-core; the page's own CSP is tested elsewhere.
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone, bypass_csp=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: r.url.startswith(live.url) or outside.append(r.url))
    sign_in(page, live.url)
    with live.rt.db.session() as session:
        reads_before = len(
            session.scalars(select(AuditEvent.id).where(AuditEvent.action == "submissions.viewed")).all()
        )
    page.goto(f"{live.url}/console/reports/{report_id}")
    told = page.locator("#told")
    told.scroll_into_view_if_needed()
    # The thumbnail is a picture the browser decoded (re-encoded server-side: 320 px on its longer side).
    thumb = told.locator("img.thumb")
    thumb.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    assert "badge.jpg" in (thumb.get_attribute("alt") or "")
    box = thumb.bounding_box()
    assert box is not None and box["width"] > 50 and box["x"] + box["width"] <= SIZES[size]["width"]
    # Each question beside (desktop) or just above (phone) its answer, in the order the form asked them.
    questions = told.locator("dl.answers dt").all_inner_texts()
    answers = told.locator("dl.answers dd").all_inner_texts()
    assert list(zip(questions, answers, strict=True)) == ANSWERS
    first_q = told.locator("dl.answers dt").first.bounding_box()
    first_a = told.locator("dl.answers dd").first.bounding_box()
    assert first_q and first_a
    if phone:
        assert first_a["y"] >= first_q["y"] + first_q["height"] - 1
    else:
        assert abs(first_a["y"] - first_q["y"]) < 4 and first_a["x"] > first_q["x"] + first_q["width"]
    problems = _axe(page)
    assert not problems, problems
    # The full view: the thumbnail's link opens the re-encoded picture at its own size, audited.
    with page.expect_navigation():
        thumb.click()
    assert re.search(rf"/console/reports/{report_id}/files/\d+/image$", page.url)
    assert page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]") == [800, 600]
    with live.rt.db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["submissions.viewed", "reporter_file.viewed"]))
        ).all()
    reads = [e for e in events if e.action == "submissions.viewed"]
    assert len(reads) == reads_before + 1 and reads[-1].detail["via"] == "report"
    assert reads[-1].actor == ANALYST and any(e.action == "reporter_file.viewed" for e in events)
    assert not outside, outside
    context.close()
