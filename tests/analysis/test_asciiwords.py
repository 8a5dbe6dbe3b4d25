"""The words of ASCII text split in C are the words the patterns they stand for find."""

from __future__ import annotations

import random
import re
import string

from watchword.analysis import asciiwords, fingerprint, lexicon, reportlang

TEXTS = [
    "",
    "   ",
    "Hello, World! Order #12345 ships 12/03/2024 -- see_you_soon\ttab\r\nnew line",
    "a" * 40 + " x1y2 z__ under_score 'quoted' don't x",
    "\x00\x01\x7f~ mixed-case WORDS and_1_2 3",
]


def _random_texts() -> list[str]:
    rnd = random.Random(14)
    alphabet = string.printable + "\x00\x7f\x1c\x1d\x1e\x1f"  # the last four: spaces to str.split
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80))) for _ in range(2000)]


def test_runs_are_what_findall_of_the_class_finds() -> None:
    cases = [
        (str.isalnum, r"[a-zA-Z0-9]+"),
        (str.isalpha, r"[a-zA-Z]+"),
        (lambda c: c.isalnum() or c == "_", r"[a-zA-Z0-9_]+"),
    ]
    for kept, pattern in cases:
        table = asciiwords.table(kept)
        for text in TEXTS + _random_texts():
            assert asciiwords.runs(text, table) == re.findall(pattern, text), (pattern, text)


def test_the_modules_split_as_their_patterns_find() -> None:
    for text in TEXTS + _random_texts():
        low = text.lower()
        assert asciiwords.runs(low, fingerprint._TOKEN_ASCII) == re.findall(r"[^\W_]+", low, re.ASCII)
        assert asciiwords.runs(low, reportlang._WORD_ASCII) == re.findall(r"[^\W\d_]+", low, re.ASCII)
        assert lexicon._words_of(low) == re.findall(r"\w+(?:'\w+)*", low, re.ASCII)
