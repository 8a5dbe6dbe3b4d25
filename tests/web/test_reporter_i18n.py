"""Every reporter-page string is ready for translation, and a catalogue changes what people read."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from watchword import translation
from watchword.runtime import Runtime
from watchword.web import templating
from watchword.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "watchword" / "locale"


def _msgids(pot: Path) -> set[str]:
    with pot.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def test_the_catalogue_template_is_up_to_date(tmp_path: Path) -> None:
    """A page string added without re-running `pybabel extract` fails here (see locale/README.md)."""
    fresh = tmp_path / "fresh.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "extract",
            "-F",
            str(LOCALE / "babel.cfg"),
            "-k",
            "N_",
            "-o",
            str(fresh),
            str(ROOT / "src" / "watchword"),
        ]
    )
    missing = _msgids(fresh) - _msgids(LOCALE / "watchword.pot")
    assert not missing, f"run pybabel extract (locale/README.md); missing: {sorted(missing)[:5]}"


def test_a_compiled_catalogue_is_used_for_browsers_that_ask_for_it(
    rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(locale="de", domain="watchword")
    catalog.add("What happened?", "Was ist passiert?")
    catalog.add("An email or message I received", "Eine E-Mail oder Nachricht, die ich bekommen habe")
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "watchword.mo").open("wb") as handle:
        write_mo(handle, catalog)
    monkeypatch.setattr(translation, "LOCALE", tmp_path)
    _forget_catalogues()
    try:
        assert templating.negotiate("de-CH,de;q=0.9,en;q=0.5") == "de"
        assert templating.negotiate("fr-FR,fr") == "en"
        with TestClient(create_app(rt)) as client:
            german = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.8"}).text
            english = client.get("/", headers={"Accept-Language": "en-US"}).text
        assert "Was ist passiert?" in german and '<html lang="de" dir="ltr">' in german
        assert "Eine E-Mail oder Nachricht" in german  # a string marked N_() in forms.py
        assert "What happened?" in english
    finally:
        monkeypatch.undo()
        _forget_catalogues()


def _forget_catalogues() -> None:
    """The languages found, their catalogues and their page environments are cached per process."""
    translation.available_languages.cache_clear()
    translation.translations.cache_clear()
    templating.environment_for.cache_clear()


@pytest.mark.parametrize(
    ("language", "waiting"),
    [("es", "Preparando el envío… un momento."), ("ru", "Готовим отправку… одну минуту."), ("en", "Preparing to send")],
)
def test_the_form_carries_the_send_status_in_the_page_language(rt: Runtime, language: str, waiting: str) -> None:
    """The script's two status lines ("Preparing to send… one moment.", "Sending…") were English
    on every page; the form now carries them translated and reporter.js shows those."""
    with TestClient(create_app(rt)) as client:
        page = client.get(f"/report/in_person?lang={language}").text
    assert f'data-pow-wait="{waiting}' in page
    script = (ROOT / "src" / "watchword" / "web" / "static" / "reporter.js").read_text()
    assert 'getAttribute("data-pow-wait")' in script and 'getAttribute("data-pow-sending")' in script
