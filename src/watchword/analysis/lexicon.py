"""Phrase lists for classification, matched as word n-gram sets.

The lists themselves are data: `data/lexicon.toml`, with the category names
registered in `categories.py`. This module loads them once and matches them.

Why sets and not one big regex: Python's `re` tries every branch of an
alternation at every position, so a few hundred phrases cost ~10 ms on a 6 kB
body. Here the text is tokenised once (one C-level `findall`), its words,
bigrams and trigrams become sets, and each category is a set intersection:
about 100 µs for 3,000 characters, linear, with no per-phrase work.

Phrase grammar, compact on purpose: words are separated by spaces and each
word position may list alternatives with "|" ("verify|confirm your|the
account"). A phrase has one to three positions; it is expanded at import.

Phrases are multilingual (en, de, fr, es, pt, it, nl) because real phishing is.
Rules for adding one: it must describe what a message asks or offers (verify,
pay, claim, open), not the topic of a conversation; and it must never name a
year, a software version or anything else that dates a message.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable
from typing import Any

from watchword.analysis import asciiwords, data
from watchword.analysis.brands import BRANDS
from watchword.analysis.categories import EmailCategory, ReportCategory, WordSet


def _phrase_lists(table: str, known: type[enum.StrEnum]) -> dict[str, tuple[str, ...]]:
    """One table of data/lexicon.toml, checked against the registry of category names.

    An entry "@email.<name>" takes in every phrase of that email category.
    """
    lists: dict[str, tuple[str, ...]] = {}
    for name, phrases in data.load("lexicon")[table].items():
        if name not in known.__members__.values():
            raise ValueError(f"lexicon.toml [{table}]: {name!r} is not a category in analysis/categories.py")
        expanded: list[str] = []
        for phrase in data.unique_list(f"lexicon.toml [{table}] {name}", phrases):
            if phrase.startswith("@email."):
                expanded.extend(CATEGORIES[phrase.removeprefix("@email.")])
            else:
                expanded.append(phrase)
        lists[name] = tuple(expanded)
    return lists


CATEGORIES: dict[str, tuple[str, ...]] = _phrase_lists("email", EmailCategory)


def word_set(words: str) -> frozenset[str]:
    """A set of single words written as one space-separated string (easier to read and edit)."""
    return frozenset(words.split())


def _words(name: WordSet) -> frozenset[str]:
    """A [words] entry of data/lexicon.toml: lines of space-separated words."""
    lines = data.unique_list(f"lexicon.toml [words] {name}", data.load("lexicon")["words"][name])
    return word_set(" ".join(lines))


def _expand(phrase: str) -> list[tuple[str, ...]]:
    positions = [alt.split("|") for alt in phrase.split(" ")]
    return list(itertools.product(*positions))


class Lexicon:
    """Word, bigram and trigram sets for named categories, matched against token sets."""

    def __init__(self, categories: dict[str, tuple[str, ...]]) -> None:
        self.names = tuple(categories)
        self.sets: dict[str, tuple[frozenset[str], frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]] = {}
        for name, phrases in categories.items():
            uni: set[str] = set()
            bi: set[tuple[str, ...]] = set()
            tri: set[tuple[str, ...]] = set()
            for phrase in phrases:
                if phrase.count(" ") > 2:
                    raise ValueError(f"lexicon phrase longer than three words: {phrase!r}")
                for combo in _expand(phrase.lower()):
                    if len(combo) == 1:
                        uni.add(combo[0])
                    elif len(combo) == 2:
                        bi.add(combo)
                    else:
                        tri.add(combo)
            self.sets[name] = (frozenset(uni), frozenset(bi), frozenset(tri))
        # Every category's n-grams in one set per length, each with the categories it belongs to:
        # three intersections per text instead of three per category.
        self._owners: list[dict[object, tuple[str, ...]]] = [{}, {}, {}]
        for name, grams in self.sets.items():
            for owners, found in zip(self._owners, grams, strict=True):
                for gram in found:
                    owners[gram] = (*owners.get(gram, ()), name)
        self._all = [frozenset(owners) for owners in self._owners]

    def count(self, tokens: Tokens) -> dict[str, int]:
        """Distinct phrases of each category present in the tokens."""
        totals: dict[str, int] = {}
        found = tokens.found.get(self)
        if found is None:
            # The text's n-grams met as they are made (no set of them is built): the same
            # intersections, kept for `matches`, which asks about a subset of these n-grams.
            found = tokens.found[self] = tuple(
                every.intersection(grams) for every, grams in zip(self._all, tokens.grams(), strict=True)
            )
        for owners, grams in zip(self._owners, found, strict=True):
            for gram in grams:
                for name in owners[gram]:
                    totals[name] = totals.get(name, 0) + 1
        return {name: totals[name] for name in self.names if name in totals}

    def matches(self, tokens: Tokens, name: str) -> list[str]:
        """The phrases of one category found, for a reason an analyst can check."""
        uni, bi, tri = self.sets[name]
        # A category's n-grams are among all categories' (self._all): once `count` has intersected
        # the text with those, intersecting with its result is the same as with the text's sets.
        words, bigrams, trigrams = tokens.found.get(self) or (tokens.words, tokens.bigrams, tokens.trigrams)
        found = sorted(uni & words) + [" ".join(b) for b in sorted(bi & bigrams)]
        return found + [" ".join(t) for t in sorted(tri & trigrams)]


_WORD_RE = re.compile(r"\w+(?:'\w+)*")
# The same pattern for ASCII text (str.isascii() reads a flag of the string): there \w is the same
# [a-zA-Z0-9_] in either mode, and re.ASCII tests it from a table instead of Unicode's properties.
_WORD_RE_ASCII = re.compile(_WORD_RE.pattern, re.ASCII)
# ASCII text without an apostrophe: the words are the runs of [a-zA-Z0-9_], split in C (asciiwords).
_WORD_ASCII = asciiwords.table(lambda c: c.isalnum() or c == "_")


def _words_of(low: str) -> list[str]:
    """`_WORD_RE`'s words of a lower-cased text, typographic apostrophes read as plain ones."""
    if not low.isascii():
        return _WORD_RE.findall(low.replace("\u2019", "'"))
    return _WORD_RE_ASCII.findall(low) if "'" in low else asciiwords.runs(low, _WORD_ASCII)


