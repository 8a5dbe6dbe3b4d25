"""Many short regular expressions found in one text at word starts, fast.

One alternation of a thousand `\\b(?:...)` branches makes Python's `re` try
every branch at every position: ~15 ms for a 600-character report. Here each
entry is reduced to literal strings one of which must stand at a fixed offset
from every match's start (its *anchor*: "m.a demande de" -> "a demande de" two
characters in). One Aho–Corasick automaton (pyahocorasick, compiled code) finds
every anchor in the text in one pass; only the entries whose anchor is there,
at a word start, are tried with `match` at that position. Entries without a
literal start ("\\d+ ?%") are tried where a number starts or searched over the
text, each only when the text holds a string every match of it contains.

Chinese entries start at any character (there are no word starts): they are
indexed by their first character and tried at every position holding it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from re import _compiler as _sre_compile  # type: ignore[attr-defined]
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

_META = frozenset("\\()[]{}?*+|.^$")
_FIRST_META = re.compile("[" + re.escape("".join(sorted(_META))) + "]")

# -- word starts and ends across scripts --------------------------------------------------------
# `re` counts CJK characters as word characters, so "未知AirTag" or "登录Outlook账户" held no word start
# before the Latin word and no \b after it: entries such as "airtag", "usb", "pin\b" never matched
# where Chinese (or Japanese, Korean) text runs into a Latin word without a space, as it usually
# does. A change between a CJK character and another word character (Latin, digit, Cyrillic) is a
# word boundary too. A text without CJK characters has the same boundaries as before.
CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_CJK_CHAR = re.compile(f"[{CJK}]")


def has_cjk(text: str) -> bool:
    """Whether `text` holds a CJK character (where the script-change word starts can apply)."""
    return not text.isascii() and _CJK_CHAR.search(text) is not None


# Where a word starts: after no word character (as `(?<!\w)`), or where the script changes.
WORD_START = f"(?:(?<!\\w)|(?<=[{CJK}])(?=[^\\W{CJK}])|(?<=[^\\W{CJK}])(?=[{CJK}]))"
# A word boundary (as `\b`), or where the script changes.
WORD_EDGE = f"(?:\\b|(?<=[{CJK}])(?=[^\\W{CJK}])|(?<=[^\\W{CJK}])(?=[{CJK}]))"
# An entry's escapes, its character classes (a \b in one is a backspace) and its "not after a word character".
_BOUND_TOKENS = re.compile(r"\(\?<!\\w\)|\[\^?\]?(?:\\.|[^\]\\])*\]|\\.")


@cache  # bounded by the data files' entries and lists; the bench and the scope ask again per report
def across_scripts(source: str) -> str:
    """A pattern with its `\\b` and `(?<!\\w)` also holding where the script changes (WORD_EDGE,
    WORD_START); the same pattern when it has neither (most entries)."""
    if "\\b" not in source and "(?<!\\w)" not in source:
        return source

    def bound(found: re.Match[str]) -> str:
        piece = found.group()
        return WORD_EDGE if piece == "\\b" else WORD_START if piece == "(?<!\\w)" else piece

    return _BOUND_TOKENS.sub(bound, source)


# Where an entry indexed by its first character can start: CJK and other non-ASCII letters.
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f]")
_NUMBER_ENTRY = ("\\d", "[$€£]")
_NUMBER_START = re.compile(r"(?<!\w)[\d$€£]")
_NUMBER_START_CJK = re.compile(WORD_START + r"[\d$€£]")
KEY = 5


# -- the memo: the data files' expansions, anchors, needles and automaton keys, derived ahead ------
# Deriving them (`re`'s parser once per entry and alternative, the keys of ~5,000 anchors) was ~0.5 s
# CPU of every process's first reading: most of a short `watchword analyze` run's start-up. Each is a
# pure function of the entries' text (an automaton's keys and codes of its word entries in rank order,
# found by their digest), so a table written from the data files (scripts/phrase_memo.py) stands in
# for the derivation. What the table lacks (the data changed since it was written) is derived as
# before: a stale table makes the first reading slower, never its hits different.
# tests/analysis/test_phrase_memo.py derives every row of the table again and compares.
MEMO_FILE = "phrase_memo.json"
# Raise with any change to expand, anchor, needles, _keys or derive_payloads (the tests catch a forgotten one).
MEMO_VERSION = 3
_EXPANSIONS: dict[str, list[str]] = {}
_ANCHORS: dict[str, tuple[int, tuple[str, ...]]] = {}
# A matcher's automaton keys and their codes, by the digest of its word entries in rank order.
_PAYLOADS: dict[str, dict[str, Sequence[int]]] = {}
_NEEDLES: dict[str, tuple[str, ...] | None] = {}
_memo_loaded = False


def memo_table() -> dict[str, Any]:
    """The table as shipped ({} when absent or of another version)."""
    try:
        table = json.loads((resources.files("watchword.analysis") / "data" / MEMO_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) and table.get("version") == MEMO_VERSION else {}


def load_memo() -> None:
    """Fill the memo from the shipped table, once per process (what is already derived stays)."""
    global _memo_loaded
    if _memo_loaded:
        return
    _memo_loaded = True
    table = memo_table()
    for entry, alternatives in table.get("expand", {}).items():
        _EXPANSIONS.setdefault(entry, alternatives)
    for digest, codes in table.get("payloads", {}).items():
        _PAYLOADS.setdefault(digest, codes)  # lists as JSON reads them: only iterated (_word_hits)
    for source, (offset, strings) in table.get("anchor", {}).items():
        _ANCHORS.setdefault(source, (offset, tuple(strings)))
    for source, strings in table.get("needles", {}).items():
        _NEEDLES.setdefault(source, None if strings is None else tuple(strings))


def memo_rows() -> dict[str, Any]:
    """What this process has derived or loaded so far, as the table stores it (for writing it)."""
    return {
        "version": MEMO_VERSION,
        # Entries with structure only: a plain one is its own expansion, found without a scan.
        "expand": {entry: alts for entry, alts in sorted(_EXPANSIONS.items()) if not _plain_entry(entry)},
        "payloads": {digest: {key: list(items) for key, items in codes.items()} for digest, codes in _PAYLOADS.items()},
        "anchor": {
            source: [offset, list(strings)]
            for source, (offset, strings) in sorted(_ANCHORS.items())
            if _plain_anchor(source) is None  # the others cost less to derive than to read
        },
        "needles": {source: None if s is None else list(s) for source, s in sorted(_NEEDLES.items())},
    }


# What _split_top and _close look at: an escape (skipped with its character), a parenthesis, a bar.
# Found by one regular expression, so the characters between them are passed over in C (the
# character-by-character loop was half of building the two matchers at start-up).
_STRUCTURE = re.compile(r"\\.|[()|]", re.DOTALL)


def _split_top(entry: str) -> list[str]:
    """An entry's top-level alternatives ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    parts, depth, last = [], 0, 0
    for found in _STRUCTURE.finditer(entry):
        c = found.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(entry[last : found.start()])
            last = found.end()
    parts.append(entry[last:])
    return parts


