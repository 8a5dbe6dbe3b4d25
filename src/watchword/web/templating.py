"""Jinja2 templates with autoescape on for every template, whatever its name, and gettext.

Every page string is written in English inside `{% trans %}` or `_()`; a
language is added by putting `locale/<lang>/LC_MESSAGES/watchword.mo` in
place (see `locale/README.md`). One environment per language, built on first
use, so that a request never changes what another request's templates say.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

TEMPLATES = Path(__file__).parent / "templates"
LOCALE = Path(__file__).parent.parent / "locale"
DOMAIN = "watchword"
DEFAULT_LANGUAGE = "en"
# The cookie the language switcher sets (a link `?lang=xx`, so it works without JavaScript).
LANGUAGE_COOKIE = "ww_lang"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
# Each language named in itself, as the switcher shows it; the tag for <html lang>.
NATIVE_NAMES = {
    "en": "English",
    "zh": "简体中文",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "ru": "Русский",
    "ar": "العربية",
}
HTML_TAGS = {"zh": "zh-Hans"}


def available_languages() -> tuple[str, ...]:
    found = {p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


@cache
def environment_for(language: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, extensions=["jinja2.ext.i18n"])
    translations = gettext.translation(DOMAIN, localedir=str(LOCALE), languages=[language], fallback=True)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = HTML_TAGS.get(language, language)
    env.globals["lang_code"] = language
    env.globals["text_dir"] = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    env.globals["languages"] = [(code, NATIVE_NAMES.get(code, code)) for code in available_languages()]
    return env


def negotiate(accept_language: str | None) -> str:
    """The first language in the browser's list that we have, else English."""
    have = available_languages()
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        for candidate in (tag, tag.split("-", 1)[0]):
            if candidate in have:
                return candidate
    return DEFAULT_LANGUAGE


def choose_language(asked: str | None, remembered: str | None, accept_language: str | None) -> str:
    """The page's language: the switcher's `?lang=` first, then its cookie, then the browser's list."""
    have = available_languages()
    for candidate in (asked, remembered):
        if candidate and candidate in have:
            return candidate
    return negotiate(accept_language)


environment = environment_for(DEFAULT_LANGUAGE)
templates = Jinja2Templates(env=environment)
