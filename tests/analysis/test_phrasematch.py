"""The phrase matcher's shortcuts find exactly what a plain search finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchword.analysis import phrasematch
from watchword.analysis.phrasematch import PhraseMatcher, needles
from watchword.analysis.reading import fold, lexicons


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"(?<!\w)(?:[\w-]+\.(exe|scr)\b)", (".exe", ".scr")),
        (r"(?<!\w)(?:/ ?(hour|h|day)\b)", ("/ day", "/ h", "/day", "/h")),
        (r"\d+ ?(min|minutes?)\b", ("min",)),  # "minutes" holds "min": one test says both
        (r"[a-z]+\.x?", (".",)),
        (r"fotografi|(?<!\w)(?:\w*(tor|eingang) (\w+ ){0,2}beobachtet)", ("beobachtet", "fotografi")),
        (r"\w+.s (real|usual) (number|email)", ("s real email", "s real number", "s usual email", "s usual number")),
    ],
)
def test_needles_are_strings_every_match_holds(source: str, expected: tuple[str, ...]) -> None:
    assert needles(source) == expected


@pytest.mark.parametrize("source", [r"\w+", r"abc|\d+", "(?i)password", r"[a-z]+x?", r"(?i:abc)d?"])
def test_needles_are_none_when_a_match_may_hold_none_of_them(source: str) -> None:
    assert needles(source) is None


def _texts() -> list[str]:
    sample = Path(__file__).with_name("reading_sample.jsonl")
    texts = [json.loads(line)["text"] for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Texts that reach the patterns searched over the whole text (no literal start).
    texts += [
        "Please run invoice-2024.exe and the .scr file, or unpack data.zip, for 50 euros / hour.",
        "Er hat das Tor 3 gestern beobachtet und fotografiert; Passwort und Zugangsdaten wollte er auch.",
        "Which project do you lead, and who signs the contracts? He said it was his real number.",
        "Il a laissé un boîtier aimante sous la voiture. Я получил 500 руб за час, 10% в месяц.",
        "他说给我五万元，让我把U盘插上，不是他的微信，就公布出去。gps tracker found, qq邮箱.",
    ]
    return [fold(text) for text in texts]


def test_the_needles_lose_no_match_of_the_data_files(monkeypatch: pytest.MonkeyPatch) -> None:
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        for _owner, pattern, strings in matcher._fallback:
            for text in _texts():
                for found in pattern.finditer(text):
                    if found.end() > found.start():
                        assert strings is None or any(s in found.group() for s in strings), (pattern.pattern, found)
    # The same matcher without the shortcut (every fallback pattern searched, as before it).
    entries = [
        (("act", "credential", "cues", "de"), "~passwort", True),
        (("act", "malicious_file", "cues", "en"), r"[\w-]+\.(exe|scr|zip)\b", False),
        (("act", "physical", "cues", "de"), r"\w*(tor|eingang) (\w+ ){0,2}beobachtet", False),
        (("act", "ask_info", "verbs", "en"), r"(?<!, )which|who (is|signs)", False),
        (("act", "offer", "objects", "en"), r"\d+ ?(euros?|руб)", False),
    ]
    fast = PhraseMatcher(entries)
    monkeypatch.setattr(phrasematch, "needles", lambda source: None)
    plain = PhraseMatcher(entries)
    assert all(strings is None for _o, _p, strings in plain._fallback)
    found_any = False
    for text in _texts():
        hits = fast.find(text)
        assert hits == plain.find(text)
        found_any = found_any or bool(hits)
    assert found_any


def test_a_word_start_meets_the_candidates_of_every_key_length() -> None:
    # Keys of one to five letters at one position, and a literal start longer than the key.
    matcher = PhraseMatcher(
        [("a", "pin", False), ("b", "pin code", False), ("c", "pi", False), ("d", "pinco(de)?", False)]
    )
    hits = [(h.owner, h.start, h.end) for h in matcher.find("the pin code, pincode and pi.")]
    assert hits == [
        ("b", 4, 12),
        ("a", 4, 7),
        ("c", 4, 6),
        ("d", 14, 21),
        ("a", 14, 17),
        ("c", 14, 16),
        ("c", 26, 28),
    ]
