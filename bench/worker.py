"""The stored path against the pure pipeline, on the same real emails, in one run.

    .venv/bin/python bench/worker.py [--limit 2000] [--postgres URL] [--processes 1 2] [--baseline-src DIR]

Reads --limit distinct messages from ../shared/data (phishing, spam and ham
interleaved; read only, never copied). Then, one after another on the same
messages:

1. the pure pipeline in this process (`analyze_report` on each), wall time;
2. with --baseline-src, another checkout's worker (e.g. the main branch's) the same way;
   for each --processes value: a fresh SQLite store, every message submitted
   through the real intake (not timed), then one real `watchword worker --once
   --processes N` process, wall time from start to exit (pool start-up included);
3. with --postgres: the same on a scratch PostgreSQL database, one worker and
   then two worker processes at once (each with --pg-processes; by default none is
   passed and the worker takes its own: on PostgreSQL a pool of one process fewer than
   the cores, beside the writing process).

Each line gives reports/s and the ratio to the pipeline figure of this run:
the machine may be shared, so only ratios taken in one run compare. The load
average (`uptime`) is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from pathlib import Path

from scratch import scratch_database
from watchword.analysis.pipeline import analyze_report
from watchword.config import Settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import open_runtime

CORPUS = Path("/work/shared/data")  # read only, never copied (see its README.md)
FOLDERS = ("phishing", "spam", "ham")


def load(corpus: Path, limit: int) -> list[bytes]:
    lists = [sorted((corpus / folder).glob("*.eml")) for folder in FOLDERS]
    paths = [p for group in zip_longest(*lists) for p in group if p is not None]
    seen: set[bytes] = set()
    raws: list[bytes] = []
    for path in paths:
        raw = path.read_bytes()
        # Distinct (a repeat would be a sighting, not an analysis), and not empty: the corpus
        # holds a few empty files, which intake refuses as an empty report.
        if raw.strip() and raw not in seen:
            seen.add(raw)
            raws.append(raw)
        if len(raws) >= limit:
            break
    return raws


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def fill(data_dir: Path, url: str, raws: list[bytes]) -> None:
    """Every message through the real intake (threads, so the group commit batches them)."""
    settings = Settings(
        data_dir=data_dir, database_url=url, blob_dir=data_dir / "blobs", secret_key_file=data_dir / "secret.key"
    )
    rt = open_runtime(settings, migrate=True)
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda raw: submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=raw)), raws))
    rt.close()


def run_workers(data_dir: Path, url: str, count: int, processes: int, batch: int, source: str = "") -> float:
    """`count` real worker processes at once until the queue is empty; wall seconds.

    With `source` (another checkout's src directory) the worker is that code's, run
    with its own defaults: the baseline to compare with in the same run.
    """
    env = {
        **os.environ,
        **({"PYTHONPATH": source} if source else {}),
        "WATCHWORD_DATA_DIR": str(data_dir),
        "WATCHWORD_DATABASE_URL": url,
        "WATCHWORD_BLOB_DIR": str(data_dir / "blobs"),
        "WATCHWORD_SECRET_KEY_FILE": str(data_dir / "secret.key"),
    }
    cmd = [sys.executable, "-m", "watchword", "worker", "--once"]
    if not source:
        cmd += ["--processes", str(processes)] if processes else []  # 0: the worker's own default
        cmd += ["--batch-size", str(batch)] if batch else []  # 0: the worker's own default for the store
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(count)]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"worker failed: {err.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="pool sizes for SQLite runs")
    parser.add_argument("--batch-size", type=int, default=0, help="0: the worker's default (64 SQLite, 256 PostgreSQL)")
    parser.add_argument("--postgres", default="", help="server URL, e.g. postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--baseline-src", default="", help="another checkout's src/: its worker is run first")
    parser.add_argument(
        "--pg-processes", type=int, default=0, help="pool size of each PostgreSQL worker (0: the worker's default)"
    )
    parser.add_argument(
        "--pg-prefix", default="watchword_worker_bench", help="name prefix of the scratch PostgreSQL databases"
    )
    parser.add_argument("--fill-into", default="", help=argparse.SUPPRESS)  # the baseline's own fill
    args = parser.parse_args()
    if not any((args.corpus / f).is_dir() for f in FOLDERS):
        print(f"No corpus at {args.corpus}; nothing to do.")
        return 0
    raws = load(args.corpus, args.limit)
    if args.fill_into:
        fill(Path(args.fill_into), f"sqlite:///{Path(args.fill_into) / 'watchword.db'}", raws)
        return 0
    n = len(raws)
    print(f"{n} distinct messages from {args.corpus}; load average at start {load_average()}")

    start = time.perf_counter()
    for raw in raws:
        analyze_report("", raw)
    pipeline = n / (time.perf_counter() - start)
    print(f"pipeline, one process:                {pipeline:7.1f} reports/s")

    def line(label: str, seconds: float) -> float:
        rate = n / seconds
        print(f"{label:38}{rate:7.1f} reports/s  ({rate / pipeline:.2f} of the pipeline, {seconds:.1f} s)")
        return rate

    if args.baseline_src:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            url = f"sqlite:///{data / 'watchword.db'}"
            # Filled by the baseline's own code: its schema may be older than this checkout's.
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--limit",
                    str(args.limit),
                    "--corpus",
                    str(args.corpus),
                    "--fill-into",
                    tmp,
                ],
                env={**os.environ, "PYTHONPATH": args.baseline_src},
                check=True,
            )
            seconds = run_workers(data, url, 1, 1, args.batch_size, args.baseline_src)
            line("SQLite, baseline worker:", seconds)
    for processes in args.processes:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            url = f"sqlite:///{data / 'watchword.db'}"
            fill(data, url, raws)
            line(f"SQLite, one worker, --processes {processes}:", run_workers(data, url, 1, processes, args.batch_size))
    if args.postgres:
        rates = []
        for count in (1, 2):
            with tempfile.TemporaryDirectory() as tmp, scratch_database(args.postgres, args.pg_prefix) as url:
                data = Path(tmp)
                fill(data, url, raws)
                label = f"PostgreSQL, {count} worker(s), --processes {args.pg_processes or 'default'}:"
                rates.append(line(label, run_workers(data, url, count, args.pg_processes, args.batch_size)))
        print(f"two PostgreSQL workers / one: {rates[1] / rates[0]:.2f}x")
    print(f"load average at end {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
