"""HTTP intake measured by wrk (a C load generator, Debian's `wrk` package), with zero loss checked.

    .venv/bin/python bench/intake_wrk.py [--workers 2] [--seconds 20] [--connections 16] [--cpu]
                                         [--busy-worker [--batch-size 64]]

Starts `watchword serve --no-worker --workers N` on a fresh SQLite store (migrated first),
has wrk POST real messages from ../shared/data (read at run time, never copied; each
request made distinct by a leading header, so each is a new report and not a sighting)
to /api/v1/reports/email for --seconds, then counts the submissions in the store
and compares them with the requests wrk saw acknowledged. Prints wrk's requests/s
and latency percentiles, and the load average (the machine may be shared). `--cpu` also
prints the server processes' CPU (user + system, from /proc) per stored submission, the figure
that stays comparable when other work shares the cores and the wall-clock rate does not.
`--busy-worker` runs one `watchword worker` beside the server on the same store (its batch size
from `--batch-size`), analysing and writing what wrk submits while wrk runs: the intake's
latency while a worker holds SQLite's write lock for its batches (issue 14); the worker's jobs
done are printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from itertools import zip_longest
from pathlib import Path

CORPUS = Path("/work/shared/data")  # read only, never copied (see its README.md)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (the supervisor and its server processes)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def cpu_seconds(pids: list[int], main_thread: bool = False) -> float:
    """User + system CPU of these processes (all their threads, or only each one's main thread:
    the event loop in a server process), in seconds."""
    ticks = 0
    for pid in pids:
        stat = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def settled(pid: int, workers: int) -> list[int]:
    """The server's processes once every one has started and gone quiet (the health check
    answers as soon as the first is up; another still importing would count its start-up)."""
    deadline = time.monotonic() + 120
    last = -1.0
    while time.monotonic() < deadline:
        pids = process_tree(pid)
        used = cpu_seconds(pids)
        if len(pids) > workers and used - last < 0.05:
            return pids
        last = used
        time.sleep(1.0)
    return process_tree(pid)


def lua_script(bodies: list[bytes]) -> str:
    """wrk's request generator: a real message behind a per-request unique header.

    Each wrk thread runs its own copy of the script, and Lua's `math.random` is not seeded,
    so a tag drawn in the script was the same in every thread: the threads sent the same
    messages and about half the requests were sightings of another thread's report. `setup`
    runs once per thread in wrk's main state and hands each thread its own tag.
    """
    fence = "=" * 12
    listed = ",\n".join(f"[{fence}[{b.decode('latin-1')}]{fence}]" for b in bodies)
    return (
        "local threads = 0\n"
        "setup = function(thread)\n"
        "  threads = threads + 1\n"
        '  thread:set("tag", tostring(os.time()) .. "." .. threads)\n'
        "end\n"
        f"local bodies = {{\n{listed}\n}}\n"
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        '  local body = "X-Bench-Seq: " .. tag .. "-" .. counter .. "\\r\\n" .. bodies[(counter % #bodies) + 1]\n'
        '  return wrk.format("POST", nil, {["Content-Type"] = "message/rfc822"}, body)\n'
        "end\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--bodies", type=int, default=40)
    parser.add_argument("--cpu", action="store_true", help="print the server's CPU per stored submission")
    parser.add_argument("--busy-worker", action="store_true", help="one worker beside the server, on the same store")
    parser.add_argument("--batch-size", type=int, default=0, help="the busy worker's batch size (0: its default)")
    args = parser.parse_args()
    lists = [sorted((args.corpus / f).glob("*.eml")) for f in ("phishing", "spam")]
    paths = [p for group in zip_longest(*lists) for p in group if p is not None]
    bodies = [p.read_bytes() for p in paths if p.stat().st_size < 60_000][: args.bodies]
    if not bodies:
        print(f"No corpus at {args.corpus}; nothing to do.")
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install wrk` (Debian's package) and run this again.")
        return 2
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "WATCHWORD_DATA_DIR": tmp,
            "WATCHWORD_WORKER_IN_PROCESS": "0",
            "WATCHWORD_RATE_API_PER_CLIENT_PER_MINUTE": "10000000",  # capacity, not the public limiter
        }
        subprocess.run([sys.executable, "-m", "watchword", "migrate"], env=env, check=True, capture_output=True)
        cmd = [sys.executable, "-m", "watchword", "serve", "--port", str(port), "--no-worker"]
        server = subprocess.Popen(
            [*cmd, "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        worker: subprocess.Popen[bytes] | None = None
        if args.busy_worker:
            worker_env = {**env, "WATCHWORD_WORKER_POLL_SECONDS": "0.05"}
            if args.batch_size:
                worker_env["WATCHWORD_WORKER_BATCH_SIZE"] = str(args.batch_size)
            worker = subprocess.Popen(
                [sys.executable, "-m", "watchword", "worker"],
                env=worker_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            deadline = time.monotonic() + 180  # two server processes start slowly on a busy machine
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            script = Path(tmp) / "post.lua"
            script.write_text(lua_script(bodies), encoding="latin-1")
            load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            pids = settled(server.pid, args.workers) if args.cpu else []
            cpu_before = [cpu_seconds([p]) for p in pids]
            loop_before = cpu_seconds(pids, main_thread=True)
            url = f"http://127.0.0.1:{port}/api/v1/reports/email"
            out = subprocess.run(
                ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", str(script), url],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
            load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            time.sleep(0.5)  # the requests in flight when wrk stopped are answered (and counted below)
            cpu_used = [cpu_seconds([p]) - before for p, before in zip(pids, cpu_before, strict=True)]
            loop_used = cpu_seconds(pids, main_thread=True) - loop_before
        finally:
            server.terminate()
            server.wait(timeout=60)
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=60)
        report = out.stdout
        total = int(re.search(r"(\d+) requests in", report).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
        errors = re.search(r"Socket errors: (.*)", report)
        acknowledged = total - (int(bad.group(1)) if bad else 0)
        with sqlite3.connect(Path(tmp) / "watchword.db") as db:
            stored = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
            reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
            analysed = db.execute("SELECT count(*) FROM jobs WHERE kind = 'analyze' AND status = 'done'").fetchone()[0]
    print(report.strip())
    print(f"load average {load_before} before, {load_after} after")
    # wrk counts only the requests it saw answered: the one in flight on each connection when it
    # stopped is sent, stored and answered after it stopped counting, so `stored` may exceed it.
    lost = max(0, acknowledged - stored)
    print(
        f"acknowledged {acknowledged} (of {total} requests), stored {stored}: lost {lost}"
        + (f" ({stored - acknowledged} more stored: in flight when wrk stopped)" if stored > acknowledged else "")
    )
    print(f"distinct reports {reports} (the rest of the submissions are sightings)")
    if args.busy_worker:
        print(f"the worker beside the server analysed {analysed} (batch size {args.batch_size or 'default'})")
    if args.cpu:
        # The split shows which process served the connections: asyncio accepts every waiting
        # connection at once, so one process often takes them all, and batch sizes follow.
        per = 1000 * sum(cpu_used) / max(stored, 1)
        split = " / ".join(f"{c:.2f}" for c in cpu_used)
        print(f"server CPU {sum(cpu_used):.2f} s ({split}): {per:.3f} ms per stored submission")
        loop_per = 1000 * loop_used / max(stored, 1)
        print(f"  of it the main threads (event loops) {loop_used:.2f} s: {loop_per:.3f} ms per submission")
    if errors:
        print(f"socket errors: {errors.group(1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
