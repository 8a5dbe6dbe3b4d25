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


def _architecture_section(title: str) -> str:
    text = (ROOT / "docs/architecture.md").read_text()
    start = text.index(f"## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_pages_table_names_every_route_module_and_template() -> None:
    """docs/architecture.md's Pages table is how a newcomer finds a page: a page added without a row,
    or a module or template renamed under it, fails here."""
    pages = _architecture_section("Pages")
    web = ROOT / "src/watchword/web"
    route_modules = {
        path.relative_to(web.parent).as_posix()
        for path in web.rglob("*.py")
        if "@router." in path.read_text(encoding="utf-8")
    }
    assert len(route_modules) > 15
    missing = sorted(m for m in route_modules if f"`{m}`" not in pages)
    assert not missing, f"route modules missing from the Pages table: {missing}"
    templates = web / "templates"
    named = set(re.findall(r"`([\w/]+\.html)`", pages))
    # A row names a directory's first template with its directory and the rest by their names.
    absent = sorted(
        t.relative_to(templates).as_posix()
        for t in templates.rglob("*.html")
        if t.relative_to(templates).as_posix() not in named and t.name not in named
    )
    assert not absent, f"templates missing from the Pages table: {absent}"
    for name in named:
        assert any((templates / d / name).exists() for d in ("", "console", "bulletins")), name
    for module in set(re.findall(r"`((?:web|services|campaigns|intel|intake|known|store)/[\w/]+\.py)`", pages)):
        assert (ROOT / "src/watchword" / module).exists(), module
