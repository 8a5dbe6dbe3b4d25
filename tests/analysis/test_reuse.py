"""Near-identical copies reuse the pipeline's middle stages, and get exactly a fresh run's analysis.

The reuse (analysis/reuse.py) rests on one claim: the stages between parsing and
fingerprinting never read the raw bytes, the parsed Message, the Received chain,
the reporter's wrapper, or the To and Cc headers. The first test checks the claim
by watching every read those stages make; the second compares, on copies of every
fixture message as a wave brings them (relayed, re-addressed, forwarded by
another reporter), the analysis with reuse against the whole pipeline's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import mailbuilders as mb
from tests.support.fixture_mail import fixture_emails
from watchword.analysis.fingerprint import fingerprint_for, recipients_of
from watchword.analysis.pipeline import _MIDDLE_END, _MIDDLE_START, STAGES, analyze_report, run
from watchword.analysis.reuse import (
    FINGERPRINT_FIELDS,
    UNREAD_FIELDS,
    UNREAD_HEADERS,
    AskedAddresses,
    AskedWords,
    MiddleMemo,
    middle_key,
)
from watchword.domain import Document
from watchword.domain.model import holds_reporter_comment


class _WatchedHeaders(dict[str, str]):
    """A headers dict that notes every name read from it."""

    def __init__(self, data: dict[str, str], seen: set[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.seen.update(super().keys())
        return super().__iter__()

    def items(self) -> Any:
        self.seen.update(super().keys())
        return super().items()

    def keys(self) -> Any:
        self.seen.update(super().keys())
        return super().keys()

    def values(self) -> Any:
        self.seen.update(super().keys())
        return super().values()


class _WatchedDocument(Document):
    """A Document that notes every field read from it."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__"):
            object.__getattribute__(self, "__dict__").setdefault("_read", set()).add(name)
        return object.__getattribute__(self, name)


def _watched_middle_run(raw: bytes) -> tuple[set[str], set[str]]:
    doc = Document(kind="email", raw=raw)
    run(doc, STAGES[:_MIDDLE_START])
    headers_read: set[str] = set()
    watched = _WatchedDocument(**{f.name: getattr(doc, f.name) for f in dataclasses.fields(Document)})
    watched.headers = _WatchedHeaders(doc.headers, headers_read)
    run(watched, STAGES[_MIDDLE_START:_MIDDLE_END])
    fields_read: set[str] = watched.__dict__.get("_read", set())
    return fields_read, headers_read


def _relayed(raw: bytes, n: int) -> bytes:
    return f"Received: from relay{n}.example.net by mx.example.org; Fri, 4 Dec 2026 09:00:0{n} +0000\r\n".encode() + raw


def _readdressed(raw: bytes, n: int) -> bytes:
    """The same lure sent to another person: To and Cc replaced (or added)."""
    head, sep, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    kept = [line for line in re.split(rb"\r?\n(?![ \t])", head) if not re.match(rb"(?i)(to|cc):", line)]
    new = [f"To: Pat Person{n} <pat.person{n}@corp.example>".encode(), f"Cc: team{n}@corp.example".encode()]
    return b"\r\n".join(kept + new) + (sep or b"\r\n\r\n") + body


def _copies(raw: bytes) -> list[bytes]:
    return [
        _relayed(raw, 1),
        _readdressed(raw, 2),
        _readdressed(raw, 3),
        mb.forwarded_by(raw, "first@corp.example", 4, "report@corp.example"),
        mb.forwarded_by(_readdressed(raw, 5), "second@corp.example", 5, "report@corp.example"),
    ]


@pytest.mark.parametrize(
    ("name", "raw"), [*fixture_emails(), *((f"copy{n}", raw) for n, raw in enumerate(_copies(mb.password_phish())))]
)
def test_the_middle_stages_never_read_what_copies_differ_in(name: str, raw: bytes) -> None:
    fields_read, headers_read = _watched_middle_run(raw)
    assert "body_text" in fields_read  # the watch works: the stages read the document through it
    assert fields_read & UNREAD_FIELDS == set()
    assert headers_read & UNREAD_HEADERS == set()


@pytest.mark.parametrize(("name", "raw"), fixture_emails())
def test_a_copy_that_reuses_the_middle_stages_gets_the_fresh_analysis(name: str, raw: bytes) -> None:
    memo = MiddleMemo()
    analyze_report("", raw, memo=memo)  # the first report of the wave: every stage runs
    for copy in _copies(raw):
        fresh = analyze_report("", copy)
        assert analyze_report("", copy, memo=memo).to_dict() == fresh.to_dict()
    # Reuse happened: the re-addressed copies share the middle stages with each other, the two
    # forwards' originals (one re-addressed) with each other.
    assert memo.hits >= 2
    assert memo.misses <= 4


