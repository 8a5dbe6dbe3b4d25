"""The reading's sentence starts: the character-set pattern used on text without a Chinese full
stop gives the same starts as the lookbehind pattern it stands in for (reading_text.sentence_starts)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from watchword.analysis.reading_text import MAX_SENTENCES, sentence_starts

# The pattern as it was before the shortcut: the reference.
_REFERENCE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])|\n+")


def _reference_starts(folded: str) -> list[int]:
    starts = [0]
    for m in _REFERENCE.finditer(folded):
        if m.end() > starts[-1]:
            starts.append(m.end())
        if len(starts) >= MAX_SENTENCES:
            break
    return starts


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=".!?;。；a b\n\t\u00a0\u3000é", max_size=300))
def test_sentence_starts_equal_the_lookbehind_pattern(text: str) -> None:
    assert sentence_starts(text) == _reference_starts(text)


def test_sentence_starts_on_written_examples() -> None:
    for text in (
        "He asked me. Then he left.\n\nI said no; he called again!  Twice?\tYes.",
        "\n.\n x. \n y",
        "他问了我。然后他走了！我说不。\n第二天",
        "a.b.c. d",
        "one.\n\n\ntwo",
        ". " * 200,  # more starts than the cap
    ):
        assert sentence_starts(text) == _reference_starts(text), text