def _close(entry: str, open_at: int) -> int:
    """Where the group opened at `open_at` closes, or -1."""
    depth = 0
    for found in _STRUCTURE.finditer(entry, open_at):
        c = found.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return found.start()
    return -1


def _plain_entry(entry: str) -> bool:
    return "|" not in entry and not entry.startswith("(")


def expand(entry: str) -> list[str]:
    """Alternatives with a literal start: a leading group or top-level "|" is multiplied out."""
    found = _EXPANSIONS.get(entry)
    if found is None:
        found = _EXPANSIONS[entry] = _expand(entry, 0)
    return found


@cache  # bounded by the entries of the data files; two matchers share the work
def _expand(entry: str, depth: int) -> list[str]:
    if _plain_entry(entry):
        return [entry]  # what the rest finds for most entries, without a scan for their structure
    alternatives = _split_top(entry)
    if len(alternatives) > 1:
        return [e for alt in alternatives for e in _expand(alt, depth + 1)]
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
    return [e for option in options for e in _expand(option + rest, depth + 1)]


@cache
def literal_start(entry: str) -> str:
    """The letters every match starts with: up to the first metacharacter, less the letter before a
    `?`, `*` or `{` (which may repeat it zero times)."""
    found = _FIRST_META.search(entry)
    if found is None:
        return entry
    end = found.start()
    return entry[: end - 1] if end and found.group() in "?*{" else entry[:end]


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