@pytest.mark.parametrize(
    ("name", "raw"), [*fixture_emails(), *((f"copy{n}", raw) for n, raw in enumerate(_copies(mb.password_phish())))]
)
def test_the_fingerprint_reads_the_recipients_only_through_their_sets_and_only_asks_membership(
    name: str, raw: bytes
) -> None:
    """What reusing a fingerprint rests on (analysis/reuse.py): given `recipients_of`, the
    fingerprint reads no To, Cc or wrapper, asks the two sets nothing but membership (the asking
    sets raise on anything else, which would show as the stage's warning), and sets only its facts."""
    doc = Document(kind="email", raw=raw)
    run(doc, STAGES[:_MIDDLE_END])
    recipients, addresses = recipients_of(doc)
    headers_read: set[str] = set()
    watched = _WatchedDocument(**{f.name: getattr(doc, f.name) for f in dataclasses.fields(Document)})
    watched.headers = _WatchedHeaders(doc.headers, headers_read)
    before = {f.name: getattr(doc, f.name) for f in dataclasses.fields(Document)}
    asked_words, asked_addresses = AskedWords(recipients), AskedAddresses(addresses)
    fingerprint_for(watched, asked_words, asked_addresses)
    fields_read: set[str] = watched.__dict__.get("_read", set())
    assert "body_text" in fields_read
    assert fields_read & UNREAD_FIELDS == set()
    assert headers_read & UNREAD_HEADERS == set()
    changed = {f.name for f in dataclasses.fields(Document) if getattr(watched, f.name) != before[f.name]}
    assert changed <= set(FINGERPRINT_FIELDS)
    assert watched.content_hash  # it ran to the end
    whole = Document(**before)
    run(whole, STAGES[_MIDDLE_END:])
    assert [getattr(whole, f) for f in FINGERPRINT_FIELDS] == [getattr(watched, f) for f in FINGERPRINT_FIELDS]


def test_the_asking_sets_refuse_anything_but_membership() -> None:
    words, addresses = AskedWords({"pat"}), AskedAddresses({"pat@corp.example"})
    assert "pat" in words and "sam" not in words and "pat@corp.example" in addresses
    assert words.asked == {"pat", "sam"} and addresses.asked == {"pat@corp.example"}
    for attempt in (lambda: list(words), lambda: len(words), lambda: words & {"pat"}, lambda: list(addresses)):
        with pytest.raises(TypeError):
            attempt()


def _greeting(name: str, n: int) -> bytes:
    """A lure that names its recipient in the body, to `name`."""
    return mb.message(
        subject="Payroll update",
        to=f"{name} Smith <{name.lower()}.smith{n}@corp.example>",
        body=mb.part("text/plain", f"{name}, your salary slip is waiting: https://payroll-portal.example/slip\r\n"),
    )


def test_a_copy_whose_recipient_the_lure_names_runs_its_own_fingerprint() -> None:
    """The reused fingerprint is only the recipient-blind one: Pat's copy drops "pat" from the
    text, Sam's keeps it, so Sam's takes nothing from Pat's; Lee's (whose name the lure does not
    hold either) asks the same questions as Sam's and gets the same answers, so it reuses it."""
    pat = _greeting("Pat", 1)
    sam = pat.replace(b"To: Pat Smith <pat.smith1@corp.example>", b"To: Sam Smith <sam.smith2@corp.example>")
    lee = pat.replace(b"To: Pat Smith <pat.smith1@corp.example>", b"To: Lee Jones <lee.jones3@corp.example>")
    assert sam != pat and lee != pat
    memo = MiddleMemo()
    fresh = [analyze_report("", raw) for raw in (pat, sam, lee)]
    reused = [analyze_report("", raw, memo=memo) for raw in (pat, sam, lee)]
    assert [a.to_dict() for a in reused] == [a.to_dict() for a in fresh]
    assert fresh[0].content_hash != fresh[1].content_hash  # the recipient's name matters here
    assert fresh[1].content_hash == fresh[2].content_hash
    assert memo.hits == 2 and memo.tail_hits == 1


def test_a_forward_by_a_reporter_the_lure_names_keeps_its_own_campaign_keys() -> None:
    """The reporter's address is never a sender's key: a lure whose Reply-To is one reporter's
    own address has that key for every other reporter's forward, not for theirs."""
    lure = mb.password_phish().replace(b"Subject:", b"Reply-To: first@corp.example\r\nSubject:", 1)
    forwards = [
        mb.forwarded_by(lure, reporter, n, "report@corp.example")
        for n, reporter in enumerate(
            ("second@corp.example", "first@corp.example", "third@corp.example", "first@corp.example")
        )
    ]
    memo = MiddleMemo()
    for raw in forwards:
        assert analyze_report("", raw, memo=memo).to_dict() == analyze_report("", raw).to_dict()
    keys = [analyze_report("", raw).campaign_keys for raw in forwards]
    assert "replyto:first@corp.example" in keys[0] and "replyto:first@corp.example" not in keys[1]
    assert memo.tail_hits == 2  # the third reuses the second's, the fourth the first's


