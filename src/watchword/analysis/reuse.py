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

The memo lives in one process (a worker's pipeline process) and is bounded in
entries and in the size of each entry; a miss just runs the stages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections import OrderedDict
from typing import Any

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

MAX_ENTRIES = 512
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


class MiddleMemo:
    """The middle stages' facts by `middle_key`, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._bytes = 0
        # Each entry pickled: a fresh copy per restore (the later stages may change what they
        # are given) at a fraction of deepcopy's cost, and compact while held.
        self._facts: OrderedDict[bytes, bytes] = OrderedDict()
        self.hits = 0
        self.misses = 0

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
        while len(self._facts) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._facts.popitem(last=False)
            self._bytes -= len(dropped)
