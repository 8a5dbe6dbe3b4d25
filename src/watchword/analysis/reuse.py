"""Near-identical reports: the pipeline's middle stages run once per distinct content.

A wave of reports carries one lure in many copies that differ in parts of the
message no analysis of the lure depends on: the recipient (To, Cc), the
transport headers, the reporter's forwarding wrapper (their address, their
comment, the wrapper's boundary and Message-ID). Byte-identical pipeline
inputs are already reused from the store (`services.processing.input_key`);
these near-identical ones are not, as their bytes differ.

What is provably equal for such copies is the output of the stages between
parsing and fingerprinting (`MIDDLE`: text and links, indicators, attachments,
authentication, classification, scope — 70% of the pipeline's time). They are
pure functions of the parsed document, and they never read the fields in
`UNREAD_FIELDS` or the headers in `UNREAD_HEADERS` (enforced by a test that
spies on every attribute and header read, `tests/analysis/test_reuse.py`). So a
copy whose parsed document equals an earlier one's in every other field gets
that earlier run's middle-stage facts, and then runs the stages that do depend
on the recipient and the wrapper (fingerprinting: the recipient's name is
personalisation it drops) on its own document. The analysis is, field for
field, what the whole pipeline gives the copy (the same test compares them on
relayed, re-addressed and forwarded copies of every fixture message).

The fingerprint depends on the recipient (and the reporter's address) only through two sets,
`fingerprint.recipients_of`, and asks of them only whether a word or an address is in them. So
the first copy's fingerprint runs with sets that note what they are asked (`AskedWords`,
`AskedAddresses`); the facts it made are kept with those questions and their answers (`Tail`),
and a later copy with the same middle facts whose own sets answer every one of those questions
alike gets the same facts without running it: a re-addressed copy whose new recipient's name the
lure never mentions, a forward by a reporter the lure never names. A copy whose sets answer one
question otherwise (the lure greets the new recipient by name) runs the fingerprint itself.

The memo lives in one process (a worker's pipeline process) and is bounded in
entries and in the size of each entry; a miss just runs the stages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from watchword.domain import Document

# Fields the middle stages never read: the raw bytes (parsed already), the parsed
# Message object, the Received chain, and the reporter's wrapper facts.
UNREAD_FIELDS = frozenset({"raw", "message", "received", "wrapper"})
# Headers the middle stages never read (fingerprinting does: the recipient is personalisation).
UNREAD_HEADERS = frozenset({"to", "cc"})
# Headers are the copy's own after a reuse; every other field comes from the memo.
_KEPT_FROM_COPY = UNREAD_FIELDS | {"headers"}
_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_KEYED = tuple(name for name in _FIELDS if name not in UNREAD_FIELDS)
_RESTORED = tuple(name for name in _FIELDS if name not in _KEPT_FROM_COPY)

# What the fingerprint stage sets (tests/analysis/test_reuse.py checks it changes nothing else).
FINGERPRINT_FIELDS = ("content_hash", "shingles", "campaign_keys")

MAX_ENTRIES = 512
MAX_TAILS = 4  # fingerprint variants held per middle key (recipients the lure names, and the rest)
MAX_ENTRY_BYTES = 1_000_000  # larger documents are analysed each time rather than held
MAX_TOTAL_BYTES = 64_000_000  # what one process holds at most, whatever the entries' sizes


def middle_key(doc: Document) -> bytes | None:
    """A digest of everything the middle stages may read; None for a document too large to hold.

    pickle round-trips every value it writes, so two documents with different
    values never share a digest; equal values may (rarely) pickle differently,
    which only costs a miss.
    """
    state: list[Any] = []
    for name in _KEYED:
        value = getattr(doc, name)
        if name == "headers":
            value = [(k, v) for k, v in value.items() if k not in UNREAD_HEADERS]
        state.append(value)
    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > MAX_ENTRY_BYTES:
        return None
    return hashlib.sha256(data).digest()


def _only_membership(*_args: object) -> NoReturn:
    raise TypeError("the fingerprint may only ask whether a value is among the recipients")


class AskedWords(frozenset[str]):
    """The recipients' words for a fingerprint run that notes every word it asks about. Anything
    but a membership test raises (and the stage's failure is recorded), so nothing can depend on
    the recipients unnoticed."""

    asked: set[str]

    def __new__(cls, words: Iterable[str]) -> AskedWords:
        self = super().__new__(cls, words)
        self.asked = set()
        return self

    def __contains__(self, item: object) -> bool:
        self.asked.add(str(item))
        return frozenset.__contains__(self, item)

    __iter__ = __len__ = __and__ = __or__ = __sub__ = __xor__ = _only_membership


class AskedAddresses(set[str]):
    """The recipients' addresses, noting every address asked about (as AskedWords)."""

    asked: set[str]

    def __init__(self, addresses: Iterable[str]) -> None:
        super().__init__(addresses)
        self.asked = set()

    def __contains__(self, item: object) -> bool:
        self.asked.add(str(item))
        return set.__contains__(self, item)

    def __iter__(self) -> Iterator[str]:
        _only_membership()

    __len__ = __and__ = __or__ = __sub__ = __xor__ = _only_membership


def _fresh(value: Any) -> Any:
    """A list of strings or numbers copied (the fingerprint's facts), so that no two documents share one."""
    return list(value) if isinstance(value, list) else value


@dataclass(slots=True)
class Tail:
    """One fingerprint run for a middle key: what it asked of the recipients' sets, what they
    answered, and the facts it set. `derived` is for the caller (the pool keeps what it derived
    from an analysis with these facts: equal for every copy this tail fits)."""

    words: frozenset[str]
    addresses: frozenset[str]
    words_in: frozenset[str]
    addresses_in: frozenset[str]
    facts: dict[str, Any]
    derived: Any = None

    @classmethod
    def of(cls, recipients: AskedWords, addresses: AskedAddresses, doc: Document) -> Tail:
        words, asked_addresses = frozenset(recipients.asked), frozenset(addresses.asked)
        return cls(
            words,
            asked_addresses,
            frozenset(w for w in words if frozenset.__contains__(recipients, w)),
            frozenset(a for a in asked_addresses if set.__contains__(addresses, a)),
            {name: _fresh(getattr(doc, name)) for name in FINGERPRINT_FIELDS},
        )

    def fits(self, recipients: frozenset[str], addresses: set[str]) -> bool:
        """Would a fingerprint with these sets get every answer this one got?"""
        return recipients & self.words == self.words_in and addresses & self.addresses == self.addresses_in

    def give(self, doc: Document) -> None:
        for name, value in self.facts.items():
            setattr(doc, name, _fresh(value))

    def size(self) -> int:
        """Roughly the bytes held (for the memo's bound)."""
        return 64 * (len(self.words) + len(self.addresses)) + sum(len(w) for w in self.words) + 1024


class MiddleMemo:
    """The middle stages' facts by `middle_key`, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._bytes = 0
        # Each entry pickled: a fresh copy per restore (the later stages may change what they
        # are given) at a fraction of deepcopy's cost, and compact while held.
        self._facts: OrderedDict[bytes, bytes] = OrderedDict()
        self._tails: dict[bytes, list[Tail]] = {}
        self.hits = 0
        self.misses = 0
        self.tail_hits = 0
        self.last: Tail | None = None  # the tail the last run took or made (None: the fingerprint ran alone)

    def __len__(self) -> int:
        return len(self._facts)

    def restore(self, key: bytes, doc: Document) -> bool:
        """Give `doc` the stored facts for `key`; False (and nothing changed) when there are none."""
        facts = self._facts.get(key)
        if facts is None:
            self.misses += 1
            return False
        self._facts.move_to_end(key)
        self.hits += 1
        # S301: these bytes were pickled by keep() in this process, never read from outside.
        for name, value in pickle.loads(facts).items():  # noqa: S301
            setattr(doc, name, value)
        return True

    def keep(self, key: bytes, doc: Document, headers_before: dict[str, str]) -> None:
        """Hold `doc`'s facts after the middle stages.

        Not held if a middle stage changed the headers: a copy keeps its own headers, so
        its analysis could then differ from a fresh run's.
        """
        if doc.headers != headers_before:
            return
        facts = pickle.dumps({name: getattr(doc, name) for name in _RESTORED}, protocol=pickle.HIGHEST_PROTOCOL)
        if len(facts) > MAX_ENTRY_BYTES:
            return
        previous = self._facts.pop(key, None)
        self._bytes += len(facts) - (len(previous) if previous is not None else 0)
        self._facts[key] = facts
        self._bound()

    def holds(self, key: bytes) -> bool:
        """Are `key`'s middle facts held (so the document now has them, restored or kept)?"""
        return key in self._facts

    def tail(self, key: bytes, recipients: frozenset[str], addresses: set[str]) -> Tail | None:
        """A fingerprint run for `key` whose every question these sets answer alike."""
        for tail in self._tails.get(key, ()):
            if tail.fits(recipients, addresses):
                self.tail_hits += 1
                return tail
        return None

    def keep_tail(self, key: bytes, tail: Tail) -> None:
        if key not in self._facts or len(self._tails.get(key, ())) >= MAX_TAILS:
            return
        self._tails.setdefault(key, []).append(tail)
        self._bytes += tail.size()
        self._bound()

    def _bound(self) -> None:
        while self._facts and (len(self._facts) > self.max_entries or self._bytes > self.max_bytes):
            key, dropped = self._facts.popitem(last=False)
            self._bytes -= len(dropped) + sum(tail.size() for tail in self._tails.pop(key, ()))
