"""Campaign assignment at scale: per-report time and memory at 10k, 100k and 1M reports.

    .venv/bin/python bench/campaigns_scale.py [--sizes 10000,100000,1000000] [--store-max 100000]

Reports are synthetic variants of the real corpus (../shared/data, read at run
time) plus unrelated ham:

- 60% are variants of a real phishing or spam message, the source drawn with a
  Zipf-like popularity (a few big waves, a long tail). Each variant is the
  source's normalised text with 0-6% of its words replaced (spintax, names,
  template drift), the source's keys, and a fresh sender address half the time.
- 40% are unrelated ham: 60-400 words drawn from the ham corpus's vocabulary,
  a sender at one of 20,000 domains, a subject of their own. Every one is new
  content: the worst case for memory.
- Every report has its own Message-ID (a `thread:` key), as real mail does.

Texts are fingerprinted with the real normaliser and MinHash; only
`ClusterIndex.assign` is timed, in CPU time of the calling thread (the
machine is shared; wall time would measure the neighbours). For the store
the CPU time excludes waiting for the disk, which the commit per 100 reports
amortises anyway. The in-memory index (re-clustering and
`watchword cluster`) runs to the largest size; the store-backed index (the
worker's path, SQLite in a temporary file, one commit per 100 reports) runs
up to --store-max, and with --postgres also on PostgreSQL (a scratch database,
timed in wall time since the server does its work in its own process).
Memory is the process's resident set growth over the run divided by the
reports assigned so far; for a store, the database's size.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scratch import scratch_database
from watchword.analysis.fingerprint import minhash, normalise_tokens, shingle_hashes
from watchword.analysis.pipeline import analyze_email
from watchword.campaigns.engine import HIGH, LOW, ClusterIndex, Features, MemoryBackend

_WORD = re.compile(r"[a-z]{3,12}")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_sources(data: Path, limit: int) -> tuple[list[dict[str, Any]], list[str]]:
    rows = [json.loads(x) for x in (data / "labels.jsonl").read_text().splitlines() if x.strip()]
    sources, vocab = [], set()
    for row in rows:
        if row["label"] == "ham":
            text = (data / row["path"]).read_bytes()[:20000].decode("latin-1").lower()
            vocab.update(_WORD.findall(text))
    for row in [r for r in rows if r["label"] != "ham"][:limit]:
        a = analyze_email((data / row["path"]).read_bytes())
        tokens = normalise_tokens(a.subject + "\n" + a.body_text)
        if len(tokens) >= 5:
            sources.append({"tokens": tokens, "keys": a.campaign_keys})
    return sources, sorted(vocab)


class Generator:
    def __init__(self, sources: list[dict[str, Any]], vocab: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.sources = sources
        self.vocab = vocab
        n = len(sources)
        self.cum: list[float] = []  # Zipf-like wave sizes; cumulative once, not per draw
        total = 0.0
        for i in range(n):
            total += 1 / (i + 1) ** 0.9
            self.cum.append(total)
        self.counter = 0

    def next(self) -> Features:
        rng = self.rng
        self.counter += 1
        if rng.random() < 0.6:
            src = rng.choices(self.sources, cum_weights=self.cum)[0]
            tokens = list(src["tokens"])
            for _ in range(int(len(tokens) * rng.uniform(0, 0.06))):
                tokens[rng.randrange(len(tokens))] = rng.choice(self.vocab)
            keys = [
                k
                for k in src["keys"]
                if not k.startswith(("sender:", "thread:")) or (k.startswith("sender:") and rng.random() < 0.5)
            ]
            if rng.random() < 0.5:
                keys.append(f"sender:n{self.counter}@mailer{rng.randrange(5000)}.example")
            keys.append(f"thread:{self.counter}.{rng.randrange(10**9)}@mailer.example")  # its own Message-ID
            return self._features(tokens, keys, HIGH)
        tokens = [rng.choice(self.vocab) for _ in range(rng.randrange(60, 400))]
        domain = f"org{rng.randrange(20000)}.example"
        keys = [
            f"sender:u{rng.randrange(10**6)}@{domain}",
            f"sdomain:{domain}",
            f"subject:{' '.join(rng.choice(self.vocab) for _ in range(4))}",
            f"thread:{self.counter}.{rng.randrange(10**9)}@{domain}",
        ]
        return self._features(tokens, keys, LOW)

    @staticmethod
    def _features(tokens: list[str], keys: list[str], cls: str) -> Features:
        import hashlib

        digest = hashlib.sha256(" ".join(tokens).encode()).hexdigest()[:32]
        return Features(digest, tuple(minhash(shingle_hashes(tokens))), tuple(keys), cls)


def run(
    index: ClusterIndex,
    gen: Generator,
    sizes: list[int],
    label: str,
    commit: Any = None,
    stored_mb: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.thread_time,
) -> None:
    base_rss = rss_mb()
    done = 0
    window_time, window_n = 0.0, 0
    clusters: set[int] = set()
    t_start = time.perf_counter()
    for size in sizes:
        # The figure at each size is the mean over the last 10% of the reports before it.
        window_from = size - max(size // 10, min(size, 1000))
        while done < size:
            if done == window_from:
                window_time, window_n = 0.0, 0
            feats = gen.next()
            # CPU time of this thread, not wall time: the machine is shared,
            # and other processes' load must not read as the index slowing down.
            # (PostgreSQL works in its own process: there the clock is wall time.)
            t0 = clock()
            a = index.assign(feats)
            window_time += clock() - t0
            window_n += 1
            done += 1
            if a.created:
                clusters.add(a.cluster)
            if commit is not None and done % 100 == 0:
                commit()
        per = window_time / max(window_n, 1) * 1e6
        if stored_mb is None:
            grown = rss_mb() - base_rss
            memory = f"RSS +{grown:7.1f} MB = {grown * 1024 * 1024 / size:6.0f} B/report"
        else:
            on_disk = stored_mb()
            memory = f"database {on_disk:7.1f} MB = {on_disk * 1024 * 1024 / size:6.0f} B/report"
        print(
            f"{label:7s} {size:>9,} reports: {per:7.1f} µs/report (last {window_n:,}), {memory}, "
            f"{len(clusters):,} clusters created, {time.perf_counter() - t_start:6.0f}s elapsed",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--store-max", type=int, default=100000, help="largest size for the store-backed index")
    ap.add_argument("--sources", type=int, default=100000, help="read at most this many corpus rows")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store-only", action="store_true", help="skip the in-memory index")
    ap.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        default="",
        help="also run the store path on PostgreSQL, in a scratch database created on this server "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped afterwards",
    )
    ap.add_argument("--postgres-max", type=int, default=100000, help="largest size for the PostgreSQL run")
    ap.add_argument(
        "--sqlite-cache-mb",
        type=int,
        default=0,
        help="SQLite page cache for the store run (0: the store's default, 64 MB)",
    )
    args = ap.parse_args()
    if not (args.data / "labels.jsonl").exists():
        sys.exit(f"no corpus at {args.data}")
    sizes = [int(s) for s in args.sizes.split(",")]
    t0 = time.perf_counter()
    sources, vocab = load_sources(args.data, args.sources)
    print(f"{len(sources)} variant sources, {len(vocab)} ham words ({time.perf_counter() - t0:.0f}s)")

    if not args.store_only:
        backend = MemoryBackend()
        run(ClusterIndex(backend), Generator(sources, vocab, args.seed), sizes, "memory")
        print(f"memory index: {backend.stats()}; largest cluster: {backend.largest()} reports")
        del backend

    store_sizes = [s for s in sizes if s <= args.store_max]
    if store_sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db_file = Path(tmp) / "scale.db"

            def sqlite_mb() -> float:
                return sum(f.stat().st_size for f in db_file.parent.glob(db_file.name + "*")) / 1024 / 1024

            store_run(f"sqlite:///{db_file}", Path(tmp), args, store_sizes, sources, vocab, "sqlite", sqlite_mb)
    if args.postgres:
        pg_sizes = [s for s in sizes if s <= args.postgres_max]
        with tempfile.TemporaryDirectory() as tmp, scratch_database(args.postgres, "watchword_scale") as url:
            from sqlalchemy import create_engine, text

            probe = create_engine(url)

            def pg_mb() -> float:
                with probe.connect() as conn:
                    return float(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()) / 2**20

            store_run(url, Path(tmp), args, pg_sizes, sources, vocab, "postgres", pg_mb, clock=time.perf_counter)
            probe.dispose()


def store_run(
    url: str,
    tmp: Path,
    args: argparse.Namespace,
    sizes: list[int],
    sources: list[dict[str, Any]],
    vocab: list[str],
    label: str,
    stored_mb: Callable[[], float],
    clock: Callable[[], float] = time.thread_time,
) -> None:
    """The worker's path: the store-backed index, one transaction per 100 reports."""
    from watchword.campaigns.store import StoreBackend
    from watchword.config import Settings
    from watchword.runtime import open_runtime

    rt = open_runtime(
        Settings(data_dir=tmp, database_url=url, blob_dir=tmp / "blobs", secret_key_file=tmp / "key"), migrate=True
    )
    if args.sqlite_cache_mb and url.startswith("sqlite"):
        from sqlalchemy import event

        @event.listens_for(rt.db.engine, "connect")
        def _cache(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA cache_size=-{args.sqlite_cache_mb * 1024}")

        rt.db.engine.dispose()
    session = rt.db.write_sessions()
    session.begin()
    holder = {"index": ClusterIndex(StoreBackend(session))}

    class Rolling:
        """One transaction per 100 reports, a fresh backend cache for each (as the worker has per job)."""

        def assign(self, feats: Features) -> Any:
            return holder["index"].assign(feats)

    def commit() -> None:
        session.commit()
        session.begin()
        holder["index"] = ClusterIndex(StoreBackend(session))

    run(
        Rolling(),
        Generator(sources, vocab, args.seed),
        sizes,
        label,
        commit,  # type: ignore[arg-type]
        stored_mb=stored_mb,
        clock=clock,
    )
    session.commit()
    session.close()
    rt.close()


if __name__ == "__main__":
    main()
