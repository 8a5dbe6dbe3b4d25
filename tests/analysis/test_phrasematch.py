"""The phrase matcher's shortcuts find exactly what a plain search finds."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable
from pathlib import Path

import pytest

from watchword.analysis import phrasematch
from watchword.analysis.phrasematch import PhraseMatcher, across_scripts, anchor, expand, literal_start, needles
from watchword.analysis.reading import fold, lexicons


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"(?<!\w)(?:[\w-]+\.(exe|scr)\b)", (".exe", ".scr")),
        (r"(?<!\w)(?:/ ?(hour|h|day)\b)", ("/ day", "/ h", "/day", "/h")),
        (r"\d+ ?(min|minutes?)\b", ("min",)),  # "minutes" holds "min": one test says both
        (r"[a-z]+\.x?", (".",)),
        (r"fotografi|(?<!\w)(?:\w*(tor|eingang) (\w+ ){0,2}beobachtet)", ("beobachtet", "fotografi")),
        (r"\w+.s (real|usual) (number|email)", ("s real email", "s real number", "s usual email", "s usual number")),
        # Each alternative's longest needles (16 strings each, 80 in all) are too many for a branch: each
        # alternative gives its fewest instead, here what ends every alternative.
        (
            "outlook(的)?(登录|验证)(页|页面|界面|链接)|office(的)?(登录|验证)(页|页面|界面|链接)|"
            "microsoft(的)?(登录|验证)(页|页面|界面|链接)|m365(的)?(登录|验证)(页|页面|界面|链接)|"
            "o365(的)?(登录|验证)(页|页面|界面|链接)",
            ("界面", "链接", "页"),
        ),
        (r"a(b|c)(d|e)(f|g)(h|i)(j|k)(l|m)x|q(b|c)(d|e)(f|g)(h|i)(j|k)(l|m)x", ("x",)),
    ],
)
def test_needles_are_strings_every_match_holds(source: str, expected: tuple[str, ...]) -> None:
    assert needles(source) == expected


@pytest.mark.parametrize("source", [r"\w+", r"abc|\d+", "(?i)password", r"[a-z]+x?", r"(?i:abc)d?"])
def test_needles_are_none_when_a_match_may_hold_none_of_them(source: str) -> None:
    assert needles(source) is None


def _texts() -> list[str]:
    sample = Path(__file__).with_name("reading_sample.jsonl")
    texts = [json.loads(line)["text"] for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Texts that reach the patterns searched over the whole text (no literal start).
    texts += [
        "Please run invoice-2024.exe and the .scr file, or unpack data.zip, for 50 euros / hour.",
        "Er hat das Tor 3 gestern beobachtet und fotografiert; Passwort und Zugangsdaten wollte er auch.",
        "Which project do you lead, and who signs the contracts? He said it was his real number.",
        "Il a laissé un boîtier aimante sous la voiture. Я получил 500 руб за час, 10% в месяц.",
        "他说给我五万元，让我把U盘插上，不是他的微信，就公布出去。gps tracker found, qq邮箱.",
        # Latin words and numbers run into CJK text without a space (a word starts and ends there).
        "他发来invoice.exe文件和report.zip，要我打开。年薪50万元/hour，每小时100euros。",
        "桌下有一个AirTag和GPS定位器，他让我登录Outlook账户，把PIN码和password发给他。",
        "USBメモリを渡された。パスワードを教えて。LinkedInでメッセージ。VPN에 접속해 달라고 했다.",
    ]
    return [fold(text) for text in texts]


def test_the_needles_lose_no_match_of_the_data_files(monkeypatch: pytest.MonkeyPatch) -> None:
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        for _owner, source, strings in matcher._fallback + matcher._numbers:
            for text in _texts():
                for found in re.finditer(across_scripts(source), text):
                    if found.end() > found.start():
                        assert strings is None or any(s in found.group() for s in strings), (source, found)
    # The same matcher without the shortcut (every fallback pattern searched, as before it).
    entries = [
        (("act", "credential", "cues", "de"), "~passwort", True),
        (("act", "malicious_file", "cues", "en"), r"[\w-]+\.(exe|scr|zip)\b", False),
        (("act", "physical", "cues", "de"), r"\w*(tor|eingang) (\w+ ){0,2}beobachtet", False),
        (("act", "ask_info", "verbs", "en"), r"(?<!, )which|who (is|signs)", False),
        (("act", "offer", "objects", "en"), r"\d+ ?(euros?|руб)", False),
    ]
    fast = PhraseMatcher(entries)
    monkeypatch.setattr(phrasematch, "needles", lambda source: None)
    plain = PhraseMatcher(entries)
    assert all(strings is None for _o, _p, strings in plain._fallback)
    found_any = False
    for text in _texts():
        hits = fast.find(text)
        assert hits == plain.find(text)
        found_any = found_any or bool(hits)
    assert found_any


def test_a_word_start_meets_the_candidates_of_every_key_length() -> None:
    # Keys of one to five letters at one position, and a literal start longer than the key.
    matcher = PhraseMatcher(
        [("a", "pin", False), ("b", "pin code", False), ("c", "pi", False), ("d", "pinco(de)?", False)]
    )
    hits = [(h.owner, h.start, h.end) for h in matcher.find("the pin code, pincode and pi.")]
    assert hits == [
        ("b", 4, 12),
        ("a", 4, 7),
        ("c", 4, 6),
        ("d", 14, 21),
        ("a", 14, 17),
        ("c", 14, 16),
        ("c", 26, 28),
    ]


def _word_entries(entries: tuple[tuple[Hashable, str, bool], ...]) -> list[tuple[Hashable, str, bool]]:
    """The entries matched at word starts only (every alternative a literal start beginning a word)."""
    return [
        (owner, entry, anywhere)
        for owner, entry, anywhere in entries
        if not anywhere
        and all(
            (s := literal_start(alt)) and (s[0].isalnum() or s[0] == "_") and not phrasematch._CJK_CHAR.match(s)
            for alt in expand(entry)
        )
    ]


# A word start written plainly: a word character after none, or where CJK and another script meet.
_CJK = phrasematch.CJK
_PLAIN_WORD_START = re.compile(rf"\b\w|(?<=[{_CJK}])[^\W{_CJK}]|(?<=[^\W{_CJK}])[{_CJK}]")


def _tried_at_every_word_start(entries: list[tuple[Hashable, str, bool]], text: str) -> list[tuple[Hashable, int, int]]:
    """The matcher before the automaton, written plainly: at every word start, the entries keyed by the
    first up to five letters of their literal start, for every key length the text's next five
    characters begin with (longest first), each tried with `match` there."""
    by_key = _keyed(tuple(entries))
    lengths = sorted({len(key) for key in by_key}, reverse=True)
    hits = []
    for word in _PLAIN_WORD_START.finditer(text):
        pos = word.start()
        piece = text[pos : pos + lengths[0]]
        for n in lengths:
            for owner, alt in by_key.get(piece[:n], ()):
                found = _pattern(alt).match(text, pos)
                if text.startswith(literal_start(alt), pos) and found and found.end() > pos:
                    hits.append((owner, pos, found.end()))
    return hits


# The plain matcher's index and patterns, made once per entry list and alternative rather than once per
# text: the same index and patterns either way. Rebuilt for each of the brute force's ~100 texts, with
# ~6,000 patterns overflowing `re`'s cache of 512, they were 7 of its 8.5 s of CPU.
@functools.cache
def _keyed(entries: tuple[tuple[Hashable, str, bool], ...]) -> dict[str, list[tuple[Hashable, str]]]:
    by_key: dict[str, list[tuple[Hashable, str]]] = {}
    for owner, entry, _anywhere in entries:
        for alt in expand(entry):
            by_key.setdefault(literal_start(alt)[:5], []).append((owner, alt))
    return by_key


@functools.cache
def _pattern(alt: str) -> re.Pattern[str]:
    return re.compile(across_scripts(alt))


_WORD_TEXTS = [
    # Entries whose anchor stands after a wildcard ("m.a demande de ...": "a demande de" two in).
    fold("Il m'a demandé de vous transmettre ceci; elle s'est fait passer pour notre banque. N'a jamais écrit."),
    fold("Your account is suspended. I'm in trouble, the real manager always uses Teams. No badge, no pass."),
    # A text that ends inside the five letters the earlier matcher looked at: its hits came twice.
    fold("Best regards, the Microsoft account team"),
    "it",
    "\x00pin\x00code, a\x00 team\x00",  # NUL, the automaton's own mark, in the text itself
    "",
    # Scripts meeting without a space: Latin after and before Chinese, Japanese and Korean.
    "我在会议室发现一个未知airtag在桌下。他发来一个usb。让我登录outlook，输入pin码。",
    "linkedin上的猎头说teams会议后发zip包给我。gps定位器",
    "usbメモリ、パスワードをteamsで送って。vpn에 로그인해서 password를 알려 달라고",
    "пароль我的account被锁定",
]


# Not traced for coverage: the brute force over every entry of every shipped lexicon is volume (2.4-3.1 s
# of CPU untraced, 4.9-6.3 s traced); the four lines of phrasematch.py it reaches that this module's other
# tests do not, test_reading.py reaches (docs/benchmarks.md, "The test suite", eighth session).
@pytest.mark.no_cover
def test_the_automaton_finds_what_trying_every_word_start_finds() -> None:
    lex = lexicons()
    found_any = False
    for matcher in (lex.matcher, lex.act_matcher):
        entries = _word_entries(matcher.entries)
        assert len(entries) > 1000
        automaton_matcher = PhraseMatcher(entries)
        for text in _texts() + _WORD_TEXTS:
            hits = [(h.owner, h.start, h.end) for h in automaton_matcher.find(text)]
            assert hits == _tried_at_every_word_start(entries, text), text
            found_any = found_any or bool(hits)
    assert found_any


def test_owners_skipped_are_not_tried_and_the_rest_is_found_as_before() -> None:
    # The reading leaves out the act wording of languages it does not read (reading._not_read): the
    # matcher's hits with `skip` are its hits without it, those owners' taken out, in the same order.
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        owners = sorted({owner for owner, _entry, _anywhere in matcher.entries}, key=repr)
        for languages in ({"en"}, {"en", "zh", "ru"}, {"de", "fr", "es"}):
            skip = frozenset(o for o in owners if o[-1] not in languages)  # type: ignore[index]
            for text in _texts() + _WORD_TEXTS:
                every = matcher.find(text)
                assert matcher.find(text, skip) == [h for h in every if h.owner not in skip], text


def test_a_last_non_word_character_is_keyed_both_ways_the_text_can_show_it() -> None:
    # Before a word character the marked text holds the mark, elsewhere the character itself.
    assert phrasematch._keys("a ") == ("a\x00", "a ")
    assert phrasematch._keys("no, ") == ("no,\x00", "no, ")
    assert phrasematch._keys("pay now") == ("pay\x00now",)
    entries: list[tuple[Hashable, str, bool]] = [
        ("a", "a ", False),
        ("b", "he (said|wrote)", False),
        ("c", "it's ", False),
        ("d", "no, ", False),
    ]
    matcher = PhraseMatcher(entries)
    texts = [
        "a b",
        "a  b",
        "a",
        "a.",
        "and a ",
        "an a-b",
        "he said",
        "he  said",
        "here",
        "it's x",
        "it's",
        "no, no,x no, ",
    ]
    found = 0
    for text in texts:
        hits = [(h.owner, h.start, h.end) for h in matcher.find(text)]
        assert hits == _tried_at_every_word_start(entries, text), text
        found += len(hits)
    assert found >= 8


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("password", (0, ("password",))),
        (
            "m.a demande de (vous|le) (signaler|ecrire)",
            (2, tuple(sorted(f"a demande de {o} {v}" for o in ("vous", "le") for v in ("signaler", "ecrire")))),
        ),
        (
            "ac?count (is |was )?locked",
            (0, tuple(sorted(f"a{c}count {v}locked" for c in ("", "c") for v in ("", "is ", "was ")))),
        ),
        (r"the (real|actual) \w+", (0, ("the actual ", "the real "))),
        (r"n.(a|ont) envoye personne", (2, ("a envoye personne", "ont envoye personne"))),
        (r"pass\w+ (\w+ )?off", (0, ("pass",))),  # nothing fixed after the first letters
    ],
)
def test_an_anchor_is_what_every_match_holds_at_its_offset(source: str, expected: tuple[int, tuple[str, ...]]) -> None:
    assert anchor(source) == expected


@pytest.mark.parametrize(
    ("entry", "alternatives"),
    [
        ("a|b(c|d)", ["a", "b(c|d)"]),
        (r"x\|y|z", [r"x\|y", "z"]),  # an escaped bar is a letter
        (r"\(|(\))|q", [r"\(", r"(\))", "q"]),
        ("(a|b", ["(a|b"]),  # unclosed: no top-level bar
        ("tail\\", ["tail\\"]),
    ],
)
def test_top_level_alternatives(entry: str, alternatives: list[str]) -> None:
    assert phrasematch._split_top(entry) == alternatives


@pytest.mark.parametrize(
    ("entry", "start"),
    [("colou?r", "colo"), ("ab*c", "a"), ("a+", "a"), ("a{2}", ""), (r"\d+", ""), ("abc", "abc"), ("ab.c", "ab")],
)
def test_literal_start_stops_before_what_may_repeat_zero_times(entry: str, start: str) -> None:
    assert literal_start(entry) == start


def test_a_group_closes_where_its_parenthesis_does() -> None:
    assert phrasematch._close(r"(a(b)\)c)d", 0) == 8
    assert phrasematch._close("(a(b)", 0) == -1


def test_ascii_word_starts_are_marked_as_the_unicode_pattern_marks_them() -> None:
    from watchword.analysis.phrasematch import _BEFORE_WORD, _BEFORE_WORD_ASCII

    # Every pair of ASCII characters, so every (non-word, word) boundary the ASCII pattern may see.
    ascii_chars = [chr(i) for i in range(128)]
    text = "".join(a + b for a in ascii_chars for b in ascii_chars)
    assert text.isascii()
    assert _BEFORE_WORD_ASCII.sub("\x00", text) == _BEFORE_WORD.sub("\x00", text)
    assert _BEFORE_WORD.sub("\x00", text).count("\x00") > 1000  # the boundaries were there to mark


def test_a_change_between_cjk_and_another_script_is_a_word_start_and_end() -> None:
    entries: list[tuple[Hashable, str, bool]] = [
        ("usb", "usb", False),
        ("pin", r"pin\b", False),
        ("zip", r"[\w-]+\.(zip|rar)\b", False),
        ("sum", r"\d+ ?%", False),
        ("pass", r"passwor(d|t)", False),
    ]
    matcher = PhraseMatcher(entries)

    def found(text: str) -> list[tuple[Hashable, str]]:
        return [(h.owner, text[h.start : h.end]) for h in matcher.find(text)]

    assert found("他发来一个usb。") == [("usb", "usb")]
    assert found("请把pin码告诉我") == [("pin", "pin")]
    assert found("usbメモリを渡された") == [("usb", "usb")]
    assert found("vpn에 pin을") == [("pin", "pin")]
    assert found("年利率10%以上") == [("sum", "10%")]
    assert found("发来data.zip文件给我") == [("zip", "发来data.zip")]  # [\w-]+ takes the Chinese letters, as before
    # Unchanged within one script: no word starts inside "husband" or "pinned", German compounds stay whole.
    assert found("husband pinned firmenpasswort, пинusb, usb-stick") == [("usb", "usb")]
    # A text without CJK letters is marked exactly as before.
    text = "Er hat das Passwort; пароль 10% usb_pin pin2"
    assert phrasematch._BEFORE_WORD.sub("\x00", text) == phrasematch._BEFORE_WORD_PLAIN.sub("\x00", text)
    assert phrasematch._BEFORE_WORD_PLAIN.pattern == r"\W(?=\w)"
    for source in (r"pin\b", r"(?<!\w)(?:usb)", r"[\b]x\b"):
        for probe in ("pin pins xpin usb", "ausb usb, pin", "\bx x"):
            assert [m.span() for m in re.finditer(across_scripts(source), probe)] == [
                m.span() for m in re.finditer(source, probe)
            ]


def test_a_warmed_matcher_has_both_forms_of_every_entry_compiled_and_finds_what_a_cold_one_finds() -> None:
    # Sources of this test alone: the compiled patterns are shared by every matcher of the process.
    entries: list[tuple[Hashable, str, bool]] = [("w", r"zqxwarmpin\b", False), ("n", r"(?<!\w)\d+ ?zqxpct", False)]
    warmed, cold = PhraseMatcher(entries), PhraseMatcher(entries)
    warmed.warm()  # as the worker's forkserver warms (pipeline_process.warm)
    sources = [source for _owner, source, _prefix, _plain in warmed._ranked] + [
        source for _owner, source, _strings in warmed._fallback + warmed._numbers
    ]
    assert sources and all(
        source in phrasematch._PATTERNS and source in phrasematch._PATTERNS_CJK for source in sources
    )
    # The CJK forms differ from the plain ones (they hold \b or (?<!\w)).
    assert all(phrasematch._PATTERNS[source] != phrasematch._PATTERNS_CJK[source] for source in sources)
    texts = ("请把zqxwarmpin码告诉我", "年利率10zqxpct以上", "zqxwarmpin zqxwarmpins 7 zqxpct")
    hits = [[(h.owner, h.start, h.end) for h in warmed.find(text)] for text in texts]
    assert hits == [[("w", 2, 12)], [("n", 3, 11)], [("w", 0, 10), ("n", 23, 31)]]
    assert [[(h.owner, h.start, h.end) for h in cold.find(text)] for text in texts] == hits


def _data_sources_with_bounds() -> list[str]:
    """The data files' entry sources whose CJK form differs from the plain one (~950)."""
    lex = lexicons()
    sources: list[str] = []
    for matcher in (lex.matcher, lex.act_matcher):
        sources += [source for _owner, source, _prefix, _plain in matcher._ranked]
        sources += [source for _owner, source, _strings in matcher._fallback + matcher._numbers]
        sources += [source for candidates in matcher._chars.values() for _owner, source in candidates]
    return [source for source in dict.fromkeys(sources) if across_scripts(source) != source]


