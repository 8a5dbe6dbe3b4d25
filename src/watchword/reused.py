"""A worker's analyses by input key, kept across its batches: a wave's copies reuse one object.

Equal input keys mean equal analyses (`services.processing.input_key`). Without this, every
batch read each reused analysis back from the store (its JSON parsed into a new object), then
derived its campaign features and known-bad keys (`pool.derive`) and serialised it again
(`processing.encode_results`) — per batch the copy landed in, for the same analysis each time.
A national wave (~120 copies of a lure, spread over the day's batches) paid that about once per
copy (bench/year.py). Kept here, a key's analysis, what was derived from it and its stored JSON
text are made once per worker process and given to every later copy: the same values the store
read would give (the text is what the JSON column stores; the store holds that same text for
the key).

Bounded in entries and in the texts' size; a miss reads the store as before. Nothing here is
written anywhere: the store's rows, the leases and the transactions are unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from watchword.domain import Analysis
from watchword.pool import Derived

MAX_ENTRIES = 1024  # distinct inputs kept; a wave needs one however many its copies
MAX_TEXT_CHARS = 32_000_000  # all texts held, in characters (~bytes: the JSON is ASCII-escaped)


@dataclass(frozen=True, slots=True)
class Entry:
    analysis: Analysis
    derived: Derived
    text: str | None  # the stored JSON text, as both stores bind it; None where not made


class Reused:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_TEXT_CHARS) -> None:
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._chars = 0
        self.max_entries, self.max_chars = max_entries, max_chars
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return entry

    def put(self, key: str, analysis: Analysis, derived: Derived, text: str | None) -> None:
        """Keep a key's analysis as written (call after its transaction committed)."""
        if not key or key in self._entries:
            return
        size = len(text) if text is not None else 0
        if size > self.max_chars // 16:
            return  # one huge analysis must not push out a whole wave's worth of small ones
        self._entries[key] = Entry(analysis, derived, text)
        self._chars += size
        while len(self._entries) > self.max_entries or self._chars > self.max_chars:
            _key, dropped = self._entries.popitem(last=False)
            self._chars -= len(dropped.text) if dropped.text is not None else 0
