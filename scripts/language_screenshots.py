"""Phone-size screenshots of the reporter pages in every shipped language: `make screenshots`.

Runs Watchword on a temporary store on 127.0.0.1 and Debian's chromium (never a downloaded
browser), and writes docs/screenshots/lang-<language>-<page>.png. Not part of the test run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveApp  # noqa: E402
from tests.support.reporter import fast_settings  # noqa: E402

from watchword.runtime import open_runtime  # noqa: E402
from watchword.web.templating import available_languages  # noqa: E402

SHOTS = ROOT / "docs" / "screenshots"
PAGES = {"choose": "/", "text-message": "/report/text_message", "about": "/about", "awareness": "/awareness"}


def main() -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="watchword-shots-") as tmp:
        rt = open_runtime(fast_settings(Path(tmp), forward_address="report@watchword.localhost"), migrate=True)
        try:
            with LiveApp(rt) as live, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for language in available_languages():
                    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
                    page = context.new_page()
                    for name, path in PAGES.items():
                        page.goto(f"{live.url}{path}?lang={language}")
                        target = SHOTS / f"lang-{language}-{name}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target.relative_to(ROOT))
                    context.close()
                browser.close()
        finally:
            rt.close()


if __name__ == "__main__":
    main()