# Written by hand: where the script-change word starts fall, and the constructs the compile walks into.
_BOUND_SOURCES = [
    r"pin\b",
    r"(?<!\w)(?:code)",
    r"[\w-]+\.(zip|rar)\b",
    r"outlook\b ?(账户|account)",
    r"\bvpn\b(?=에|\s)",
    r"(?<!\w)\d+ ?(万元|euros?)\b",
    r"(?i)pin\b",  # IGNORECASE: its classes are left to re (case folding)
    r"(?i:usb)\b|\b(?-i:usb)",
    r"(?>\bqq)邮箱|(?P<w>\bwx)(?(w)号|id)\b",
    r"(?:\b\w){2,}?x|(?:\bab)*+c",
    rf"[{phrasematch.CJK}]+\b",  # an entry's own class the same as WORD_START's
]


def test_the_cjk_forms_compile_to_the_pattern_re_compiles() -> None:
    from re import _compiler as sre_compile  # type: ignore[attr-defined]

    # Every 8th entry of the data files (each compiled by `re` costs ~6 ms) and the hand-written ones.
    sources = _data_sources_with_bounds()[::8] + _BOUND_SOURCES
    assert len(sources) > 100
    for source in sources:
        written = across_scripts(source)
        assert written != source
        # Patterns compare equal when their text, flags and compiled code are (the code decides every match).
        assert phrasematch.compile_across_scripts(source) == sre_compile.compile(written, 0), source
    # The reading's lists as one pattern each (the grounds', the watch list's): the same.
    lex = lexicons()
    for spec in [*lex.grounds, lex.watch]:
        assert spec.pattern == sre_compile.compile(spec.pattern.pattern, 0), spec.name
    # The comparison sees the code: the same text over another pattern's code is not equal.
    parsed = sre_compile._parser.parse("ac", 0)
    code = sre_compile._code(parsed, 0)
    other = sre_compile._sre.compile("ab", parsed.state.flags, code, 0, {}, (None,))
    assert other.pattern == "ab" and other != re.compile("ab") and other.match("ac")


