"""The clustering core: pure, storage-free, shared by every path that assigns.

The worker (through a store-backed `Backend`), `watchword cluster` and full
re-clustering (through `MemoryBackend`) all call `ClusterIndex.assign` with the
same features in the same order, so they agree by construction.

One report's evidence for an existing cluster comes from three posting lists,
all keyed by 63-bit hashes:

- its exact normalised-content hash (a repeat of known content: a sighting);
- its MinHash signature cut into BANDS bands of ROWS rows (LSH): two texts
  with Jaccard similarity s share a band with probability 1-(1-s^ROWS)^BANDS,
  and we ask for at least MIN_BANDS shared bands, which turns the S-curve
  into a steep step near s≈0.55 without storing signatures to verify against;
- its typed keys (sender, URL host+path, phone, wallet, domain, ...), each
  hashed together with the report's risk class so that a benign newsletter
  can never join a phishing campaign through a shared indicator alone.

Every posting list stops growing once its key has been seen in more distinct
clusters than its type's cap: from then on the key is ubiquitous and neither
links nor costs anything. That bound is what keeps per-report cost flat and
avoids MISP's quadratic correlation explosion (MISP #7396), where one value
shared by many events correlated with every one of them.

A report whose evidence points at several clusters bridges them (union-find),
but only where the evidence for each is strong on its own; a medium key (a
registrable domain) or a subject may attach a report, never glue two
campaigns together, and two large clusters are joined only by text.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from watchword.analysis.fingerprint import NUM_PERM
from watchword.campaigns.ubiquitous import is_ubiquitous_key
from watchword.domain.states import RiskClass

ENGINE_VERSION = 1  # stored postings are rebuilt (re-clustered), not misread, when this changes

BANDS = 16
ROWS = NUM_PERM // BANDS
MIN_BANDS = 6  # shared bands that make a near-duplicate (Jaccard about 0.65 and up); see the module docstring
BRIDGE_BANDS = 10  # shared bands that may glue two existing clusters together (about 0.8)
CORROBORATING_BANDS = 2  # text that supports a sender, a domain or a subject (about Jaccard 0.4)
CROSS_CLASS_BANDS = 12  # text alone across risk classes: only near-identical copies
BAND_CAP = 8  # a band value shared by more campaigns than this is boilerplate (footers, disclaimers)
GIANT = 1000  # two clusters this big together are bridged only by strong text evidence

# Evidence families. A payload key names one operation's infrastructure or
# persona and may link on its own. An identity key (who sent it) says the same
# sender, which for a newsletter or a mailing list spans unrelated messages:
# it links only with corroboration from text or the subject. A subject alone
# never links.
PAYLOAD = frozenset({"url", "phone", "wallet", "iban", "social", "attachment", "org"})
# Measured on the corpus (bench/campaigns.py), these glued unrelated lures when
# they linked alone: a registrable domain (a brand's real site, a bulk
# sender's), an address quoted in the body (a brand's service desk), Reply-To
# (lists set it to the list, people to themselves), a spoofed brand sender
# (shared by unrelated kits: 139 -> 633 unexplained pairs when it linked
# alone). They corroborate.
IDENTITY = frozenset({"sender", "sdomain", "replyto", "domain", "email", "list", "ip"})
SUBJECT = frozenset({"subject"})
# A thread (the Message-ID that started it, or one list's subject) is one
# conversation: it links alone in either class and may carry a long thread.
THREAD = frozenset({"thread"})
# Distinct *contents* (normalised texts) a key may be seen in before it counts
# as ubiquitous. Counting contents, not campaigns, matters: a key that links
# everything it touches would otherwise never be seen in many campaigns.
CAPS = {
    "domain": 12,
    "sdomain": 12,
    "sender": 12,
    "replyto": 12,
    "subject": 40,
    "url": 10,
    "email": 12,
    "ip": 10,
    "attachment": 20,
    "list": 200,
    "thread": 500,
}
DEFAULT_CAP = 50

HIGH = RiskClass.HIGH
LOW = RiskClass.LOW


def risk_class(approach_type: str, risk: float) -> str:
    """Benign-looking mail on one side; anything suspicious (spam included) on the other."""
    return LOW if approach_type in ("benign", "") and risk < 0.5 else HIGH


@lru_cache(maxsize=1 << 16)
def hash_key(text: str) -> int:
    # Cached: domains, senders and subjects recur across thousands of reports.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1


# Multiply-xorshift mixing of each band's rows, vectorised over all bands in
# one numpy expression: a blake2b call per band cost more than the lookups.
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_ROW_MUL = np.array(
    [
        0xBF58476D1CE4E5B9,
        0x94D049BB133111EB,
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
        0x1D8E4E27C47D124F,
    ],
    dtype=np.uint64,
)[:ROWS]


def band_keys(signature: Sequence[int]) -> list[int]:
    if len(signature) != NUM_PERM:
        return []
    rows = np.asarray(signature, dtype=np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        h = _BAND_SALT.copy()
        for r in range(ROWS):
            h = (h ^ rows[:, r]) * _ROW_MUL[r]
            h ^= h >> np.uint64(29)
    return [int(v) >> 1 for v in h]


@dataclass(frozen=True, slots=True)
class Features:
    """What the engine knows about one report (all from its stored analysis)."""

    content_hash: str
    signature: tuple[int, ...]
    keys: tuple[str, ...]
    risk_class: str = HIGH

    @classmethod
    def from_analysis(cls, result: dict[str, Any]) -> Features | None:
        """None for a report that must never be linked into a campaign (out of scope)."""
        if result.get("scope") == "out_of_scope":
            return None
        return cls(
            content_hash=str(result.get("content_hash") or ""),
            signature=tuple(int(v) for v in result.get("shingles") or ()),
            keys=tuple(str(k) for k in result.get("campaign_keys") or ()),
            risk_class=risk_class(str(result.get("approach_type") or ""), float(result.get("risk") or 0.0)),
        )

    def content_id(self) -> int:
        """32 bits naming the normalised content, for counting distinct contents per key."""
        basis = self.content_hash or "k|" + "|".join(sorted(self.keys))
        return hash_key("c|" + basis) & 0xFFFFFFFF


def features_of(analysis: Any) -> Features | None:
    """An analysis's features (an `Analysis`; None when out of scope). Only what the engine
    reads: Analysis.to_dict() would deep-copy the body."""
    return Features.from_analysis(
        {
            "scope": analysis.scope,
            "content_hash": analysis.content_hash,
            "shingles": analysis.shingles,
            "campaign_keys": analysis.campaign_keys,
            "approach_type": analysis.approach_type,
            "risk": analysis.risk,
        }
    )


@dataclass(slots=True)
class Assignment:
    cluster: int
    duplicate: bool = False  # the same normalised content was seen before: a sighting
    created: bool = False
    absorbed: list[int] = field(default_factory=list)  # clusters bridged into `cluster`
    reasons: list[str] = field(default_factory=list)


Entry = tuple[int, int]  # (content id, cluster id) in a posting list
# A report's posting keys: its exact content key, its band keys, its typed keys with kind and label.
Keys = tuple[int | None, list[int], list[tuple[int, str, str]]]


class Backend(Protocol):
    """Where postings and the union-find forest live (memory, or the store).

    The lists `postings` returns are read, never changed, by `ClusterIndex.assign`, and only
    before its one `add_postings` call: a backend may hand out its own lists (no copy per key
    per report), which that call then appends to.
    """

    def postings(self, keys: Sequence[int]) -> dict[int, list[Entry]]: ...
    def add_postings(self, triples: Iterable[tuple[int, int, int]]) -> None: ...
    def find(self, cluster: int) -> int: ...
    def union(self, keep: int, gone: int) -> None: ...
    def new_cluster(self, risk_class: str) -> int: ...
    def size(self, cluster: int) -> int: ...
    def cluster_class(self, cluster: int) -> str: ...
    def grow(self, cluster: int) -> None: ...


@dataclass(slots=True)
class _Evidence:
    bands: int = 0
    payload: int = 0
    payload_df: int = 1 << 30  # distinct contents of the most specific payload key
    identity: int = 0
    subject: int = 0
    thread: int = 0
    why: list[str] = field(default_factory=list)

    def score(self) -> int:
        return 3 * (self.payload + self.thread) + 2 * min(self.bands, 8) + self.identity + self.subject


class ClusterIndex:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @staticmethod
    def _keys(feats: Features) -> Keys:
        """(exact content key, band keys, typed keys with their kind and label) of one report."""
        exact = hash_key("h|" + feats.content_hash) if feats.content_hash else None
        bands = band_keys(feats.signature)
        typed: list[tuple[int, str, str]] = []
        for label in feats.keys:
            if not is_ubiquitous_key(label):
                typed.append((hash_key(f"{feats.risk_class}|{label}"), label.split(":", 1)[0], label))
        return exact, bands, typed

    keys_of = _keys

    @staticmethod
    def lookup_keys(keys: Keys) -> list[int]:
        """Every posting key `assign` reads for these keys (a batch reads them all at once)."""
        exact, bands, typed = keys
        return ([exact] if exact is not None else []) + bands + [k for k, _, _ in typed]

    def assign(self, feats: Features, keys: Keys | None = None) -> Assignment:
        """Place one report; `keys` when the caller already computed `keys_of(feats)`."""
        be = self.backend
        content = feats.content_id()
        exact, bands, typed = keys or self._keys(feats)
        lookup = ([exact] if exact is not None else []) + bands + [k for k, _, _ in typed]
        posted = be.postings(lookup)
        roots_of = {key: {be.find(c) for _, c in entries} for key, entries in posted.items()}

        if exact is not None and exact in posted:
            root = be.find(posted[exact][0][1])
            be.grow(root)
            self._post(root, content, [], typed, posted, roots_of, family=True)
            return Assignment(cluster=root, duplicate=True, reasons=["same normalised content"])

        evidence: dict[int, _Evidence] = {}
        # Bands are counted per known content, then the best content speaks for
        # its cluster: summing over a big cluster's many members would let
        # chance matches (2 bands of 16 at Jaccard 0.3 is a 0.75% event) add up
        # until every text "matches" a cluster of a few hundred.
        per_content: dict[tuple[int, int], int] = {}
        for band in bands:
            if len(roots_of.get(band, ())) > BAND_CAP:
                continue  # boilerplate shared by many unrelated campaigns
            for c, cluster in posted.get(band) or []:
                per_content[(c, cluster)] = per_content.get((c, cluster), 0) + 1
        for (_, cluster), count in per_content.items():
            ev = evidence.setdefault(be.find(cluster), _Evidence())
            ev.bands = max(ev.bands, count)
        for key, kind, label in typed:
            df = len(posted.get(key) or [])
            if df > CAPS.get(kind, DEFAULT_CAP):
                continue
            for r in roots_of.get(key, ()):
                ev = evidence.setdefault(r, _Evidence())
                if kind in PAYLOAD:
                    ev.payload += 1
                    ev.payload_df = min(ev.payload_df, df)
                elif kind in IDENTITY:
                    ev.identity += 1
                elif kind in THREAD:
                    ev.thread += 1
                else:
                    ev.subject += 1
                if len(ev.why) < 4:
                    ev.why.append(label)

        candidates = [(r, ev) for r, ev in evidence.items() if self._qualifies(r, ev, feats.risk_class)]
        if not candidates:
            root = be.new_cluster(feats.risk_class)
            be.grow(root)
            self._post(root, content, bands, typed, posted, roots_of, family=False, exact=exact)
            return Assignment(cluster=root, created=True)

        candidates.sort(key=lambda item: (-item[1].score(), item[0]))
        target, target_ev = candidates[0]
        reasons = self._reasons(target_ev)
        absorbed: list[int] = []
        for other, ev in candidates[1:]:
            if not self._bridges(target, other, ev):
                continue
            keep, gone = min(target, other), max(target, other)
            be.union(keep, gone)
            absorbed.append(gone)
            target = keep
        be.grow(target)
        if absorbed:
            roots_of = {key: {be.find(c) for c in roots} for key, roots in roots_of.items()}
        self._post(target, content, bands, typed, posted, roots_of, family=target_ev.bands >= MIN_BANDS, exact=exact)
        return Assignment(cluster=target, absorbed=absorbed, reasons=reasons)

    def _qualifies(self, root: int, ev: _Evidence, cls: str) -> bool:
        if self.backend.cluster_class(root) != cls:
            # Keys are namespaced by class, so only text can reach across; and
            # it must be nearly a copy (a phish cloned from a real notice is
            # still not the notice).
            return ev.bands >= CROSS_CLASS_BANDS
        if ev.bands >= MIN_BANDS or ev.thread or (ev.payload and cls == HIGH):
            return True
        if cls == LOW and ev.subject:
            return True  # benign mail under one specific subject: one thread, one newsletter issue
        # Benign-looking mail links by keys only with corroboration: a
        # signature's home page or a list's footer is not a campaign.
        corroborating = (ev.bands >= CORROBORATING_BANDS) + (ev.identity > 0 or ev.payload > 0) + (ev.subject > 0)
        return corroborating >= 2

    def _bridges(self, target: int, other: int, ev: _Evidence) -> bool:
        if ev.bands < BRIDGE_BANDS and ev.payload_df > 2:
            return False  # a domain, a sender, a subject or a widely shared key: attach, never glue
        if self.backend.size(target) + self.backend.size(other) > GIANT:
            return ev.bands >= BRIDGE_BANDS + 1
        return True

    @staticmethod
    def _reasons(ev: _Evidence) -> list[str]:
        out = [f"similar text ({ev.bands}/{BANDS} bands)"] if ev.bands else []
        return out + [f"shared {label}" for label in ev.why]

    def _post(
        self,
        root: int,
        content: int,
        bands: list[int],
        typed: list[tuple[int, str, str]],
        posted: dict[int, list[Entry]],
        roots_of: dict[int, set[int]],
        family: bool,
        exact: int | None = None,
    ) -> None:
        """Record this report's keys, keeping every posting list bounded.

        A band value already posted for this cluster adds nothing (the content
        that brought it stays the one to match against). A typed key's entries
        count distinct contents, which is what makes it ubiquitous at its cap;
        for a payload key, a near-duplicate of the cluster (`family`) is the
        same lure and no new evidence of spread, so it adds no entry for a key
        the cluster has (a wave with spun text keeps its landing URL). Identity
        keys count every content: a sender is ubiquitous by how much it sends.
        """
        triples: list[tuple[int, int, int]] = []
        if exact is not None:
            triples.append((exact, content, root))
        for key in bands:
            roots = roots_of.get(key, set())
            if root not in roots and len(roots) <= BAND_CAP:
                triples.append((key, content, root))
        for key, kind, _ in typed:
            entries = posted.get(key) or []
            if family and kind in PAYLOAD and root in roots_of.get(key, ()):
                continue
            if len(entries) <= CAPS.get(kind, DEFAULT_CAP) and all(c != content for c, _ in entries):
                triples.append((key, content, root))
        if triples:
            self.backend.add_postings(triples)

    def merge(self, a: int, b: int) -> int:
        """An analyst's merge: the older cluster id survives."""
        ra, rb = self.backend.find(a), self.backend.find(b)
        if ra != rb:
            self.backend.union(min(ra, rb), max(ra, rb))
        return min(ra, rb)


