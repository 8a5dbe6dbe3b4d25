"""Jinja2 templates with autoescape on for every template, whatever its name, and gettext.

Every page string is written in English inside `{% trans %}` or `_()`; a
language is added by putting `locale/<lang>/LC_MESSAGES/watchword.mo` in
place (see `locale/README.md`). One environment per language, built on first
use, so that a request never changes what another request's templates say.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from watchword.translation import (
    DEFAULT_LANGUAGE,
    DOMAIN,
    LOCALE,
    TAGS,
    available_languages,
    direction,
    supported,
    translations,
)

TEMPLATES = Path(__file__).parent / "templates"
__all__ = ["DOMAIN", "LOCALE", "available_languages", "choose_language", "environment_for", "negotiate"]
# The cookie the language switcher sets (a link `?lang=xx`, so it works without JavaScript).
LANGUAGE_COOKIE = "ww_lang"
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
HTML_TAGS = TAGS
# The console is in English: a reporter's language named for the analyst.
ENGLISH_NAMES = {
    "en": "English",
    "zh": "Chinese (simplified)",
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "ru": "Russian",
    "ar": "Arabic",
}


@cache
def environment_for(language: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = HTML_TAGS.get(language, language)
    env.globals["lang_code"] = language
    env.globals["text_dir"] = direction(language)
    # The language and direction of any stored text (a reporter's words in the console): <p {{ lang_attrs(x) }}>.
    env.globals["lang_attrs"] = lang_attrs
    env.globals["ltr"] = ltr
    env.globals["language_name"] = language_name
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


def choose_language(
    asked: str | None, remembered: str | None, accept_language: str | None, stored: str | None = None
) -> str:
    """The page's language: the switcher's `?lang=` first, then its cookie, then the language
    remembered with the reporter's report (`stored`), then the browser's list."""
    have = available_languages()
    for candidate in (asked, remembered):
        if candidate and candidate in have:
            return candidate
    return supported(stored) or negotiate(accept_language)


def language_name(code: str | None) -> str:
    """ "Arabic (right to left)" for the console; "" for an unknown language."""
    code = supported(code)
    if not code:
        return ""
    name = ENGLISH_NAMES.get(code, code)
    return f"{name} (right to left)" if direction(code) == "rtl" else name


def ltr(value: object) -> Markup:
    """A number, address, code or URL kept left to right inside right-to-left text (an isolate:
    "+44 7400 123456" otherwise reads "123456 7400 44+" in an Arabic sentence)."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


def lang_attrs(language: str | None) -> Markup:
    """`lang="ar" dir="rtl"` for text in a known language, `dir="auto"` otherwise: the reader's
    browser then lays out a reporter's words in their own direction whatever the page's is."""
    code = supported(language)
    if not code:
        return Markup('dir="auto"')
    return Markup('lang="{}" dir="{}"').format(HTML_TAGS.get(code, code), direction(code))


environment = environment_for(DEFAULT_LANGUAGE)
templates = Jinja2Templates(env=environment)
