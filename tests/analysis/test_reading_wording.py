"""Reports in wording of our own: every approach type, out-of-scope and needs-detail, six languages.

Hand-written for this suite (not from the evaluation set), in sixteen rounds, each written
before the lexicon was extended for it: synonyms, typos, inflections, German compounds, long
reports with several acts, requests about a person, reports passed on by a manager. The cases
live in `reading_wording.json`; each says what the reading must make of a report: the approach
type, or the scope when the report is not in scope.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchword.analysis.pipeline import analyze_report

CASES = json.loads((Path(__file__).parent / "reading_wording.json").read_text(encoding="utf-8"))


def _read(text: str, form: str = "") -> str:
    result = analyze_report(text, None, "", {}, form=form)
    return result.approach_type if result.scope == "in_scope" else result.scope


@pytest.mark.parametrize(("expected", "text"), CASES["typed"])
def test_wording_of_our_own_is_read(expected: str, text: str) -> None:
    assert _read(text) == expected


@pytest.mark.parametrize(("expected", "text"), CASES["scopes"])
def test_scope_follows_acts_not_identity(expected: str, text: str) -> None:
    """Identity plus act-like words stays out; an act by someone of any origin stays in."""
    assert analyze_report(text, None).scope == expected


@pytest.mark.parametrize(("expected", "form", "text"), CASES["with_form"])
def test_form_context_does_not_invent_an_act(expected: str, form: str, text: str) -> None:
    """A vague report stays needs_detail whatever the form; lawful activity and journalism
    through the press office stay out of scope in every language."""
    assert _read(text, form) == expected


@pytest.mark.parametrize("text", CASES["passed_on"])
def test_being_told_to_report_is_not_an_act(text: str) -> None:
    assert analyze_report(text, None).scope == "needs_detail"


@pytest.mark.parametrize("text", CASES["about_a_person"])
def test_reports_about_a_person_are_out_of_scope(text: str) -> None:
    assert analyze_report(text, None).scope == "out_of_scope"


def test_latin_letters_in_the_chinese_lists_match_whole_words_only() -> None:
    # "usb" is in the Chinese device list; it must not be read inside "husband".
    text = "My colleague's husband is a Russian citizen. Please check him."
    assert analyze_report(text, None).scope == "out_of_scope"


def test_there_are_enough_cases_in_every_language() -> None:
    texts = [text for _, text in CASES["typed"]]
    assert len(texts) >= 400
    assert sum(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts) >= 40
    assert sum(any("\u0400" <= c <= "\u04ff" for c in t) for t in texts) >= 40
