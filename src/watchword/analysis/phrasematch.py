"""Many short regular expressions found in one text at word starts, fast.

One alternation of a thousand `\\b(?:...)` branches makes Python's `re` try
every branch at every position: ~15 ms for a 600-character report. Here each
entry is indexed by the literal letters it must start with (its first up to
three characters); the text's word starts are looked up in that index and
only the few entries that can start there are tried, each with `match` at
that position: ~1 ms. Entries without a literal start ("\\d+ ?%") fall back
to one ordinary search.

Chinese entries start at any character (there are no word starts): they are
indexed by their first character and tried at every position holding it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

_META = frozenset("\\()[]{}?*+|.^$")
_WORD_START = re.compile(r"\b\w")
# Where an entry indexed by its first character can start: CJK and other non-ASCII letters.
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f]")
_NUMBER_ENTRY = ("\\d", "[$€£]")
_NUMBER_START = re.compile(r"(?<!\w)[\d$€£]")
KEY = 5


def _split_top(entry: str) -> list[str]:
    """An entry's top-level alternatives ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    parts, depth, last = [], 0, 0
    i = 0
    while i < len(entry):
        c = entry[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(entry[last:i])
            last = i + 1
        i += 1
    parts.append(entry[last:])
    return parts


def _close(entry: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(entry):
        c = entry[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


@cache  # bounded by the entries of the data files; two matchers share the work
def expand(entry: str, depth: int = 0) -> list[str]:
    """Alternatives with a literal start: a leading group or top-level "|" is multiplied out."""
    alternatives = _split_top(entry)
    if len(alternatives) > 1:
        return [e for alt in alternatives for e in expand(alt, depth + 1)]
    if depth > 6 or not entry.startswith("(") or entry.startswith("(?"):
        return [entry]
    close = _close(entry, 0)
    if close < 0:
        return [entry]
    inner, rest = entry[1:close], entry[close + 1 :]
    options = _split_top(inner)
    if rest[:1] in ("?", "*"):
        options.append("")
        rest = rest[1:]
    elif rest[:1] == "+":
        return [entry]
    return [e for option in options for e in expand(option + rest, depth + 1)]


@cache
def literal_start(entry: str) -> str:
    out: list[str] = []
    for i, c in enumerate(entry):
        if c in _META:
            if c in "?*{" and out:
                out.pop()
            break
        out.append(c)
        if i + 1 < len(entry) and entry[i + 1] in "?*{":
            out.pop()
            break
    return "".join(out)


# -- needles: literal strings one of which every match contains ---------------------------
# A fallback pattern (no literal start) is searched position by position over the whole text,
# which was a third of the reading of an email body; most texts hold none of the strings any
# match must contain (".exe", " aimante sous", "beobachtet"), and a substring test says so at C
# speed. Derived from the parsed pattern, so it follows the data files; where it cannot be
# derived (a class, an unbounded repeat only), the pattern is always searched, as before.
_MAX_NEEDLES = 64
_ZERO_WIDTH_OPS = frozenset({_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT})


def _exact(items: Any) -> set[str] | None:
    """Every string the parsed items can match, if that is a small finite set (a superset is safe)."""
    out = {""}
    for op, av in items:
        if op is _sre.LITERAL:
            options = {chr(av)}
        elif op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
            options = {chr(a) for _, a in av}
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:
            found = _exact(av[3])
            if found is None:
                return None
            options = found
        elif op is _sre.BRANCH:
            options = set()
            for alternative in av[1]:
                found = _exact(alternative)
                if found is None:
                    return None
                options |= found
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[1] <= 2:
            found = _exact(av[2])
            if found is None:
                return None
            options = {""} if av[0] == 0 else set()
            once = found
            for n in range(1, av[1] + 1):
                if n >= av[0]:
                    options |= once
                once = {a + b for a in once for b in found}
        elif op in _ZERO_WIDTH_OPS:
            continue  # matches no character: the strings around it are unchanged
        else:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > _MAX_NEEDLES:
            return None
    return out


def _needles(items: Any) -> set[str] | None:
    """Strings one of which every match of the parsed items contains (None: not known)."""
    best: set[str] | None = None

    def consider(found: set[str] | None) -> None:
        nonlocal best
        if found and "" not in found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    run: list[Any] = []
    for op, av in [*items, (None, None)]:
        if op is not None and _exact([(op, av)]) is not None:
            run.append((op, av))
            continue
        # A run of items each matching a small set of strings: every match holds one of the
        # concatenations of any stretch of it; each stretch as long as its combinations allow.
        for first in range(len(run)):
            last = len(run)
            while last > first and (joined := _exact(run[first:last])) is None:
                last -= 1
            if last > first:
                consider(joined)
        run = []
        if op is _sre.SUBPATTERN and not av[1] and not av[2]:
            consider(_needles(av[3]))
        elif op is _sre.BRANCH:
            union: set[str] = set()
            for alternative in av[1]:
                found = _needles(alternative)
                if found is None:
                    union = set()
                    break
                union |= found
            consider(union if len(union) <= _MAX_NEEDLES else None)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            consider(_needles(av[2]))
    return best


def needles(source: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of the pattern contains, or None when not known."""
    parsed = _sre_parse.parse(source)
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    found = _needles(list(parsed))
    if not found:
        return None
    # A text holding "per hour" holds "hour": the longer needle adds nothing.
    return tuple(sorted(n for n in found if not any(o != n and o in n for o in found)))


# One compiled pattern per source, shared by every matcher; bounded by the entries of the data files.
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(source: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(source)
    if pattern is None:
        pattern = _PATTERNS[source] = re.compile(source)
    return pattern


# (owner, pattern or None for a plain-text entry, the literal every match starts with)
_Candidate = tuple[Hashable, "re.Pattern[str] | None", str]
# The same, with whether the literal start must still be tested at the position.
_SliceCandidate = tuple[Hashable, "re.Pattern[str] | None", str, bool]
_SLICES_KEPT = 65_536  # ~8 MB at most: the 1,194 email bodies the corpus has read made 27,000 (3.4 MB)


@dataclass(slots=True, frozen=True)
class Hit:
    owner: Hashable
    start: int
    end: int


class PhraseMatcher:
    """Entries (owner, entry, anywhere) -> every match in a text, as Hits."""

    def __init__(self, entries: list[tuple[Hashable, str, bool]]) -> None:
        # Sources, compiled on first use (_compiled): a report or an email meets a small part of the
        # ~4,000 entries, and compiling them all took most of the first reading's 0.2 s.
        self._words: dict[str, list[tuple[Hashable, str]]] = {}
        self._chars: dict[str, list[tuple[Hashable, str]]] = {}
        self._char_patterns: dict[str, tuple[tuple[Hashable, re.Pattern[str]], ...]] = {}
        fallback: dict[Hashable, list[str]] = {}
        self._numbers: list[tuple[Hashable, re.Pattern[str]]] = []
        for owner, entry, anywhere in entries:
            for alt in expand(entry):
                start = literal_start(alt)
                if anywhere and start and not start[0].isascii():
                    self._chars.setdefault(start[0], []).append((owner, alt))
                elif start and not anywhere and (start[0].isalnum() or start[0] == "_"):
                    # The key may run over a space ("a c" of "a cambio"): short words alone would
                    # make a candidate of nearly every entry at every "a".
                    key = start[:KEY]
                    self._words.setdefault(key, []).append((owner, alt))
                elif not anywhere and alt.startswith(_NUMBER_ENTRY):
                    # Sums and rates ("$400 per hour"): tried only where a number or currency sign starts.
                    self._numbers.append((owner, _compiled(alt)))
                else:
                    # "Not after a letter" rather than \b: an entry may start with "$" or "\d".
                    fallback.setdefault(owner, []).append(alt if anywhere else rf"(?<!\w)(?:{alt})")
        self._fallback = [
            (owner, _compiled("|".join(parts)), needles("|".join(parts))) for owner, parts in fallback.items()
        ]
        self._key_lengths = sorted({len(k) for k in self._words}, reverse=True)
        self._span = self._key_lengths[0] if self._key_lengths else 0
        # Each key's candidates, built when a text first reaches the key (None until then; a text that
        # is no key gets the default, no candidates: one dictionary lookup either way).
        self._by_key: dict[str, tuple[_Candidate, ...] | None] = dict.fromkeys(self._words)
        # The candidates of every key length at once, by the text's next `_span` characters (see _at).
        self._by_slice: dict[str, tuple[_SliceCandidate, ...]] = {}

    def _build(self, key: str) -> tuple[_Candidate, ...]:
        found: list[_Candidate] = []
        for owner, source in self._words[key]:
            # Every match starts with the entry's literal start, often longer than the key: a
            # startswith() test skips most candidates before the (costlier) regex. Half the
            # entries are plain words (literal start == entry): the test is the whole match.
            prefix = literal_start(source)
            found.append((owner, None if prefix == source else _compiled(source), prefix))
        self._by_key[key] = out = tuple(found)
        return out

    def _at(self, piece: str) -> tuple[_SliceCandidate, ...]:
        """The candidates of a word start whose next characters are `piece`, in the order of the keys.

        The keys of every length are looked up once per distinct piece rather than at every word start
        (a word start cost five slices and lookups); a literal start no longer than the piece is tested
        here, once, against it. Only a longer one is left to test at the position (`check`). A piece
        shorter than `_span` is the end of the text: there a longer literal start cannot fit.
        """
        found: list[_SliceCandidate] = []
        for n in self._key_lengths:
            key = piece[:n]
            candidates = self._by_key.get(key, ())
            if candidates is None:
                candidates = self._build(key)
            for owner, pattern, prefix in candidates:
                if len(prefix) <= len(piece):
                    if piece.startswith(prefix):
                        found.append((owner, pattern, prefix, False))
                elif len(piece) == self._span:
                    found.append((owner, pattern, prefix, True))
        if len(self._by_slice) >= _SLICES_KEPT:
            self._by_slice.clear()  # bounded: a long-running worker meets unbounded text
        self._by_slice[piece] = out = tuple(found)
        return out

    def warm(self) -> None:
        """Build and compile every entry now, as a text would on first reaching it: for timing the steady state."""
        for key in self._words:
            self._build(key)
        for char in self._chars:
            self._char_candidates(char)
        for found in self._words.values():
            for _owner, source in found:
                _compiled(source)  # plain-word entries too: a broken one raises here (the tests call this)

    def _char_candidates(self, char: str) -> tuple[tuple[Hashable, re.Pattern[str]], ...]:
        out = self._char_patterns.get(char)
        if out is None:
            out = tuple((owner, _compiled(source)) for owner, source in self._chars.get(char, ()))
            self._char_patterns[char] = out  # bounded by the characters entries start with
        return out

    def find(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        by_slice, at, span = self._by_slice, self._at, self._span
        for m in _WORD_START.finditer(text):
            pos = m.start()
            piece = text[pos : pos + span]
            candidates = by_slice.get(piece)
            if candidates is None:
                candidates = at(piece)
            for owner, pattern, prefix, check in candidates:
                if check and not text.startswith(prefix, pos):
                    continue
                if pattern is None:
                    hits.append(Hit(owner, pos, pos + len(prefix)))
                    continue
                found = pattern.match(text, pos)
                if found and found.end() > pos:
                    hits.append(Hit(owner, pos, found.end()))
        if self._chars:
            chars, char_candidates = self._chars, self._char_candidates
            for m in _NON_ASCII_LETTER.finditer(text):
                char = m.group()
                if char not in chars:
                    continue
                pos = m.start()
                for owner, pattern in char_candidates(char):
                    found = pattern.match(text, pos)
                    if found and found.end() > pos:
                        hits.append(Hit(owner, pos, found.end()))
        if self._numbers:
            for m in _NUMBER_START.finditer(text):
                pos = m.start()
                for owner, pattern in self._numbers:
                    found = pattern.match(text, pos)
                    if found and found.end() > pos:
                        hits.append(Hit(owner, pos, found.end()))
        for owner, pattern, strings in self._fallback:
            if strings is not None and not any(needle in text for needle in strings):
                continue  # no match can be in a text without one of these
            for found in pattern.finditer(text):
                if found.end() > found.start():
                    hits.append(Hit(owner, found.start(), found.end()))
        return hits
