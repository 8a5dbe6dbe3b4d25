"""The text helpers the reading and its scope decision share: sentences, negation, quotes.

Kept apart from reading.py so that the scope decision (reading_scope.py) can use them without
importing the reader (the import graph has no cycles: tests/test_layers.py).
"""

from __future__ import annotations

import re

from watchword.analysis.lexicon import word_set
from watchword.analysis.phrasematch import Hit

MAX_SENTENCES = 80
QUOTE_CHARS = 90

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])|\n+")
# The same ends without a Chinese full stop (the punctuation taken in is never whitespace, so never in
# the match before); a leading character set is skipped through in C: 0.134 -> 0.060 ms per body.
_SENTENCES_LATIN = re.compile(r"[.!?;]\s+|\n+")
_CJK_STOPS = re.compile("[。！？；]")
# "didn't" tokenises as "didn" + "t": the stems are negators.
_NEGATORS = word_set(
    "never not no nie nicht kein keine jamais pas ne nunca не ни didn don doesn wasn weren haven hasn hadn won "
    "wouldn couldn isn aren nao non mai"
)
_NEG_TOKEN = re.compile(r"\w+|n't")
# A negation carries over a coordination to the next verb ("he hasn't contacted us or threatened
# anything", "er hat weder angerufen noch gedroht", "il n'a pas appelé ou menacé"; "не звонил и не
# угрожал" repeat the negator): a coordinator among the last two words, a negator before it in the
# same clause, within a few words. Not past a comma or a full stop: "he didn't call, or so he says".
_COORDINATORS = word_set("or nor oder noch ou ni o или")
# The first half of a paired negation ("neither ... nor", "weder ... noch"): a negator before a coordinator.
_PAIRED_NEGATORS = word_set("neither weder")
_CLAUSE_END = re.compile(r"[,;:.!?()\"«»]")
COORDINATION_REACH = 40
_ZH_NEGATORS = ("没", "未", "不", "别")


# A Chinese negation before the one turned to: "他没找我问过" (he never came to ask me), "没向我们要过".
_ZH_NEGATED_TURN = re.compile(r"[没未不别](找|跟|向|给|对|和|同)(我们|我|他们|他|她)$")


def negated(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 24) : start]
    if before.endswith(_ZH_NEGATORS) or before[-2:-1] in _ZH_NEGATORS or _ZH_NEGATED_TURN.search(before):
        return True
    tokens = _NEG_TOKEN.findall(before)[-2:]
    if any(t in _NEGATORS or t == "n't" for t in tokens):
        return True
    if not any(t in _COORDINATORS for t in tokens):
        return False
    clause = sentence[max(0, start - COORDINATION_REACH) : start]
    clause = clause[max((m.end() for m in _CLAUSE_END.finditer(clause)), default=0) :]
    return any(t in _NEGATORS or t in _PAIRED_NEGATORS or t == "n't" for t in _NEG_TOKEN.findall(clause))


def quote(original: str, start: int, end: int) -> str:
    """The reporter's words around a match, trimmed to whole words."""
    lo = max(0, start - 30)
    hi = min(len(original), max(end, start + 20) + 40)
    while lo > 0 and not original[lo - 1].isspace() and start - lo < 45:
        lo -= 1
    while hi < len(original) and not original[hi].isspace() and hi - end < 60:
        hi += 1
    # Stopped by the limit inside a word ("near entranc"): end at the last whole word instead,
    # and start at the first; text without spaces (Chinese) keeps the cut.
    if hi < len(original) and not original[hi].isspace():
        space = max(original.rfind(" ", end, hi), original.rfind("\n", end, hi))
        hi = space if space > end else hi
    if lo > 0 and not original[lo - 1].isspace():
        spaces = [i for i in (original.find(" ", lo, start), original.find("\n", lo, start)) if i >= 0]
        lo = min(spaces) + 1 if spaces else lo
    text = " ".join(original[lo:hi].split())
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] if " " in text[:QUOTE_CHARS] else text[:QUOTE_CHARS]
    return text.strip(" ,;:")


def sentence_starts(folded: str) -> list[int]:
    starts = [0]
    cjk = not folded.isascii() and _CJK_STOPS.search(folded) is not None  # isascii(): a flag, no scan
    for m in (_SENTENCES if cjk else _SENTENCES_LATIN).finditer(folded):
        if m.end() > starts[-1]:
            starts.append(m.end())
        if len(starts) >= MAX_SENTENCES:
            break
    return starts


# Quoted speech: what the approacher wrote or said, in the reporter's report («Срочно пришлите ...
# нужно для проверки», "we need this for a security check"). Pairs of one kind, up to QUOTED_MAX
# characters: a stray quotation mark opens nothing.
QUOTED_MAX = 400
_QUOTED = re.compile(
    "|".join(
        f"{opening}[^{inside}]{{1,{QUOTED_MAX}}}{closing}"
        for opening, inside, closing in (
            ("«", "«»", "»"),
            ("“", "“”", "”"),
            ("„", "„“”", "[“”]"),
            ("「", "「」", "」"),
            ("『", "『』", "』"),
            ('"', '"\n', '"'),
        )
    )
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the report quotes someone's words (guillemets, curly, low-high, CJK or straight double
    quotes), as (start, end) pairs."""
    if not any(c in text for c in '«“„「『"'):
        return []
    return [m.span() for m in _QUOTED.finditer(text)]


# A contrast right after the reporter's "nothing happened" / "挺正常" makes it a concession, not a
# conclusion: "the gathering itself was normal. But afterwards he kept asking ..." ("但之后他私下
# 总问我"). Read in the next few characters, across a sentence end; the scope decision asks for an
# act read after the contrast too ("he hasn't done anything, but I don't trust him" stays).
CONCESSION_REACH = 24
_CONTRAST = re.compile(
    r"(?<!\w)(but|however|until|yet|aber|doch|jedoch|bis|mais|cependant|pourtant|jusqu|pero|sin embargo|hasta|"
    r"но|однако|зато|пока)(?!\w)|但|可是|不过|然而|直到"
)


def concessive(folded: str, end: int) -> int:
    """Where a contrast follows the words ending at `end` within CONCESSION_REACH characters (its
    end), or -1."""
    m = _CONTRAST.search(folded, end, end + CONCESSION_REACH)
    return m.end() if m else -1


# "After a couple of normal questions she started asking about ...": the reporter's "normal
# questions" opened by "after" is the time before the act, not a conclusion that nothing was done.
# Read in the clause before the words (no sentence end between), and for Chinese, where the
# postposition follows ("问了几个正常的问题之后"), in the few characters after them.
AFTER_REACH = 30
_AFTER = re.compile(r"(?<!\w)(after|nach|apres|despues de|tras|после)(?!\w)[^.!?;:\n。！？]*$")
_AFTER_ZH = re.compile(r"[^。！？，,]{0,4}(之后|以后|后)")


def opened_by_after(folded: str, start: int, end: int) -> bool:
    """Whether the words at start:end are the object of "after" ("nach ein paar normalen Fragen",
    "après quelques questions normales", "после пары обычных вопросов", "……的问题之后")."""
    if _AFTER.search(folded, max(0, start - AFTER_REACH), start):
        return True
    return _AFTER_ZH.match(folded, end) is not None


def basis_hit(hits: list[Hit], name: str) -> Hit | None:
    return next((h for h in hits if h.owner[:2] == ("basis", name)), None)  # type: ignore[index]
