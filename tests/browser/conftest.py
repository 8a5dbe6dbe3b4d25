"""The browser every browser test drives: Debian's chromium, one per module, never a downloaded one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the module; each test opens its own context (no cookies or storage shared).
    A missing chromium fails the test rather than skipping it: make services installs it."""
    assert Path(CHROMIUM).exists(), f"Debian's chromium is needed at {CHROMIUM}: make services"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
