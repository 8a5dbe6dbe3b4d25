"""`make screenshots`: docs/screenshots/ regenerated in one command (the test runs write none).

Runs Watchword on a temporary store holding the demo data (`seed_tour`: what `watchword serve
--demo` shows, plus a reporter's web report with a photo), on 127.0.0.1, with Debian's chromium
(never a downloaded browser), and writes:
- reporter-<language>-<page>.png: every reporter page, each shipped language, phone size, with
  the receipt and the returning reporter's status page after sending a report;
- console-<page>-desktop.png and console-<page>-phone.png: every console page, signed in.
Old images in docs/screenshots/ are removed first, so none is left from pages that changed name.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LiveApp  # noqa: E402
from tests.support.reporter import fast_settings  # noqa: E402
from tests.support.tour import (  # noqa: E402
    BROWSER_PHONE,
    DESKTOP,
    PHONE_412,
    Tour,
    reporter_flow,
    reporter_pages,
    seed_tour,
    sign_in,
)

from watchword.runtime import open_runtime  # noqa: E402
from watchword.web.templating import available_languages  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"


def _save(page: Any, name: str) -> None:
    target = SHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(target.relative_to(ROOT))


def reporter(browser: Any, base: str) -> None:
    for language in available_languages():
        context = browser.new_context(viewport=BROWSER_PHONE, is_mobile=True, has_touch=True, locale=language)
        page = context.new_page()
        page.goto(f"{base}/?lang={language}")  # the choice is remembered in a cookie for the pages after
        for name, path in reporter_pages().items():
            page.goto(f"{base}{path}")
            _save(page, f"reporter-{language}-{name}")
        if language == "en":  # the form's wording is checked in English: the flow types English words
            reporter_flow(page, base, lambda name, page=page: _save(page, f"reporter-en-{name}"))
        context.close()


def console(browser: Any, base: str, tour: Tour) -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE_412)):
        phone = size == "phone"
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.goto(f"{base}/console/login")
        _save(page, f"console-login-{size}")
        sign_in(page, base)
        for name, path in tour.console_pages().items():
            page.goto(f"{base}{path}")
            _save(page, f"console-{name}-{size}")
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="watchword-shots-") as tmp:
        rt = open_runtime(fast_settings(Path(tmp), forward_address="report@watchword.localhost"), migrate=True)
        try:
            tour = seed_tour(rt)
            with LiveApp(rt) as live, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                reporter(browser, live.url)
                console(browser, live.url, tour)
                browser.close()
        finally:
            rt.close()


if __name__ == "__main__":
    main()
