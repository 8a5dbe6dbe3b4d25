"""The reporter-facing languages and their catalogues, for pages, services and mail alike.

The catalogues live in `locale/` (Babel's tooling, see `locale/README.md`). Pages choose a
language per request (web/templating.py); services that write to a reporter outside a request
(mail replies, the status line, outcomes) take the language remembered with the report and
translate through `gettext_for(language)` here, so both read the same catalogue.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchword.errors import WatchwordError

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "watchword"
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
# The full tag where the short code is not enough (<html lang>, a mail's Content-Language).
TAGS = {"zh": "zh-Hans"}
# How each language groups thousands ("1,200" in English, "1.200" in German) and marks decimals.
_THOUSANDS = {"de": ".", "es": ".", "fr": "\u202f", "ru": "\u202f"}
_DECIMAL = {"de": ",", "es": ",", "fr": ",", "ru": ","}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated where it is used."""
    return message


@cache
def available_languages() -> tuple[str, ...]:
    found = {p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


def supported(tag: str | None) -> str:
    """The shipped language a tag names ("de-AT" -> "de", "zh-Hans-CN" -> "zh"), else ""."""
    tag = (tag or "").strip().lower().replace("_", "-")
    have = available_languages()
    for candidate in (tag, tag.split("-", 1)[0]):
        if candidate and candidate in have:
            return candidate
    return ""


@cache
def translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE), languages=[language or DEFAULT_LANGUAGE], fallback=True)


def gettext_for(language: str | None) -> Callable[[str], str]:
    """The `_` for one language; an unknown or empty language reads English."""
    return translations(supported(language) or DEFAULT_LANGUAGE).gettext


def direction(language: str | None) -> str:
    return "rtl" if (language or "").split("-", 1)[0].lower() in RIGHT_TO_LEFT else "ltr"


def tag(language: str | None) -> str:
    """The language tag for a shipped language ("zh" -> "zh-Hans"), "" for none we have."""
    code = supported(language)
    return TAGS.get(code, code)


def number(value: object, language: str | None = DEFAULT_LANGUAGE) -> str:
    """A count or size written as the language writes it ("20,000" / "20.000" / "1,5")."""
    code = supported(language) or DEFAULT_LANGUAGE
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    whole, _, fraction = (f"{value:,}" if isinstance(value, int) else f"{value:,.10g}").partition(".")
    whole = whole.replace(",", _THOUSANDS.get(code, ","))
    return f"{whole}{_DECIMAL.get(code, '.')}{fraction}" if fraction else whole


def refusal_in(error: WatchwordError, language: str | None) -> str:
    """A refusal in a reporter's language, its numbers written their way (see `errors.WatchwordError`)."""
    return error.translated(gettext_for(language), lambda value: number(value, language))
