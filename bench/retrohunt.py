"""Benchmark the retro-hunt: a feed imported against a large stored history.

    .venv/bin/python bench/retrohunt.py [--indicators 1000000] [--feed 100000] [--overlap 0.1]
                                        [--per-report 5] [--campaigns 2000] [--database-url URL]

Fills a fresh store (SQLite in a temporary directory by default) with
--indicators stored indicators, linked from reports (--per-report each) that
belong to --campaigns campaigns, by bulk insert. Then imports a CSV feed of
--feed known-bad values of which --overlap are among the stored ones, and
times the import and the retro-hunt (watchword.intel.retrohunt.retrohunt:
one INSERT ... SELECT join, then the priority raise per matched campaign).
Target: the retro-hunt over 1M stored indicators in under 60 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from watchword.config import Settings
from watchword.intel.feeds import parse_csv, store_batch
from watchword.intel.retrohunt import retrohunt
from watchword.runtime import open_runtime
from watchword.store.models import Campaign, Indicator, Report, ReportIndicator, utcnow
from watchword.store.models_intel import IntelMatch

TYPES = ("domain", "url", "email", "ipv4", "sha256")


def value_of(kind: str, i: int) -> str:
    """A distinct, normalised value of each type for index i (as the pipeline would store it)."""
    if kind == "domain":
        return f"host{i}.lure{i % 997}.com"
    if kind == "url":
        return f"https://lure{i % 997}.com/p/{i}"
    if kind == "email":
        return f"sender{i}@lure{i % 997}.net"
    if kind == "ipv4":
        return f"{11 + i // 16777216 % 200}.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    return f"{i:064x}"


def fill(rt_url: str, data_dir: Path, indicators: int, per_report: int, campaigns: int) -> None:
    rt = open_runtime(
        Settings(
            data_dir=data_dir, database_url=rt_url, blob_dir=data_dir / "blobs", secret_key_file=data_dir / "secret.key"
        ),
        migrate=True,
    )
    now = utcnow()
    reports = indicators // per_report
    started = time.perf_counter()
    with rt.db.write() as session:
        session.execute(
            insert(Campaign),
            [
                {
                    "id": c + 1,
                    "title": f"campaign {c}",
                    "status": "open",
                    "approach_type": "credential_phishing",
                    "risk": 0.5,
                    "first_seen": now,
                    "last_seen": now,
                    "report_count": reports // campaigns,
                    "sighting_count": reports // campaigns,
                    "reporter_count": 1,
                    "verdict_note": "",
                    "surging": False,
                    "priority": 1.0,
                    "facts": {},
                }
                for c in range(campaigns)
            ],
        )
        # Core executemany with every column given: no per-row Python defaults to run.
        for start in range(0, reports, 50_000):
            session.execute(
                insert(Report),
                [
                    {
                        "id": r + 1,
                        "public_id": f"r{r:012d}",
                        "created_at": now,
                        "channel": "import",
                        "status": "analysed",
                        "dedupe_key": f"{r:064x}",
                        "raw_sha256": None,
                        "text": "",
                        "approach_hint": "",
                        "answers": {},
                        "source_name": "",
                        "contact_sealed": None,
                        "sightings": 1,
                        "last_sighted_at": now,
                        "subject": "",
                        "approach_type": "credential_phishing",
                        "scope": "in_scope",
                        "risk": 0.5,
                        "campaign_id": r % campaigns + 1,
                        "verdict": None,
                    }
                    for r in range(start, min(reports, start + 50_000))
                ],
            )
        for start in range(0, indicators, 100_000):
            session.execute(
                insert(Indicator),
                [
                    {
                        "id": i + 1,
                        "type": TYPES[i % len(TYPES)],
                        "value": value_of(TYPES[i % len(TYPES)], i),
                        "first_seen": now,
                        "last_seen": now,
                        "report_count": 1,
                    }
                    for i in range(start, min(indicators, start + 100_000))
                ],
            )
            session.execute(
                insert(ReportIndicator),
                [
                    {"report_id": i // per_report + 1, "indicator_id": i + 1}
                    for i in range(start, min(indicators, start + 100_000))
                ],
            )
    print(
        f"filled {indicators:,} indicators, {reports:,} reports, {campaigns:,} campaigns "
        f"in {time.perf_counter() - started:.1f} s"
    )
    rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--feed", type=int, default=100_000)
    parser.add_argument("--overlap", type=float, default=0.1)
    parser.add_argument("--per-report", type=int, default=5)
    parser.add_argument("--campaigns", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
        fill(url, data_dir, args.indicators, args.per_report, args.campaigns)
        rng = random.Random(7)
        hits = rng.sample(range(args.indicators), int(args.feed * args.overlap))
        lines = ["type,value,confidence"]
        lines += [f"{TYPES[i % len(TYPES)]},{value_of(TYPES[i % len(TYPES)], i)},80" for i in hits]
        lines += [f"domain,miss{j}.elsewhere{j % 101}.org,60" for j in range(args.feed - len(hits))]
        rt = open_runtime(
            Settings(
                data_dir=data_dir,
                database_url=url,
                blob_dir=data_dir / "blobs",
                secret_key_file=data_dir / "secret.key",
            ),
            migrate=False,
        )
        started = time.perf_counter()
        parsed = parse_csv("\n".join(lines))
        with rt.db.write() as session:
            batch = store_batch(session, "bench feed", parsed)
        imported = time.perf_counter() - started
        print(
            f"imported a feed of {len(parsed.indicators):,} known-bad values in {imported:.1f} s "
            f"({len(hits):,} of them among the stored indicators)"
        )
        started = time.perf_counter()
        with rt.db.write() as session:
            result = retrohunt(session, batch.id, actor="bench")
        hunted = time.perf_counter() - started
        with rt.db.session() as session:
            stored = session.scalar(select(func.count()).select_from(Indicator))
            matches = session.scalar(select(func.count()).select_from(IntelMatch))
        print(
            f"retro-hunt over {stored:,} stored indicators: {hunted:.2f} s "
            f"({matches:,} matches in {result.reports:,} reports, {len(result.campaigns):,} campaigns raised; "
            f"target < 60 s: {'met' if hunted < 60 else 'MISSED'})"
        )
        rt.close()


if __name__ == "__main__":
    main()
