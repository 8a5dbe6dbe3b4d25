"""Every shipped language is complete, compiled, chosen as people expect, and laid out in its direction."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.support.reporter import fast_settings
from watchword.runtime import open_runtime
from watchword.web import templating
from watchword.web.app import create_app

LOCALE = Path(templating.LOCALE)
SHIPPED = sorted(
    p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/watchword.po") if p.parent.parent.name != "en"
)
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
_TAG = re.compile(r"</?([a-z]+)")


def _template_ids() -> list[str]:
    with (LOCALE / "watchword.pot").open("rb") as handle:
        return [str(m.id) for m in read_po(handle) if m.id]


def test_languages_are_shipped() -> None:
    assert {"ar", "de", "es", "fr", "ru", "zh"} <= set(SHIPPED)


@pytest.mark.parametrize("language", SHIPPED)
def test_no_message_is_missing_and_placeholders_and_markup_are_kept(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "watchword.po").open("rb") as handle:
        catalog = read_po(handle)
    missing, broken = [], []
    for msgid in _template_ids():
        message = catalog.get(msgid)
        text = str(message.string) if message is not None and message.string else ""
        if not text.strip():
            missing.append(msgid)
            continue
        if sorted(_PLACEHOLDER.findall(msgid)) != sorted(_PLACEHOLDER.findall(text)):
            broken.append(msgid)
        if sorted(_TAG.findall(msgid)) != sorted(_TAG.findall(text)):
            broken.append(msgid)
    assert not missing, f"{language}: {len(missing)} messages missing, e.g. {missing[:3]}"
    assert not broken, f"{language}: placeholders or markup changed in {broken[:3]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalogue_says_what_the_po_file_says(language: str) -> None:
    """The pages read .mo files: one left behind after a .po edit fails here (scripts/build_catalogue.py)."""
    with (LOCALE / language / "LC_MESSAGES" / "watchword.po").open("rb") as handle:
        catalog = read_po(handle)
    compiled = gettext.translation("watchword", localedir=str(LOCALE), languages=[language])
    stale = [m.id for m in catalog if m.id and m.string and compiled.gettext(str(m.id)) != m.string]
    assert not stale, f"{language}: .mo out of date for {stale[:3]}"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    with open_runtime(fast_settings(tmp_path)) as rt, TestClient(create_app(rt)) as client:
        yield client


def test_the_browser_language_is_used_and_arabic_is_right_to_left(web: TestClient) -> None:
    arabic = web.get("/", headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and "ماذا حدث؟" in arabic
    chinese = web.get("/report/text_message", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh-Hans" dir="ltr">' in chinese and "报告短信" in chinese
    assert "What happened?" in web.get("/", headers={"Accept-Language": "sv-SE"}).text


def test_the_switcher_works_without_javascript_and_is_remembered(web: TestClient) -> None:
    home = web.get("/", headers={"Accept-Language": "en"})
    for code, name in (("ar", "العربية"), ("zh", "简体中文")):
        assert f'<a href="?lang={code}" lang="{code}" hreflang="{code}">{name}</a>' in home.text
    switched = web.get("/?lang=ar", headers={"Accept-Language": "en"})
    assert 'dir="rtl"' in switched.text
    assert switched.cookies.get(templating.LANGUAGE_COOKIE) == "ar"
    # The next page, with the cookie and an English browser: still Arabic.
    assert 'dir="rtl"' in web.get("/about", headers={"Accept-Language": "en"}).text
    # A language we do not have is ignored and not remembered.
    other = web.get("/?lang=xx", headers={"Accept-Language": "en"})
    assert 'dir="rtl"' in other.text  # the remembered Arabic still applies
    assert other.cookies.get(templating.LANGUAGE_COOKIE) is None


def test_the_template_holds_every_message_the_code_marks() -> None:
    """A string marked in the code (`_()`, `N_()`, `{% trans %}`: outcomes, mail replies, scope
    explanations, pages) but not extracted into watchword.pot would never reach a catalogue, and the
    missing-message test above could not see it. Extracting again must find nothing new."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (LOCALE / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(LOCALE.parent, method_map, options_map, keywords=keywords)
    }
    missing = sorted(found - set(_template_ids()))
    assert not missing, f"run pybabel extract (locale/README.md): {len(missing)} new, e.g. {missing[:3]}"
    for marked in (
        "This was a phishing attempt.",  # replies/outcomes.py
        "To stop these messages, reply with the single word STOP.",  # replies/outbox.py
        "What did they do or ask you for?",  # analysis/scope.py
        "Report received",  # services/followup.py, the status history
        "What people reported recently",  # the awareness page
    ):
        assert marked in found


@pytest.mark.parametrize("language", SHIPPED)
def test_stop_stays_stop_in_every_language(language: str) -> None:
    """Mail intake recognises only the word STOP: a translated hint that asked for another word would
    leave a reporter unable to stop the replies."""
    translated = gettext.translation("watchword", localedir=str(LOCALE), languages=[language])
    assert "STOP" in translated.gettext("To stop these messages, reply with the single word STOP.")