class MemoryBackend:
    """Postings and union-find in process memory, kept compact for millions of reports.

    A posting entry (content id, cluster id) is packed into one int, and a
    posting with one entry (the common case) is that bare int, not a list;
    per-cluster sizes and classes are flat arrays indexed by id.
    """

    def __init__(self) -> None:
        self._post: dict[int, int | list[int]] = {}
        self._parent: dict[int, int] = {}  # only clusters that were merged away
        self._size = array("q", [0])  # cluster ids start at 1
        self._class = bytearray(b"\x00")

    def postings(self, keys: Sequence[int]) -> dict[int, list[Entry]]:
        out: dict[int, list[Entry]] = {}
        get = self._post.get
        for key in keys:
            found = get(key)
            if found is None:
                continue
            packed = [found] if isinstance(found, int) else found
            out[key] = [(p >> 32, p & 0xFFFFFFFF) for p in packed]
        return out

    def add_postings(self, triples: Iterable[tuple[int, int, int]]) -> None:
        post = self._post
        for key, content, cluster in triples:
            packed = (content << 32) | cluster  # one int, not a tuple: a third of the memory
            found = post.get(key)
            if found is None:
                post[key] = packed
            elif isinstance(found, int):
                if found != packed:
                    post[key] = [found, packed]
            elif packed not in found:
                found.append(packed)

    def find(self, cluster: int) -> int:
        parent = self._parent
        root = cluster
        while root in parent:
            root = parent[root]
        while cluster != root:  # path compression keeps later finds O(1)
            nxt = parent[cluster]
            parent[cluster] = root
            cluster = nxt
        return root

    def union(self, keep: int, gone: int) -> None:
        keep, gone = self.find(keep), self.find(gone)
        if keep == gone:
            return
        self._parent[gone] = keep
        self._size[keep] += self._size[gone]

    def new_cluster(self, risk_class: str) -> int:
        self._size.append(0)
        self._class.append(1 if risk_class == HIGH else 0)
        return len(self._size) - 1

    def size(self, cluster: int) -> int:
        return self._size[self.find(cluster)]

    def cluster_class(self, cluster: int) -> str:
        return HIGH if self._class[self.find(cluster)] else LOW

    def grow(self, cluster: int) -> None:
        self._size[self.find(cluster)] += 1

    def entries(self) -> Iterator[tuple[int, int, int]]:
        """Every (key, content, cluster) posting, for writing a rebuilt index to the store."""
        for key, found in self._post.items():
            for packed in [found] if isinstance(found, int) else found:
                yield key, packed >> 32, packed & 0xFFFFFFFF

    def largest(self) -> int:
        return max(self._size) if len(self._size) > 1 else 0

    def stats(self) -> dict[str, int]:
        return {"postings": len(self._post), "clusters": len(self._size) - 1, "merged": len(self._parent)}
