"""The reporter's journey in a real browser: Debian's chromium through Playwright, phone-sized.

Every report type end to end with JavaScript on and off; the receipt and
passphrase bring the reporter back; a message goes both ways; an outcome
appears after a verdict; an out-of-scope report gets its explanation. Every
page is checked to make no request outside the server. Screenshots come from
`make screenshots` (scripts/screenshots.py), not from test runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.browser import LiveApp
from tests.support.reporter import fast_settings
from watchword import clock as watchword_clock
from watchword.runtime import open_runtime
from watchword.services import followup
from watchword.store.models import Campaign, Report
from watchword.store.models_reporter import ReporterReceipt

# One xdist worker runs a browser module's tests in turn: one chromium, one live server per module.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-reporter")]

PHONE = {"width": 390, "height": 844}
BITS = 16  # the real default: the browser's script solves it while the test "types"

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

PHISH = (
    "Your mailbox is almost full and will be closed today. Verify your password at "
    "http://micros0ft-online.example/owa/login to keep access."
)

# What a person fills in on each form: (question key, value) for choices, (field id, text) for text.
FILL: dict[str, dict[str, Any]] = {
    "email": {"choices": {"wants": "sign_in", "did": "nothing"}, "text": PHISH},
    "social": {
        "choices": {"wants": "job", "did": "replied"},
        "fields": {"q-platform": "LinkedIn", "q-profile": "linkedin.com/in/hr-partner-ops"},
        "text": "A 'headhunter' offered 500 dollars an hour to talk about our satellite work.",
    },
    "in_person": {
        "choices": {"wants": "info", "did": "nothing"},
        "fields": {
            "q-where": "Space trade fair, hall 3",
            "q-when": "Tuesday around 3 pm",
            "q-claimed": "A journalist from a trade magazine",
        },
        "text": "He kept asking who leads the radar tests and when the next trial is.",
    },
    "device": {
        "choices": {"what": "found", "used": "no"},
        "fields": {"q-where": "Car park, this morning", "q-now": "In my desk drawer, unplugged"},
        "text": "A USB stick labelled 'salaries 2025'.",
    },
    "visitor": {
        "choices": {"what": "tailgating"},
        "fields": {"q-where": "Main entrance", "q-when": "08:40 today", "q-claimed": "A courier"},
        "text": "A man followed me through the turnstile without a badge and went upstairs.",
    },
    "other": {"text": "Someone called pretending to be IT and asked me to install a remote-access app."},
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with (
        open_runtime(
            fast_settings(
                tmp_path_factory.mktemp("reporter-browser"), pow_difficulty_bits=BITS, pow_nojs_min_age_seconds=1.0
            ),
            migrate=True,
        ) as rt,
        LiveApp(rt) as server,
    ):
        yield server


class Phone:
    """One reporter's browser: counts the screens they see and every request that leaves the server."""

    def __init__(self, browser: Any, live: LiveApp, js: bool) -> None:
        self.live = live
        self.context = browser.new_context(
            viewport=PHONE, java_script_enabled=js, is_mobile=True, has_touch=True, locale="en-GB"
        )
        self.page = self.context.new_page()
        self.screens: list[str] = []
        self.outside: list[str] = []
        self.page.on("framenavigated", lambda f: f.parent_frame is None and self.screens.append(f.url))
        self.page.on(
            "request", lambda r: r.url.startswith(live.url) or r.url.startswith("data:") or self.outside.append(r.url)
        )

    def shot(self, name: str) -> None:
        """Where a screenshot of this screen belongs; they are taken by `make screenshots`, not by test runs."""

    def close(self) -> None:
        assert not self.outside, f"requests left the server: {self.outside}"
        self.context.close()


def _fill(page: Any, form: str) -> None:
    spec = FILL[form]
    for key, value in spec.get("choices", {}).items():
        page.check(f'input[name="{key}"][value="{value}"]')
    for field_id, value in spec.get("fields", {}).items():
        page.fill(f"#{field_id}", value)
    page.fill("#text", spec["text"])


