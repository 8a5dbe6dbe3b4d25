"""Watchword against peer projects' own test material in ../shared/data/peer-suites.

1. ioc-finder's extraction cases: for the indicator kinds both projects have, the share of
   ioc-finder's expected values that Watchword also finds, compared by meaning (case, a
   missing scheme, defanging) rather than byte for byte, since the conventions differ.
2. flanker's and mail-parser's message fixtures (broken MIME, bounces, forwarded-as-attachment,
   an Outlook .msg): every one through the whole pipeline, counting failures, warnings, the
   slowest, and how many `enclosed*` forwards were unwrapped.

    .venv/bin/python bench/peer_suites.py
"""

from __future__ import annotations

import ipaddress
import json
import sys
import time
from collections import Counter
from pathlib import Path

from watchword.analysis.indicators import find_indicators
from watchword.analysis.pipeline import run
from watchword.domain import Document

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "peer-suites"

# ioc-finder's kind -> ours
KINDS = {
    "urls": "url",
    "domains": "domain",
    "ipv4s": "ipv4",
    "ipv6s": "ipv6",
    "email_addresses": "email",
    "md5s": "md5",
    "sha1s": "sha1",
    "sha256s": "sha256",
    "bitcoin_addresses": "btc",
    "monero_addresses": "xmr",
}


def _same(kind: str, expected: str, found: set[str]) -> bool:
    want = expected.lower().rstrip("/")
    if kind in ("ipv4", "ipv6"):
        try:
            address = ipaddress.ip_address(want)
        except ValueError:
            return False
        return any(_ip(f) == address for f in found)
    if kind == "url":
        want = want.split("://", 1)[-1]
        return any(f.lower().rstrip("/").split("://", 1)[-1] == want for f in found)
    return want in {f.lower() for f in found}


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def ioc_cases() -> None:
    cases = json.loads((PEERS / "ioc-finder-cases.json").read_text())
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    misses: list[str] = []
    for case in cases:
        found_by_kind: dict[str, set[str]] = {}
        for indicator in find_indicators(case["text"]):
            found_by_kind.setdefault(indicator.type, set()).add(indicator.value)
        for their_kind, values in case["expected"].items():
            ours = KINDS.get(their_kind)
            if ours is None:
                continue
            if isinstance(values, str):  # a few cases give one value, or a set written as text
                values = [v.strip(" '\"") for v in values.strip("{}").split(",")]
            for value in values:
                totals[ours] += 1
                if _same(ours, value, found_by_kind.get(ours, set())):
                    hits[ours] += 1
                else:
                    misses.append(f"  {case['id']}: {their_kind} {value!r}")
    print("ioc-finder's cases, kinds both projects extract (expected values Watchword also finds):")
    for kind in sorted(totals):
        print(f"  {kind:7} {hits[kind]:3}/{totals[kind]:<3}")
    print(f"  all     {sum(hits.values())}/{sum(totals.values())}")
    if misses:
        print("misses (ioc-finder's conventions differ from ours on some of these):")
        print("\n".join(misses[:25]))


def messages() -> None:
    files = sorted(
        p for folder in ("flanker/messages", "mail-parser") for p in (PEERS / folder).rglob("*") if p.is_file()
    )
    failures = 0
    warned = 0
    unwrapped = enclosed = 0
    slowest: list[tuple[float, str]] = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        doc = run(Document(kind="email", raw=raw))
        elapsed = time.perf_counter() - started
        slowest.append((elapsed, path.name))
        failures += sum("failed" in w for w in doc.warnings)
        warned += bool(doc.warnings)
        if path.name.startswith("enclosed"):
            enclosed += 1
            unwrapped += doc.wrapper is not None
    slowest.sort(reverse=True)
    print(f"\npeer message fixtures: {len(files)} files through the whole pipeline")
    print(f"  stage failures: {failures}; files with warnings: {warned}")
    print(f"  flanker enclosed* (forwarded as attachment): {unwrapped}/{enclosed} unwrapped to the original")
    print("  slowest: " + ", ".join(f"{name} {t * 1000:.1f} ms" for t, name in slowest[:3]))


def main() -> None:
    if not PEERS.exists():
        print(f"peer suites not found at {PEERS}: nothing to measure")
        sys.exit(0)
    ioc_cases()
    messages()


if __name__ == "__main__":
    main()
