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
import enum
import hashlib
import operator
import pickle
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from watchword.domain import AuthResult, Document, Indicator, Link
from watchword.domain.states import ApproachType, DocumentKind, Scope

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

# The large inputs the middle stages read (a message's parts and attachments, a report's words).
# None is in UNREAD_FIELDS, so a copy that meets an entry holds values equal to the first document's
# as it was before the middle stages: where those left one as it was, the entry leaves it out (a
# second pickle of every part and payload cost ~0.07 ms a report) and a copy keeps its own.
# Each is a str or a list of str or bytes: immutable items, so an unchanged list is one equal to a
# shallow copy taken before (`inputs_of`).
_INPUTS = ("subject", "text_input", "text_parts", "html_parts", "attachment_payloads")
assert not set(_INPUTS) & UNREAD_FIELDS

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
        elif isinstance(value, enum.Enum):
            value = (type(value).__qualname__, value.value)  # an enum member pickles through a Python call
        state.append(value)
    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > MAX_ENTRY_BYTES:
        return None
    return hashlib.sha256(data).digest()


# Types whose values nothing can change (a frozen dataclass of strings, enum members, scalars): an
# entry holds such a value, or a list of them, by reference and gives each copy a fresh list, not a
# pickled copy. Pickling the indicators (a slotted dataclass each, through a Python call per object)
# was most of an entry's cost; unpickling gives an enum member back as itself anyway.
_IMMUTABLE = frozenset({str, bytes, int, float, bool, type(None), Indicator, ApproachType, Scope, DocumentKind})
assert Indicator.__dataclass_params__.frozen  # type: ignore[attr-defined]


# Slotted dataclasses whose every field holds an immutable value: copied field by field (a tuple
# of their values held, a new object made per restore), at a fraction of pickle's cost.
_FLAT = {cls: operator.attrgetter(*(f.name for f in dataclasses.fields(cls))) for cls in (Link, AuthResult)}


def _flat_values(value: Any) -> tuple[Any, ...] | None:
    """The field values of a _FLAT object when each is immutable, else None (pickled instead)."""
    fields = _FLAT.get(type(value))
    if fields is None:
        return None
    values: tuple[Any, ...] = fields(value)
    return values if _IMMUTABLE.issuperset(map(type, values)) else None


def _rough_size(value: Any) -> int:
    """About the bytes a held value takes (for the memo's bound): the length of a string, 256 for any
    other object (an indicator, a link: a URL, a few short strings), each item of a tuple so."""
    if isinstance(value, str | bytes):
        return len(value) + 64
    if isinstance(value, tuple):
        if value and isinstance(value[0], str | bytes):
            return 64 * len(value) + sum(map(len, value))
        return 256 * len(value)
    return 256


def inputs_of(doc: Document) -> dict[str, tuple[Any, tuple[Any, ...] | None]]:
    """The large inputs as they are now: each value, and a list's items (for `MiddleMemo.keep`)."""
    return {
        name: (value, tuple(value) if isinstance(value, list) else None)
        for name, value in ((name, getattr(doc, name)) for name in _INPUTS)
    }


def _unchanged(doc: Document, before: dict[str, tuple[Any, tuple[Any, ...] | None]]) -> set[str]:
    """The inputs still the very value they were (a list: the same list with the same items)."""
    return {
        name
        for name, (value, items) in before.items()
        if getattr(doc, name) is value and (items is None or tuple(value) == items)
    }


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
        # Each entry: the immutable values (lists of them as tuples) by reference, and the rest
        # pickled: a fresh copy per restore (the later stages may change what they are given) at a
        # fraction of deepcopy's cost, and compact while held.
        self._facts: OrderedDict[bytes, tuple[Any, ...]] = OrderedDict()
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
        shared, flat, flat_lists, pickled, _size = facts
        for name, value in shared.items():
            setattr(doc, name, list(value) if type(value) is tuple else value)
        for name, (kind, values) in flat.items():
            setattr(doc, name, kind(*values))
        for name, items in flat_lists.items():
            setattr(doc, name, [kind(*values) for kind, values in items])
        # S301: these bytes were pickled by keep() in this process, never read from outside.
        for name, value in pickle.loads(pickled).items():  # noqa: S301
            setattr(doc, name, value)
        return True

    def keep(
        self,
        key: bytes,
        doc: Document,
        headers_before: dict[str, str],
        inputs_before: dict[str, tuple[Any, tuple[Any, ...] | None]] | None = None,
    ) -> None:
        """Hold `doc`'s facts after the middle stages.

        Not held if a middle stage changed the headers: a copy keeps its own headers, so
        its analysis could then differ from a fresh run's. With `inputs_before` (`inputs_of`
        the document before the middle stages), the inputs they left as they were are not held:
        a copy with this key has equal ones, which `restore` leaves in place.
        """
        if doc.headers != headers_before:
            return
        unchanged = _unchanged(doc, inputs_before) if inputs_before is not None else set()
        shared: dict[str, Any] = {}
        flat: dict[str, tuple[type, tuple[Any, ...]]] = {}
        flat_lists: dict[str, tuple[tuple[type, tuple[Any, ...]], ...]] = {}
        rest: dict[str, Any] = {}
        for name in _RESTORED:
            if name in unchanged:
                continue
            value = getattr(doc, name)
            kind = type(value)
            if kind in _IMMUTABLE:
                shared[name] = value
            elif kind is list and _IMMUTABLE.issuperset(map(type, value)):
                shared[name] = tuple(value)
            elif (values := _flat_values(value)) is not None:
                flat[name] = (kind, values)
            elif kind is list and value and all(type(item) in _FLAT for item in value):
                items = [(type(item), _flat_values(item)) for item in value]
                if any(values is None for _kind, values in items):
                    rest[name] = value
                else:
                    flat_lists[name] = tuple((kind, values) for kind, values in items if values is not None)
            else:
                rest[name] = value
        pickled = pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL)
        size = (
            len(pickled)
            + sum(_rough_size(value) for value in shared.values())
            + 256 * len(flat)
            + sum(256 * len(items) for items in flat_lists.values())
        )
        if size > MAX_ENTRY_BYTES:
            return
        previous = self._facts.pop(key, None)
        self._bytes += size - (previous[-1] if previous is not None else 0)
        self._facts[key] = (shared, flat, flat_lists, pickled, size)
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
            self._bytes -= dropped[-1] + sum(tail.size() for tail in self._tails.pop(key, ()))