def _receipt(page: Any) -> tuple[str, str]:
    code = page.inner_text("code.code").strip()
    phrase = page.inner_text("code.passphrase").strip() if page.query_selector("code.passphrase") else ""
    return code, phrase


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("form", list(FILL))
def test_every_report_type_end_to_end_on_a_phone(browser: Any, live: LiveApp, form: str, js: bool) -> None:
    phone = Phone(browser, live, js)
    page = phone.page
    page.goto(live.url + "/")
    if form == "email" and js:
        phone.shot("1-choose")
    page.click(f'a[href="/report/{form}"]')
    page.wait_for_selector("form.report")
    _fill(page, form)
    if form == "email":
        png = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(str(js).encode()).digest()
        page.set_input_files("#files", files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": png}])
    if js:
        phone.shot(f"2-form-{form}")
    else:
        # A person takes longer than the no-JavaScript minimum to fill a form in: the server (a thread of
        # this process) sees that time pass without the test waiting for it.
        watchword_clock.advance(1.1)
    page.click("button.send")
    page.wait_for_selector("section.receipt", timeout=20000)
    code, phrase = _receipt(page)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert len(phrase.split()) == 5
    assert page.is_visible("text=What to do now")
    phone.shot(f"3-receipt-{form}-{'js' if js else 'nojs'}")
    # Screens: choose, form, receipt. The targets are <= 3 for email and <= 5 in person.
    assert len(phone.screens) == 3, phone.screens
    with live.rt.db.session() as session:
        receipt = session.scalars(select(ReporterReceipt).order_by(ReporterReceipt.id.desc())).first()
        assert receipt is not None and receipt.form == form
    phone.close()


def test_javascript_sha256_matches_pythons(browser: Any, live: LiveApp) -> None:
    phone = Phone(browser, live, js=True)
    phone.page.goto(live.url + "/report/other")
    for text in ["", "abc", "x" * 55, "y" * 64, "1.1764400000.16.nonce.mac:123456"]:
        words = phone.page.evaluate(
            "t => window.watchwordSha256(t).map(w => (w >>> 0).toString(16).padStart(8, '0')).join('')", text
        )
        assert words == hashlib.sha256(text.encode()).hexdigest()
    phone.close()


# What has the keyboard focus, in words a failure message can show.
_FOCUSED = """(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return "body";
    const href = e.getAttribute("href");
    return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (href ? "[href=" + href + "]" : "")
        + (e.className ? "." + String(e.className).split(" ").join(".") : "");
})()"""


def _tab_to(page: Any, wanted: str, limit: int = 40) -> list[str]:
    """Press Tab (a real key press) until the focused element's description contains `wanted`.

    Returns the focus order on the way; fails, with that order, when `limit` presses do not reach it.
    """
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(_FOCUSED))
        if wanted in seen[-1]:
            return seen
    raise AssertionError(f"{limit} Tab presses never reached {wanted!r}; focus went: {seen}")


def test_keyboard_alone_reaches_a_form_and_sends_it(browser: Any, live: LiveApp) -> None:
    """GIVEN a reporter who uses no pointer WHEN they Tab to the "other" form, press Enter, Tab to the text
    box, type, Tab to Send and press Enter THEN each step lands where it should and the report is stored."""
    phone = Phone(browser, live, js=True)
    page = phone.page
    page.goto(live.url + "/")
    _tab_to(page, "[href=/report/other]")
    page.keyboard.press("Enter")  # follows the focused link
    page.wait_for_url(live.url + "/report/other")
    page.wait_for_selector("#text")
    _tab_to(page, "textarea#text")
    words = f"A caller asked for the wifi password of the lab ({time.monotonic_ns()})."
    page.keyboard.type(words)
    assert page.input_value("#text") == words  # the keys went into the focused box
    order = _tab_to(page, "button")
    assert "send" in order[-1], f"the first button after the text is not Send: {order}"
    page.keyboard.press("Enter")  # submits through the focused button
    page.wait_for_selector("section.receipt", timeout=20000)
    code, _ = _receipt(page)
    with live.rt.db.session() as session:
        receipt = session.scalars(select(ReporterReceipt).order_by(ReporterReceipt.id.desc())).first()
        assert receipt is not None and receipt.form == "other"
        stored = session.get(Report, receipt.report_id)
        assert stored is not None and words in (stored.text or ""), "the typed words are the stored report"
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    phone.close()


def _report_and_receipt(phone: Phone, form: str = "email") -> tuple[str, str]:
    page = phone.page
    page.goto(f"{phone.live.url}/report/{form}")
    _fill(page, form)
    watchword_clock.advance(1.1)  # as above: a person's typing time, without waiting
    page.click("button.send")
    page.wait_for_selector("section.receipt", timeout=20000)
    return _receipt(page)