def _needles(items: Any, few: bool = False) -> set[str] | None:
    """Strings one of which every match of the parsed items contains (None: not known).

    The set whose shortest string is longest; with `few`, the set of fewest strings (then the
    longest shortest string): what an alternative of a branch gives when the branch's union of
    the longest ones is too large to use ("outlook(的)?(登录|验证)(页|页面|界面|链接)|office…" has
    40 strings per alternative, but each alternative holds its first word)."""
    best: set[str] | None = None

    def better(found: set[str], than: set[str]) -> bool:
        longer = min(map(len, found)) > min(map(len, than))
        if few:
            return len(found) < len(than) or (len(found) == len(than) and longer)
        return longer

    def consider(found: set[str] | None) -> None:
        nonlocal best
        if found and "" not in found and (best is None or better(found, best)):
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
            consider(_needles(av[3], few))
        elif op is _sre.BRANCH:
            union = _branch_needles(av[1], few)
            if union is None and not few:
                union = _branch_needles(av[1], True)
            consider(union)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            consider(_needles(av[2], few))
    return best


def _branch_needles(alternatives: Any, few: bool) -> set[str] | None:
    """The union of each alternative's needles; None if one has none or the union is too large."""
    union: set[str] = set()
    for alternative in alternatives:
        found = _needles(alternative, few)
        if found is None:
            return None
        union |= found
    return union if len(union) <= _MAX_NEEDLES else None