def test_the_pool_derives_once_for_the_copies_that_reuse_a_fingerprint() -> None:
    from watchword import pipeline_process
    from watchword.domain.model import stored_text
    from watchword.pool import derive
    from watchword.pool import run as pool_run

    raw = _greeting("Pat", 1)
    copies = [raw.replace(b"pat.smith1", f"pat.smith{n}".encode()) for n in range(2, 5)]
    results = [pool_run(("", copy, "", {})) for copy in copies]
    assert results[1][1] is results[0][1] and results[2][1] is results[0][1]
    assert pipeline_process.last_tail() is not None
    for analysis, derived, text in results:
        assert derived == derive(analysis)
        assert text == stored_text(analysis)  # what the writer would have made of it


def test_the_pool_leaves_the_text_of_an_analysis_with_reporter_words_to_the_writer() -> None:
    """The writer seals the reporter's words above a forward before storing: the pool's text of
    such an analysis would hold them plain, so it makes none."""
    from watchword.pool import run as pool_run

    analysis, _, text = pool_run(("", mb.attached_forward(_greeting("Pat", 9)), "", {}))
    assert holds_reporter_comment(analysis) and text is None


def test_copies_to_other_recipients_differ_in_their_analysis_where_the_recipient_shows() -> None:
    """The reused part is only the recipient-blind one: the headers and fingerprint stay each copy's."""
    raw = mb.password_phish()
    memo = MiddleMemo()
    first = analyze_report("", _readdressed(raw, 1), memo=memo)
    second = analyze_report("", _readdressed(raw, 2), memo=memo)
    assert memo.hits == 1
    assert first.headers["to"] != second.headers["to"]
    assert second.headers["to"] == analyze_report("", _readdressed(raw, 2)).headers["to"]


def test_a_different_lure_is_not_reused() -> None:
    memo = MiddleMemo()
    analyze_report("", mb.password_phish(), memo=memo)
    other = mb.password_phish().replace(b"Keep your password", b"Confirm your password")
    assert analyze_report("", other, memo=memo).to_dict() == analyze_report("", other).to_dict()
    assert memo.hits == 0


def test_the_memo_is_bounded() -> None:
    memo = MiddleMemo(max_entries=3)
    for n in range(6):
        analyze_report("", mb.simple(f"Note {n}", f"Text number {n}\n"), memo=memo)
    assert len(memo) == 3
    small = MiddleMemo(max_bytes=1)  # every entry is over the total: none is held
    analyze_report("", mb.simple("Note", "Text\n"), memo=small)
    assert len(small) == 0
    doc = Document(kind="email", raw=b"Subject: x\r\n\r\n" + b"y" * 2_000_000)
    run(doc, STAGES[:_MIDDLE_START])
    assert middle_key(doc) is None  # too large to hold: analysed each time


def test_restored_copies_share_no_mutable_fact_with_the_first_or_each_other() -> None:
    """Immutable facts are held by reference, links and the authentication result copied field by
    field, inputs the middle stages left alone not held at all: each copy still gets lists and
    objects of its own, equal to a fresh run's."""
    raw = mb.original_message()  # links in HTML, a Reply-To: links, indicators and auth to copy
    memo = MiddleMemo()
    docs = [run(Document(kind="email", raw=_readdressed(raw, n)), memo=memo) for n in (1, 2, 3)]
    assert memo.hits == 2
    fresh = run(Document(kind="email", raw=_readdressed(raw, 3)))
    for name in ("indicators", "links", "reasons", "also_types", "auth", "text_parts", "html_parts", "body_text"):
        assert getattr(docs[2], name) == getattr(fresh, name), name
    first, second, third = docs
    assert first.links and first.auth is not None
    for name in ("indicators", "links", "reasons", "warnings", "text_parts", "html_parts"):
        assert getattr(second, name) is not getattr(first, name), name
        assert getattr(third, name) is not getattr(second, name), name
    assert second.auth is not first.auth and third.auth is not second.auth
    assert all(a is not b for a, b in zip(first.links, second.links, strict=True))
    second.links[0].text = "changed"
    second.reasons.append("changed")
    assert third.links[0].text != "changed" and third.reasons == first.reasons
    assert run(Document(kind="email", raw=_readdressed(raw, 4)), memo=memo).links == first.links