def _wait_analysed(live: LiveApp, report_id: int) -> None:
    def analysed() -> bool:
        with live.rt.db.session() as session:
            return session.get(Report, report_id).status == "analysed"  # type: ignore[union-attr]

    assert live.wait_for_work(analysed, 20), "the worker did not analyse the report"


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_receipt_brings_the_reporter_back_to_a_two_way_thread_and_an_outcome(
    browser: Any, live: LiveApp, js: bool
) -> None:
    phone = Phone(browser, live, js)
    page = phone.page
    code, phrase = _report_and_receipt(phone, "in_person")
    page.click("text=Check a report")
    page.fill("#code", code.lower().replace("-", " "))  # as written down on paper
    page.fill("#passphrase", phrase)
    page.click("button.send")
    page.wait_for_selector("article.receipt-status")
    page.fill("article.receipt-status textarea", "He also gave me a business card with a gmail address.")
    page.click("article.receipt-status button[type=submit]")
    page.wait_for_selector("text=Your message has been sent")
    rt = live.rt
    with rt.db.session() as session:
        receipt = session.scalars(select(ReporterReceipt).order_by(ReporterReceipt.id.desc())).first()
        assert receipt is not None
        report_id, receipt_id = receipt.report_id, receipt.id
    _wait_analysed(live, report_id)
    with rt.db.write() as session:
        followup.post_analyst_message(
            session,
            report_id,
            "analyst-ana",
            "Thank you. Please keep the card in an envelope; we will collect it.",
            to=f"r{receipt_id}",
        )
    page.reload()
    assert page.is_visible("text=Please keep the card in an envelope")
    if js:
        phone.shot("4-thread")
    with rt.db.write() as session:
        campaign = Campaign(
            title="Trade-fair elicitation",
            approach_type="elicitation",
            reporter_count=14,
            sighting_count=14,
            report_count=1,
            verdict="malicious",
            verdict_note="Security has warned the exhibition team and the organisers.",
        )
        session.add(campaign)
        session.flush()
        stored = session.get(Report, report_id)
        assert stored is not None
        stored.campaign_id, stored.verdict = campaign.id, "malicious"
    page.reload()
    # The outcome reaches the reporter; the campaign's stored counters say 14, but one person
    # reported it, and reporters are told the counts every page shows (store/counts.py).
    assert page.is_visible("text=Security has warned the exhibition team")
    assert not page.is_visible("text=reported by 14 people")
    if js:
        phone.shot("5-outcome")
    phone.close()


def test_out_of_scope_report_gets_a_kind_explanation(browser: Any, live: LiveApp) -> None:
    phone = Phone(browser, live, js=True)
    page = phone.page
    page.goto(live.url + "/report/other")
    page.fill(
        "#text",
        "My neighbour is from another country, prays at the mosque every Friday and "
        "has many foreign friends. I find him suspicious.",
    )
    page.click("button.send")
    page.wait_for_selector("section.scope", timeout=20000)
    assert page.is_visible("text=outside what Watchword looks into")
    assert page.is_visible("text=Where else to turn")
    assert not page.is_visible("text=What to do now")
    phone.shot("6-out-of-scope")
    page.goto(live.url + "/about")
    phone.shot("7-about")
    phone.close()


# Resolves once the form's proof of work is in its field: at once if it is there already, else when the
# page's script sets it (the field's value setter, wrapped on this one element), or rejects after `ms`.
SOLVED = """ms => new Promise((resolve, reject) => {
  const field = document.querySelector("[name=pow_solution]");
  if (field.value) { resolve(); return; }
  const own = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
  Object.defineProperty(field, "value", {
    configurable: true,
    get() { return own.get.call(this); },
    set(v) { own.set.call(this, v); if (v) { resolve(); } },
  });
  setTimeout(() => reject(new Error("no proof of work within " + ms + " ms")), ms);
})"""


@pytest.mark.serial  # a time limit on the browser's work: measured alone, not beside other tests
def test_proof_of_work_is_done_before_a_person_has_typed_a_sentence(browser: Any, live: LiveApp) -> None:
    """On a CPU slowed 4x (a modest phone), the form's proof of work is ready within a few seconds of loading."""
    phone = Phone(browser, live, js=True)
    cdp = phone.context.new_cdp_session(phone.page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    timings = []
    for _ in range(5):
        started = time.monotonic()
        phone.page.goto(live.url + "/report/email")
        # The page's CSP (rightly) refuses the string evaluation wait_for_function uses; evaluate() is not
        # the page's script, and resolves when the page's own script sets the solution.
        phone.page.evaluate(SOLVED, 30_000)
        timings.append(time.monotonic() - started)
    print(f"\nPOW READY (16 bits, CPU 4x slower): {', '.join(f'{t:.2f}' for t in timings)} s")
    assert sorted(timings)[2] < 5.0
    phone.close()