def needles(source: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of the pattern contains, or None when not known."""
    try:
        return _NEEDLES[source]
    except KeyError:
        found = _NEEDLES[source] = derive_needles(source)
        return found


def derive_needles(source: str) -> tuple[str, ...] | None:
    """`needles` computed from the parsed pattern, past the memo."""
    parsed = _sre_parse.parse(source)
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    found = _needles(list(parsed))
    if not found:
        return None
    # A text holding "per hour" holds "hour": the longer needle adds nothing.
    return tuple(sorted(n for n in found if not any(o != n and o in n for o in found)))


# -- anchors: literal strings at a fixed offset from every match's start ----------------------
# A word entry used to be tried at every word start holding its literal start: "m.a demande de"
# at every word starting with "m", "ac?count ..." at every "a" — a million `match` calls for 3,000
# emails, 3,000 of them hits. Its anchor ("a demande de" two characters in, "account "/"acount "
# at the start) is found by the automaton instead, so an entry is tried only where it can match.
_WIDTH_ONE_OPS = frozenset({_sre.ANY, _sre.IN, _sre.NOT_LITERAL})  # one character of several


# A literal start this long (with the word start's mark) is already rare enough in text: the entry is
# not parsed for a better anchor (parsing every entry was most of the automaton's 0.4 s build; with
# this bound 0.12 s, for a fifth more candidates than the best anchors give).
_LONG_ENOUGH = 6


def anchor(source: str) -> tuple[int, tuple[str, ...]]:
    """(offset, strings): every match of the word entry starts, `offset` characters after its start,
    with one of the strings. The most selective such stretch of the entry's fixed-width beginning;
    (0, (literal start,)) when nothing better is known."""
    found = _ANCHORS.get(source)
    if found is None:
        found = _ANCHORS[source] = derive_anchor(source)
    return found


def _plain_anchor(source: str) -> tuple[int, tuple[str, ...]] | None:
    """The anchor of an entry that needs no parse (a plain word, a long literal start), else None."""
    prefix = literal_start(source)
    if prefix == source:
        return 0, (source,)
    if len(_key(prefix)) + 1 >= _LONG_ENOUGH:
        return 0, (prefix,)
    return None


def derive_anchor(source: str) -> tuple[int, tuple[str, ...]]:
    """`anchor` computed from the parsed pattern, past the memo."""
    plain = _plain_anchor(source)
    if plain is not None:
        return plain
    prefix = literal_start(source)
    parsed = _sre_parse.parse(source)
    best: tuple[int, tuple[str, ...]] = (0, (prefix,))
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return best  # the strings as written would not be what matches

    def score(offset: int, strings: set[str]) -> int:
        # The shortest key the strings make (see _keys); one more at the start, held to a word start.
        return min(len(_key(s)) for s in strings) + (1 if offset == 0 else 0)

    best_score = score(0, {prefix})
    offset, strings = 0, {""}
    for item in [*parsed, (None, None)]:
        options = _exact([item]) if item[0] is not None else None
        if options is not None and len(strings) * len(options) <= _MAX_NEEDLES:
            strings = {a + b for a in strings for b in options}
            continue
        # The stretch ends here: keep it if it says more than the best so far.
        if "" not in strings and strings and score(offset, strings) > best_score:
            best, best_score = (offset, tuple(sorted(strings))), score(offset, strings)
        lengths = {len(s) for s in strings}
        if item[0] not in _WIDTH_ONE_OPS or len(lengths) != 1:
            break  # past here the offset of what follows is not fixed
        offset += lengths.pop() + 1
        strings = {""}
    return best


# The automaton runs over the text with every non-word character that precedes a word character
# replaced by _MARK (positions unchanged, one C-level substitution) and _MARK put in front: a key
# "\0pin" then occurs only where a word starts with "pin". `re`'s own \w and \W decide, as for \b.
_MARK = "\x00"
# A CJK character before another script's word character is marked too (see WORD_START): the
# word after it starts there. Before a CJK character nothing more is marked (the Latin letter there
# ends a word an entry may hold); entries starting with a CJK character are not word entries.
_BEFORE_WORD = re.compile(f"\\W(?=\\w)|[{CJK}](?=[^\\W{CJK}])")
# The same positions in ASCII text, where \w is [a-zA-Z0-9_]: character sets are tested faster than
# the Unicode word category (0.081-0.085 -> 0.061-0.063 ms per ASCII email body read).
_BEFORE_WORD_ASCII = re.compile(r"[^a-zA-Z0-9_](?=[a-zA-Z0-9_])")
# Text without CJK characters, where _BEFORE_WORD marks the same (one test per character instead of two).
_BEFORE_WORD_PLAIN = re.compile(r"\W(?=\w)")
_LAST_NON_WORD = re.compile(f"[\\W{CJK}]\\Z")  # what the text may show as a mark or not


def _key(string: str) -> str:
    """A string as it reads in the marked text; a last non-word character is dropped (whether the
    text marks it depends on the character after it, which the string does not hold)."""
    return _LAST_NON_WORD.sub("", _BEFORE_WORD.sub(_MARK, string))


def _keys(string: str) -> tuple[str, ...]:
    """The keys the automaton holds for a string: `_key`, and where that dropped a last non-word
    character, the character both ways the marked text can show it instead (a mark before a word
    character, itself otherwise). A key without it ("a" of "a ") occurred at every word starting
    with the letters ("and", "are": two fifths of the candidates, each tried for nothing); with it
    every candidate the shorter key gave that can match is still found, and no other."""
    key = _key(string)
    if len(key) == len(_BEFORE_WORD.sub(_MARK, string)):
        return (key,)
    return (key + _MARK, key + string[-1])


# One compiled pattern per source, shared by every matcher; bounded by the entries of the data files.
_PATTERNS: dict[str, re.Pattern[str]] = {}
# The same with WORD_START and WORD_EDGE (across_scripts), for a text holding a CJK character. In other
# text they find the same as the plain pattern, but test three assertions where it tests one: in the
# patterns searched over a whole text that cost a fifth more CPU per report, so only CJK text gets them.
_PATTERNS_CJK: dict[str, re.Pattern[str]] = {}


def _compiled(source: str, cjk: bool = False) -> re.Pattern[str]:
    patterns = _PATTERNS_CJK if cjk else _PATTERNS
    pattern = patterns.get(source)
    if pattern is None:
        # Past `re.compile`'s own cache (512 patterns): the ~1,500 entries a stream of mail meets
        # would push out every other module's patterns that rely on it (phonenumbers' among them),
        # which were then compiled again and again.
        written = across_scripts(source) if cjk else source
        if not cjk:
            pattern = _sre_compile.compile(source, 0)
        else:  # no \b or (?<!\w) in it: one pattern serves both
            pattern = _compiled(source) if written == source else compile_across_scripts(source)
        patterns[source] = pattern
    return pattern


# -- compiling the CJK forms ----------------------------------------------------------------------
# `re` turns a character class into its compiled form (`_optimize_charset`) by setting a byte per
# character of every range, in a Python loop: ~40,000 for the CJK ranges, four such classes in each
# WORD_START or WORD_EDGE, ~6 ms per \b. That made the CJK forms of the ~950 entries holding one 6 s
# of CPU (13x their plain forms). The optimized form of each of those classes is the same every
# time, so it is worked out once (`_known_charsets`) and put in the parsed pattern in place of the
# class; `_optimize_charset` passes an optimized form through unchanged, so the compiled code, and
# with it every match, is the one `re.compile` gives (tests/analysis/test_phrasematch.py compares
# the compiled patterns, which compare equal only with the same flags, text and code).
_CLASSES = (f"[{CJK}]", f"[^\\W{CJK}]")
_SUBPATTERN_OPS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)


@cache
def _known_charsets() -> dict[tuple[Any, ...], list[Any]]:
    """The parsed items of WORD_START's and WORD_EDGE's classes -> their optimized form."""
    known: dict[tuple[Any, ...], list[Any]] = {}
    for written in _CLASSES:
        ((op, items),) = _sre_parse.parse(written).data
        assert op is _sre.IN
        known[tuple(items)] = _sre_compile._optimize_charset(items)[0]
    return known


def _reuse_charsets(parsed: Any, flags: int, known: dict[tuple[Any, ...], list[Any]]) -> None:
    """Every known class in the parsed pattern replaced by its optimized form, in place, where it is
    compiled without IGNORECASE (with it, `re` folds the class's cases: left to `re`)."""
    data = parsed.data
    for at, (op, av) in enumerate(data):
        if op is _sre.IN:
            if len(av) > 8 and not flags & re.IGNORECASE:
                optimized = known.get(tuple(av))
                if optimized is not None:
                    data[at] = (op, optimized)
        elif op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            _reuse_charsets(inner, (flags | add_flags) & ~del_flags, known)
        elif op is _sre.BRANCH:
            for alternative in av[1]:
                _reuse_charsets(alternative, flags, known)
        elif op in _SUBPATTERN_OPS:
            _reuse_charsets(av[2], flags, known)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            _reuse_charsets(av[1], flags, known)
        elif op is _sre.ATOMIC_GROUP:
            _reuse_charsets(av, flags, known)
        elif op is _sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _reuse_charsets(branch, flags, known)


def compile_across_scripts(source: str) -> re.Pattern[str]:
    """The pattern `re.compile(across_scripts(source))` gives (past its cache), at a fraction of the
    cost: the known classes' optimized forms reused (what `re._compiler.compile` does, between its
    parse and its code)."""
    written = across_scripts(source)
    parsed = _sre_parse.parse(written, 0)
    _reuse_charsets(parsed, parsed.state.flags, _known_charsets())
    code = _sre_compile._code(parsed, 0)
    state = parsed.state
    indexgroup: list[str | None] = [None] * state.groups
    for name, index in state.groupdict.items():
        indexgroup[index] = name
    pattern: re.Pattern[str] = _sre_compile._sre.compile(
        written, state.flags, code, state.groups - 1, state.groupdict, tuple(indexgroup)
    )
    return pattern


def _automaton(values: dict[str, Any]) -> Any:
    """An Aho–Corasick automaton of the keys, each reporting its value; None without keys."""
    if not values:
        return None
    automaton = ahocorasick.Automaton()
    for key, value in values.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


@dataclass(slots=True, frozen=True)
class Hit:
    owner: Hashable
    start: int
    end: int


class PhraseMatcher:
    """Entries (owner, entry, anywhere) -> every match in a text, as Hits.

    The hits of word entries come in the order of their start, and at one start in the order the
    earlier matcher tried them (longer keys of up to KEY letters first, then the entries' order):
    the reading's choice among hits depends on it.
    """

    def __init__(self, entries: list[tuple[Hashable, str, bool]]) -> None:
        load_memo()
        self.entries = tuple(entries)  # as given (the tests compare the matcher with a plain search of them)
        # Sources, compiled on first use (_compiled): a report or an email meets a small part of the
        # ~4,000 entries, and compiling them all took most of the first reading's 0.2 s.
        words: dict[str, list[tuple[Hashable, str]]] = {}
        self._chars: dict[str, list[tuple[Hashable, str]]] = {}
        self._char_patterns: dict[str, tuple[tuple[Hashable, re.Pattern[str]], ...]] = {}
        fallback: dict[Hashable, list[str]] = {}
        numbers: list[tuple[Hashable, str]] = []
        for owner, entry, anywhere in entries:
            for alt in expand(entry):
                start = literal_start(alt)
                if anywhere and start and not start[0].isascii():
                    self._chars.setdefault(start[0], []).append((owner, alt))
                elif start and not anywhere and (start[0].isalnum() or start[0] == "_") and not _CJK_CHAR.match(start):
                    # The key may run over a space ("a c" of "a cambio"): short words alone would
                    # make a candidate of nearly every entry at every "a".
                    words.setdefault(start[:KEY], []).append((owner, alt))
                elif not anywhere and alt.startswith(_NUMBER_ENTRY):
                    # Sums and rates ("$400 per hour"): tried only where a number or currency sign starts.
                    numbers.append((owner, alt))
                else:
                    # "Not after a letter" rather than \b: an entry may start with "$" or "\d".
                    fallback.setdefault(owner, []).append(alt if anywhere else rf"(?<!\w)(?:{alt})")
        # Word entries by rank: the order hits at one start come in (longer keys first, as in the class doc).
        self._ranked: list[tuple[Hashable, str, str, bool]] = [
            (owner, source, literal_start(source), literal_start(source) == source)
            for key in sorted(words, key=len, reverse=True)
            for owner, source in words[key]
        ]
        # Each word entry's pattern by rank once compiled (one list index instead of a call per candidate).
        self._patterns: list[re.Pattern[str] | None] = [None] * len(self._ranked)
        self._patterns_cjk: list[re.Pattern[str] | None] = [None] * len(self._ranked)
        self._key_lengths = sorted({len(key) for key in words}, reverse=True)
        self._span = self._key_lengths[0] if self._key_lengths else 0
        self._built = False
        self._automaton: Any = None  # ahocorasick.Automaton of the anchors, built on first use
        # (owner, source, needles): compiled when a text first holds one of the needles (most texts
        # need few of them; compiling all at start-up was ~0.04 s of every process).
        self._fallback = [(owner, "|".join(parts), needles("|".join(parts))) for owner, parts in fallback.items()]
        self._numbers = [(owner, source, needles(source)) for owner, source in numbers]
        self._gates: Any = None  # the needles of the number and fallback patterns, one automaton
        # Per set of owners left out (find's `skip`): whether each word entry, by rank, is tried.
        self._tried: dict[frozenset[Hashable], list[bool]] = {}

    def _build(self) -> None:
        """The two automata, on first use (the anchors of ~5,000 entries take a parse each)."""
        digest = self.payload_digest()
        codes = _PAYLOADS.get(digest)
        if codes is None:
            codes = _PAYLOADS[digest] = self.derive_payloads()
        self._automaton = _automaton(codes)
        needles_ = [s for _o, _p, s in self._fallback] + [s for _o, _p, s in self._numbers]
        self._gates = _automaton({needle: needle for strings in needles_ for needle in strings or ()})
        self._built = True

    def payload_digest(self) -> str:
        """What the automaton's keys and codes depend on: the word entries' sources in rank order."""
        sources = json.dumps([source for _o, source, _p, _l in self._ranked], ensure_ascii=False)
        return hashlib.sha256(sources.encode()).hexdigest()

    def derive_payloads(self) -> dict[str, Sequence[int]]:
        """Every key of the word entries' anchors with the codes it reports (see _word_hits)."""
        payloads: dict[str, set[tuple[int, int]]] = {}
        ranks = len(self._ranked)
        for rank, (_owner, source, _prefix, _plain) in enumerate(self._ranked):
            offset, strings = anchor(source)
            for key in (key for string in strings for key in _keys(string)):
                if offset == 0:
                    key = _MARK + key
                    back = len(key) - 1  # the match starts just after the mark
                else:
                    back = len(key) + offset  # the key's last character is `back` after the start
                payloads.setdefault(key, set()).add((back, rank))
        # Each payload item as the number that, taken from the key's end times the ranks, gives the
        # candidate's code (start times the ranks, plus the rank; see _word_hits).
        return {key: tuple(back * ranks - rank for back, rank in sorted(found)) for key, found in payloads.items()}

    def warm(self) -> None:
        """Build and compile every entry now, both forms, as texts would on first reaching it: for
        timing the steady state, and for the worker's forkserver (pipeline_process.warm)."""
        if not self._built:
            self._build()
        for char in self._chars:
            self._char_candidates(char)
        for _owner, source, _prefix, _plain in self._ranked:
            _compiled(source)  # plain-word entries too: a broken one raises here (the tests call this)
            _compiled(source, cjk=True)
        for _owner, source, _strings in self._fallback + self._numbers:
            _compiled(source)
            _compiled(source, cjk=True)

    def _char_candidates(self, char: str) -> tuple[tuple[Hashable, re.Pattern[str]], ...]:
        out = self._char_patterns.get(char)
        if out is None:
            # The CJK form always: these are tried only at non-ASCII letters, mostly in CJK text.
            out = tuple((owner, _compiled(source, cjk=True)) for owner, source in self._chars.get(char, ()))
            self._char_patterns[char] = out  # bounded by the characters entries start with
        return out

    def _word_hits(self, text: str, hits: list[Hit], cjk: bool, tried: list[bool] | None = None) -> None:
        automaton = self._automaton
        before_word = _BEFORE_WORD_ASCII if text.isascii() else _BEFORE_WORD if cjk else _BEFORE_WORD_PLAIN
        marked = _MARK + before_word.sub(_MARK, text)
        ranks = len(self._ranked)
        # Start and rank in one integer: sorting them gives the order of the class doc; a set,
        # because two strings of one entry can both stand at one start ("no " and "no lo ").
        codes = {end * ranks - item for end, payload in automaton.iter(marked) for item in payload}
        ranked, patterns = self._ranked, self._patterns_cjk if cjk else self._patterns
        # The earlier matcher looked keys of every length up (5, 4, ... letters) in the text's next five
        # characters; where fewer than five were left, the longer lengths all met the whole rest and
        # repeated its entries' hits (a text ending "team": entry "team" twice). Kept, hits unchanged.
        tail_from = len(text) - self._span + 1
        tail: list[tuple[Hit, bool]] = []
        for code in sorted(codes):
            start, rank = divmod(code, ranks)
            if tried is not None and not tried[rank]:
                continue  # an owner left out: its hits would be dropped (each hit stands alone)
            # marked[start] is the character before the text's `start`: a mark there is a word start.
            if start < 0 or marked[start] != _MARK:
                continue
            owner, source, prefix, plain = ranked[rank]
            if not text.startswith(prefix, start):
                continue
            if plain:
                hit = Hit(owner, start, start + len(prefix))
            else:
                pattern = patterns[rank]
                if pattern is None:
                    pattern = patterns[rank] = _compiled(source, cjk)
                found = pattern.match(text, start)
                if not found or found.end() <= start:
                    continue
                hit = Hit(owner, start, found.end())
            if start >= tail_from:
                tail.append((hit, start + len(prefix) == len(text)))
            else:
                hits.append(hit)
        for start in sorted({hit.start for hit, _whole in tail}):
            here = [(hit, whole) for hit, whole in tail if hit.start == start]
            # Those whose literal start is the whole rest come first (the longest key), once per length.
            repeats = sum(1 for n in self._key_lengths if n >= len(text) - start)
            hits.extend([hit for hit, whole in here if whole] * repeats)
            hits.extend(hit for hit, whole in here if not whole)

    def find(self, text: str, skip: frozenset[Hashable] = frozenset()) -> list[Hit]:
        """Every hit in the text, but those of the owners in `skip`, which are not tried at all: the
        same list as every hit with those left out afterwards, as no hit depends on another."""
        hits: list[Hit] = []
        if not self._built:
            self._build()
        # A text holding a CJK character gets the patterns whose word starts and ends also hold where
        # scripts change (across_scripts); in any other text the plain ones find the same, faster.
        cjk = has_cjk(text)
        tried = None
        if skip:
            tried = self._tried.get(skip)
            if tried is None:  # bounded by the callers' sets (the reading: one per set of languages read)
                tried = self._tried[skip] = [owner not in skip for owner, _s, _p, _l in self._ranked]
        if self._automaton is not None:
            self._word_hits(text, hits, cjk, tried)
        if self._chars:
            chars, char_candidates = self._chars, self._char_candidates
            for m in _NON_ASCII_LETTER.finditer(text):
                char = m.group()
                if char not in chars:
                    continue
                pos = m.start()
                for owner, pattern in char_candidates(char):
                    if owner in skip:
                        continue
                    found = pattern.match(text, pos)
                    if found and found.end() > pos:
                        hits.append(Hit(owner, pos, found.end()))
        if not (self._numbers or self._fallback):
            return hits
        # The strings some number or fallback pattern needs, found in one pass: a pattern none of
        # whose strings the text holds cannot match in it and is not tried.
        present = {needle for _end, needle in self._gates.iter(text)} if self._gates is not None else set()
        if self._numbers:
            numbers = [
                (owner, _compiled(source, cjk))
                for owner, source, strings in self._numbers
                if (strings is None or not present.isdisjoint(strings)) and owner not in skip
            ]
            if numbers:
                for m in (_NUMBER_START_CJK if cjk else _NUMBER_START).finditer(text):
                    pos = m.start()
                    for owner, pattern in numbers:
                        found = pattern.match(text, pos)
                        if found and found.end() > pos:
                            hits.append(Hit(owner, pos, found.end()))
        for owner, source, strings in self._fallback:
            if (strings is not None and present.isdisjoint(strings)) or owner in skip:
                continue  # no match can be in a text without one of these
            for found in _compiled(source, cjk).finditer(text):
                if found.end() > found.start():
                    hits.append(Hit(owner, found.start(), found.end()))
        return hits
