"""Documentation that cannot drift: every setting and every command is written down."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    source = (ROOT / "src/watchword/config.py").read_text()
    names = set(re.findall(r'_(?:env|secret)\("([A-Z0-9_]+)"', source)) | {"SECRET_KEY"}
    documented = (ROOT / "docs/configuration.md").read_text()
    missing = sorted(n for n in names if f"WATCHWORD_{n}" not in documented)
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


def test_every_command_is_in_the_readme() -> None:
    import typer.main

    from watchword.cli import app

    readme = (ROOT / "README.md").read_text()
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    missing = sorted(c for c in commands if f"watchword {c}" not in readme)
    assert not missing, f"commands missing from README.md: {missing}"
