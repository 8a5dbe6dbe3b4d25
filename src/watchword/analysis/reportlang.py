"""Which language a free-text report is written in, and which languages' act wording to read in it.

Split from `reading.py` (its language section): the script decides Chinese and Russian, then the
commonest small words decide among the Latin-script languages.
"""

from __future__ import annotations

import re
from functools import lru_cache

from watchword.analysis import asciiwords
from watchword.analysis.lexicon import word_set

# Lists the data files may also carry beyond the six: read, though not detected as a language.
EXTRA_LANGUAGES = ("pt", "it")
MAX_CHARS = 4000  # the reading's bound: reports state what happened early

_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+")
# The same words of ASCII text, [a-zA-Z]+, split in C (asciiwords).
_WORD_ASCII = asciiwords.table(str.isalpha)
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": word_set(
        "the and was he she they i my me to of a in that it is with for on at this have had but not his her "
        "asked from our we said be are been would there what"
    ),
    "de": word_set(
        "der die das und ist ich nicht ein eine mit sie er auf den dem zu von mich mir hat wir unser unsere "
        "auch sich es war habe aber noch nach bei für"
    ),
    "fr": word_set(
        "le la les et est je un une des du de il elle pas que qui dans pour sur avec nous notre mon ma mes "
        "son sa ses au aux a ce cette m'a j'ai"
    ),
    "es": word_set(
        "el la los las y es yo un una de del que en por con para no se su sus mi me nos nuestro nuestra "
        "lo le al pero como muy ha"
    ),
}


@lru_cache(maxsize=4)
def _stopword_scores(sample: str) -> tuple[int, tuple[int, ...]]:
    """(how many words, each language's count of small words) in a sample, trailing spaces stripped.

    Cached: the reading of a text detects its language and then weighs the languages present over
    the same words (`languages_read`); trailing spaces make no word, so both ask with one key.
    """
    # ASCII text lower-cases the same whole as word by word (one C pass instead of a call per word).
    words = (
        asciiwords.runs(sample.lower(), _WORD_ASCII)
        if sample.isascii()
        else list(map(str.lower, _WORD.findall(sample)))
    )
    return len(words), tuple(sum(map(stop.__contains__, words)) for stop in _STOPWORDS.values())


def detect_language(text: str) -> str:
    """en, zh, de, es, fr or ru: the script first, then the commonest small words."""
    sample = text[:MAX_CHARS]
    ascii_only = sample.isascii()  # most mail: no other script, no accented letter to count
    cjk = 0 if ascii_only else len(_CJK.findall(sample))
    cyrillic = 0 if ascii_only else len(_CYRILLIC.findall(sample))
    if cjk or cyrillic:  # the Latin letters count only against another script's
        latin = len(_LATIN.findall(sample))
        if cjk and cjk * 3 >= latin:
            return "zh"
        if cyrillic and cyrillic >= latin:
            return "ru"
    count, counts = _stopword_scores(sample.rstrip())
    if not count:
        return "zh" if cjk else "ru" if cyrillic else "en"
    scores = dict(zip(_STOPWORDS, counts, strict=True))
    if not ascii_only:
        # Typical characters break ties between close Latin-script languages.
        scores["de"] += sum(sample.count(c) for c in "äöüß")
        scores["es"] += 2 * sum(sample.count(c) for c in "ñ¿¡")
        scores["fr"] += sum(sample.count(c) for c in "èêàçù")
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else "en"


# A Latin-script language's act wording is read when the report is in it, or holds a stretch
# of it (this many of its small words): "Stick", "Drohne", "cable", "crypto" are acts in one
# language and ordinary words in another ("the stick is sealed in an envelope", "our next-gen
# drone", "un fournisseur de câbles"). English wording is always read (reporters mix it into
# every language: "Phishing", "Recruiter", "USB"); Chinese and Russian wording is bound to
# its own script, and the extra languages' short lists are always read.
PRESENT_MIN = 3
_ALWAYS_READ = frozenset({"en", "zh", "ru", *EXTRA_LANGUAGES})


def languages_read(text: str, language: str) -> frozenset[str]:
    """The languages whose act wording is read in a report written in `language`."""
    scores = dict(zip(_STOPWORDS, _stopword_scores(text[:MAX_CHARS].rstrip())[1], strict=True))
    # In a two-line report a language may show only two small words: a tie with the best reads it too.
    best = max(scores.values())
    present = {lang for lang, n in scores.items() if n >= PRESENT_MIN or (n and n == best)}
    return _ALWAYS_READ | present | {language}
