"""Regular expressions rewritten for speed match exactly what the patterns they replaced matched."""

from __future__ import annotations

import random
import re

from watchword.analysis import text

# The pattern before the third pipeline round of issue 14 rewrote it (text._ATTRIBUTE_TAG_RE).
_ATTRIBUTE_TAG_BEFORE = re.compile(r"<(?=[A-Za-z][A-Za-z0-9:_-]*+\s[^<>]*=)")


def _soups(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = ["<", ">", "=", "a", "B", "1", ":", "-", " ", "\t", "\n", '"', "'", "/", "é", "\u00a0", "x"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_the_attribute_tag_pattern_marks_the_same_tags() -> None:
    samples = [
        '<a href="https://x.example/?a=1&b=2">x</a>',
        "<td class=x style='color:red'>",
        "<a b>=",
        "<a\n>=",
        "<a b c d=>",
        "<a x <b y=1>",
        "<p hidden>",
        *_soups(14, 20_000),
    ]
    differing = [s for s in samples if _ATTRIBUTE_TAG_BEFORE.sub("#<", s) != text._ATTRIBUTE_TAG_RE.sub("#<", s)]
    assert differing == []
    # The samples do hold both kinds of tag, marked and not.
    assert any(text._ATTRIBUTE_TAG_RE.search(s) for s in samples)
    assert any("<a" in s and not text._ATTRIBUTE_TAG_RE.search(s) for s in samples)


def test_the_ascii_twins_find_what_the_unicode_patterns_find_in_ascii_text() -> None:
    from watchword.analysis import asciiwords, fingerprint, lexicon, reportlang

    pairs = [
        (lexicon._WORD_RE, lexicon._WORD_RE_ASCII),
        (fingerprint._TEXT_ADDRESS, fingerprint._TEXT_ADDRESS_ASCII),
    ]
    # Patterns whose words in ASCII text are split in C instead (asciiwords), and their tables.
    splits = [
        (lexicon._WORD_RE, lexicon._WORD_ASCII),
        (fingerprint._TOKEN, fingerprint._TOKEN_ASCII),
        (reportlang._WORD, reportlang._WORD_ASCII),
    ]
    rng = random.Random(3)
    # Every ASCII character, the control characters Unicode counts as space (\x1c-\x1f) among them.
    texts = ["".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 60))) for _ in range(5_000)]
    texts += ["don't o'neil x_y 42abc", "mail me: jo.doe+x@corp.example, or @bob", "a\x1cb\x1fc_d 9"]
    for unicode_pattern, ascii_pattern in pairs:
        assert ascii_pattern.pattern == unicode_pattern.pattern
        for sample in texts:
            assert ascii_pattern.findall(sample) == unicode_pattern.findall(sample), (ascii_pattern, sample)
            assert ascii_pattern.sub("#", sample) == unicode_pattern.sub("#", sample)
    for unicode_pattern, table in splits:
        for sample in texts:
            if unicode_pattern is lexicon._WORD_RE and "'" in sample:
                continue  # the lexicon splits only text without an apostrophe (lexicon._words_of)
            assert asciiwords.runs(sample, table) == unicode_pattern.findall(sample), (unicode_pattern, sample)
    # Outside ASCII they differ, which is why they are used only for ASCII text.
    assert lexicon._WORD_RE_ASCII.findall("café") != lexicon._WORD_RE.findall("café")
