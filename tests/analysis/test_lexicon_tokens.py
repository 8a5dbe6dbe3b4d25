"""The lexicon's counts and matched phrases do not depend on whether a text's n-gram sets were built."""

from __future__ import annotations

from watchword.analysis.lexicon import EMAIL_LEXICON, REPORT_LEXICON, Tokens

TEXTS = [
    "URGENT: verify your account now or it will be suspended. Click here to confirm your password.",
    "Congratulations, you have won a prize! Claim your reward voucher today; bank transfer fee applies.",
    "He asked about our roadmap and offered to pay for a consultation. Don't tell your manager.",
    "Hi team, the meeting notes are attached. Thanks, Anna",
    "",
]


def _with_sets(text: str) -> Tokens:
    tokens = Tokens(text)
    assert tokens.words is not None and tokens.bigrams is not None and tokens.trigrams is not None
    return tokens


def test_count_and_matches_equal_with_and_without_the_sets() -> None:
    found_any = False
    for text in TEXTS:
        for lexicon in (EMAIL_LEXICON, REPORT_LEXICON):
            lazy, built = Tokens(text), _with_sets(text)
            counts = lexicon.count(lazy)
            assert counts == lexicon.count(built)
            found_any = found_any or bool(counts)
            for name in lexicon.names:
                # After count (which keeps what it found) and on a fresh text that never counted.
                expected = lexicon.matches(_with_sets(text), name)
                assert lexicon.matches(lazy, name) == expected
                assert lexicon.matches(built, name) == expected
                assert len(expected) == 0 or name in counts
    assert found_any


def test_sets_are_the_words_and_their_pairs_and_triples() -> None:
    tokens = Tokens("Please verify your account’s password please")
    assert tokens.count == 6
    assert tokens.words == {"please", "verify", "your", "account's", "password"}
    assert ("verify", "your") in tokens.bigrams and ("your", "account's", "password") in tokens.trigrams
    assert len(tokens.bigrams) == 5 and len(tokens.trigrams) == 4
