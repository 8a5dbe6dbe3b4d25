"""Which of the shipped languages a report is written in, when nothing else says so.

Used at intake for mail without a Content-Language header, so that replies go out in the
reporter's language and the console lays the text out in its direction. It is a cheap guess,
not a classifier: the script first (Arabic, Cyrillic, CJK are each one of our languages), then,
for Latin script, which language's commonest short words are most frequent. "" when unsure.
"""

from __future__ import annotations

import re

_SAMPLE_CHARS = 2000  # plenty to tell seven languages apart; the guess runs on the mail intake's path
_SCRIPTS = (
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
)
_LATIN = re.compile(r"[a-zà-ÿ]+")
# Frequent function words that the other Latin-script languages here rarely use.
_COMMON = {
    "en": frozenset(
        [
            "the",
            "and",
            "you",
            "your",
            "to",
            "of",
            "is",
            "are",
            "this",
            "that",
            "with",
            "for",
            "have",
            "was",
            "not",
            "please",
            "it",
            "on",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ich",
            "sie",
            "ist",
            "nicht",
            "ein",
            "eine",
            "mit",
            "zu",
            "den",
            "von",
            "auf",
            "mich",
            "mir",
            "wurde",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "que",
            "de",
            "en",
            "un",
            "una",
            "es",
            "por",
            "con",
            "para",
            "se",
            "mi",
            "me",
            "fue",
            "lo",
            "su",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "que",
            "de",
            "des",
            "un",
            "une",
            "est",
            "pour",
            "avec",
            "je",
            "vous",
            "il",
            "pas",
            "ce",
            "sur",
            "mon",
            "qui",
        ]
    ),
}
_MIN_LATIN_HITS = 3


def detect_language(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    words = _LATIN.findall(sample.lower())
    in_script = {code: len(script.findall(sample)) for code, script in _SCRIPTS}
    letters = sum(map(len, words)) + sum(in_script.values())
    if not letters:
        return ""
    for code, count in in_script.items():
        if count * 3 >= letters:  # a third of the letters: English words inside are fine
            return code
    scores = {code: sum(1 for w in words if w in common) for code, common in _COMMON.items()}
    best = max(scores, key=lambda code: scores[code])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < _MIN_LATIN_HITS or ranked[0] == ranked[1]:
        return ""
    return best