# Mixed-script texts and the spans every source above finds in them (WORD_START and WORD_EDGE as
# across_scripts writes them): script changes are word starts and ends, nothing else is.
_MIXED_CASES = [
    (
        "请把pin码告诉我, spin码, pinned",
        r"pin\b",
        [(2, 5), (12, 15)],
    ),  # searched: "spin" holds one (the matcher tries word starts only)
    ("输入code确认, barcode码, 代码code", r"(?<!\w)(?:code)", [(2, 6), (22, 26)]),
    ("发来data.zip文件, 和a.rar。", r"[\w-]+\.(zip|rar)\b", [(0, 10), (14, 20)]),
    ("登录outlook账户, outlook account, outlookaccount", r"outlook\b ?(账户|account)", [(2, 11), (13, 28)]),
    ("vpn에 접속, 用vpn 连接, vpnx", r"\bvpn\b(?=에|\s)", [(0, 3), (10, 13)]),
    ("年薪50万元/hour, 给我100euros, x100euros", r"(?<!\w)\d+ ?(万元|euros?)\b", [(2, 6), (15, 23)]),
    ("请把PIN码告诉我", r"(?i)pin\b", [(2, 5)]),
    ("他发来一个USB。usbメモリ", r"(?i:usb)\b|\b(?-i:usb)", [(5, 8), (9, 12)]),
    ("加qq邮箱和wx号, 用wxid", r"(?>\bqq)邮箱|(?P<w>\bwx)(?(w)号|id)\b", [(1, 5), (6, 9)]),
    ("中文abc", rf"[{phrasematch.CJK}]+\b", [(0, 2)]),
]


@pytest.mark.parametrize(("text", "source", "spans"), _MIXED_CASES)
def test_a_cjk_form_finds_the_script_changes_as_word_starts_and_ends(
    text: str, source: str, spans: list[tuple[int, int]]
) -> None:
    pattern = phrasematch._compiled(source, cjk=True)
    assert [m.span() for m in pattern.finditer(text)] == spans
    assert [m.span() for m in re.finditer(across_scripts(source), text)] == spans
