"""Helpers shared by the reporter tests: a fast runtime and a scripted reporter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.settings import make_settings
from watchword.config import Settings
from watchword.web.reporter import challenge

# Argon2id at its smallest and a cheap proof of work: the tests exercise the path, not the cost.
FAST = {
    "receipt_argon2_memory_kib": 1024,
    "receipt_argon2_time_cost": 1,
    "pow_difficulty_bits": 8,
    "pow_nojs_min_age_seconds": 0.0,
}


def fast_settings(tmp: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    return make_settings(tmp, database_url, **{**FAST, **overrides})


def token_of(html: str) -> str:
    found = re.search(r'name="pow_token" value="([^"]+)"', html)
    assert found, "the form carries a signed challenge"
    return found.group(1)


def receipt_of(html: str) -> tuple[str, str]:
    code = re.search(r'<code class="code" [^>]*>([0-9A-Z-]+)</code>', html)
    phrase = re.search(r'<code class="code passphrase"[^>]*>([a-z ]+)</code>', html)
    assert code, "the thank-you page shows the receipt code"
    return code.group(1), phrase.group(1) if phrase else ""


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def report(
    client: Any,
    form: str,
    fields: dict[str, str],
    solve: bool = True,
    bits: int = 8,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> Any:
    """Open the form, do what the browser script does (or not), send it."""
    page = client.get(f"/report/{form}")
    assert page.status_code == 200
    token = token_of(page.text)
    data = {"pow_token": token, "pow_solution": challenge.solve(token, bits) if solve else "", **fields}
    return client.post(f"/report/{form}", data=data, files=files or None)
