"""The shipped table of anchors and needles (phrasematch's memo) says what deriving them says."""

from __future__ import annotations

import pytest

from watchword.analysis import phrasematch
from watchword.analysis.phrasematch import (
    PhraseMatcher,
    anchor,
    derive_anchor,
    derive_needles,
    expand,
    memo_table,
    needles,
)
from watchword.analysis.reading import lexicons


def test_the_table_is_shipped_and_of_this_version() -> None:
    table = memo_table()
    assert table["version"] == phrasematch.MEMO_VERSION
    assert len(table["anchor"]) > 1000  # the act and scope lists' parsed entries
    assert table["needles"]


def test_every_anchor_in_the_table_is_the_derived_one() -> None:
    for source, (offset, strings) in memo_table()["anchor"].items():
        assert derive_anchor(source) == (offset, tuple(strings)), source


def test_every_needle_row_in_the_table_is_the_derived_one() -> None:
    for source, strings in memo_table()["needles"].items():
        assert derive_needles(source) == (None if strings is None else tuple(strings)), source


def test_every_expansion_in_the_table_is_the_derived_one() -> None:
    for entry, alternatives in memo_table()["expand"].items():
        assert phrasematch._expand(entry, 0) == alternatives, entry


def test_the_automata_of_the_data_files_are_in_the_table_as_derived() -> None:
    # Their digest is of the word entries in rank order: a change to the lists makes a new digest,
    # derived at the first reading (run scripts/phrase_memo.py to ship it again).
    payloads = memo_table()["payloads"]
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        digest = matcher.payload_digest()
        assert digest in payloads, "run scripts/phrase_memo.py"
        derived = matcher.derive_payloads()
        assert {key: list(codes) for key, codes in derived.items()} == payloads[digest]


def test_the_table_covers_the_entries_of_the_data_files() -> None:
    # Not a matter of right or wrong (an entry missing is derived at the first reading), but of
    # start-up: after a change to the lists, run scripts/phrase_memo.py to write the table again.
    table = memo_table()
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        for _owner, source, _prefix, _plain in matcher._ranked:
            if phrasematch._plain_anchor(source) is None:
                assert source in table["anchor"], f"{source!r}: run scripts/phrase_memo.py"
        for _owner, source, _strings in matcher._fallback + matcher._numbers:
            assert source in table["needles"], f"{source!r}: run scripts/phrase_memo.py"
        for _owner, entry, _anywhere in matcher.entries:
            if not phrasematch._plain_entry(entry):
                assert entry in table["expand"], f"{entry!r}: run scripts/phrase_memo.py"


def test_an_entry_the_table_lacks_is_derived(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phrasematch, "_ANCHORS", {})
    monkeypatch.setattr(phrasematch, "_NEEDLES", {})
    monkeypatch.setattr(phrasematch, "_EXPANSIONS", {})
    monkeypatch.setattr(phrasematch, "_PAYLOADS", {})
    monkeypatch.setattr(phrasematch, "_memo_loaded", True)  # the table, if not read yet, stays out
    source = r"m.a (offert|propose) zzqx"  # in no data file
    assert source not in memo_table()["anchor"]
    assert anchor(source) == derive_anchor(source) == (2, ("a offert zzqx", "a propose zzqx"))
    assert needles(r"[\w-]+\.(zzq|zzr)\b") == (".zzq", ".zzr")
    matcher = PhraseMatcher([("act", source, False), ("act", "(zzy|zzw) ok", False)])
    assert expand("(zzy|zzw) ok") == ["zzy ok", "zzw ok"]
    assert matcher.payload_digest() not in memo_table()["payloads"]
    found = matcher.find("hier m'a propose zzqx, puis zzw ok")
    assert [(h.start, h.end) for h in found] == [(5, 21), (28, 34)]
    assert {matcher.payload_digest(): matcher.derive_payloads()} == phrasematch._PAYLOADS


def test_a_table_of_another_version_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phrasematch, "MEMO_VERSION", phrasematch.MEMO_VERSION + 1)
    assert memo_table() == {}