class Tokens:
    """The word, bigram and trigram sets of one (capped) text.

    The sets are built when first asked for: a lexicon's `count` meets the n-grams as they are made,
    which for an email's body (the lexicon's only use of it) saves building three sets.
    """

    __slots__ = ("_bigrams", "_trigrams", "_words", "count", "found", "word_list")

    def __init__(self, text: str) -> None:
        # Typographic apostrophes are common in mail written in word processors (none in ASCII text).
        low = text.lower()
        w = _words_of(low)
        self.count = len(w)
        self.word_list: list[str] = w
        self._words: set[str] | None = None
        self._bigrams: set[tuple[str, str]] | None = None
        self._trigrams: set[tuple[str, str, str]] | None = None
        # Each lexicon's n-grams found in the text (its `count`), reused by its `matches`.
        self.found: dict[Lexicon, tuple[frozenset[Any], ...]] = {}

    def grams(self) -> tuple[Iterable[str], Iterable[tuple[str, str]], Iterable[tuple[str, str, str]]]:
        """The words, bigrams and trigrams: each one's set where built, else made one by one."""
        w = self.word_list
        return (
            w if self._words is None else self._words,
            itertools.pairwise(w) if self._bigrams is None else self._bigrams,
            zip(w, w[1:], w[2:], strict=False) if self._trigrams is None else self._trigrams,
        )

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = set(self.word_list)
        return self._words

    @property
    def bigrams(self) -> set[tuple[str, str]]:
        if self._bigrams is None:
            self._bigrams = set(itertools.pairwise(self.word_list))
        return self._bigrams

    @property
    def trigrams(self) -> set[tuple[str, str, str]]:
        if self._trigrams is None:
            w = self.word_list
            self._trigrams = set(zip(w, w[1:], w[2:], strict=False))
        return self._trigrams


EMAIL_LEXICON = Lexicon(CATEGORIES)

# Brand words as token n-grams ("bank of america" -> a trigram, "at&t" -> ("at", "t")),
# matched like the phrases above instead of with a 250-branch regex.
_BRAND_GRAMS: dict[tuple[str, ...], str] = {}
for _brand_name, (_brand_words, _unused_domains) in BRANDS.items():
    for _brand_word in _brand_words:
        _gram = tuple(_WORD_RE.findall(_brand_word.lower()))[:3]
        if _gram:
            _BRAND_GRAMS[_gram] = _brand_name
_BRAND_UNI = frozenset(g[0] for g in _BRAND_GRAMS if len(g) == 1)
_BRAND_BI = frozenset(g for g in _BRAND_GRAMS if len(g) == 2)
_BRAND_TRI = frozenset(g for g in _BRAND_GRAMS if len(g) == 3)


def brands_in(tokens: Tokens | str) -> list[str]:
    """Brands named in the text, longest names first ("amazon prime" before "amazon").

    Given the text itself, its words are matched as `Tokens(text)` would match them, without
    building its word, bigram and trigram sets (most of the cost for one lookup each).
    """
    if isinstance(tokens, str):
        low = tokens.lower()
        w = _words_of(low)
        trigrams = _BRAND_TRI.intersection(zip(w, w[1:], w[2:], strict=False))
        bigrams = _BRAND_BI.intersection(itertools.pairwise(w))
        words = _BRAND_UNI.intersection(w)
    else:
        trigrams = _BRAND_TRI & tokens.trigrams
        bigrams = _BRAND_BI & tokens.bigrams
        words = _BRAND_UNI & tokens.words
    found = [_BRAND_GRAMS[g] for g in sorted(trigrams)]
    found += [_BRAND_GRAMS[g] for g in sorted(bigrams)]
    found += [_BRAND_GRAMS[(w,)] for w in sorted(words)]
    return list(dict.fromkeys(found))


# -- free-text reports ----------------------------------------------------------
# Reports are short and written by witnesses, so they are read sentence by
# sentence: "asked ... about our roadmap" counts only when the asking and the
# sensitive object share a sentence.

ASK_WORDS = _words(WordSet.ASK)
SENSITIVE_WORDS = _words(WordSet.SENSITIVE)
OFFER_WORDS = _words(WordSet.OFFER)
INDUCEMENT_WORDS = _words(WordSet.INDUCEMENT)
JOB_WORDS = _words(WordSet.JOB)
# A negation right before an act verb ("never asked", "did not offer") cancels
# the sentence's acts; a negation elsewhere ("I don't know why, but he asked")
# does not.
_NEGATORS = _words(WordSet.NEGATORS)
_NEGATED_VERBS = _words(WordSet.NEGATED_VERBS)
NEGATED_ACTS = frozenset(itertools.product(_NEGATORS, _NEGATED_VERBS))

REPORT_CATEGORIES: dict[str, tuple[str, ...]] = _phrase_lists("report", ReportCategory)
REPORT_LEXICON = Lexicon(REPORT_CATEGORIES)
