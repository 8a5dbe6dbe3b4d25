"""HTTP intake throughput: POST /api/v1/reports/email on loopback, sustained, with zero loss.

Starts `watchword serve` (worker off, so the figure is intake alone) on a temporary
SQLite store, sends distinct real messages from ../shared/data (or generated ones when
it is missing) from concurrent keep-alive clients for a fixed time, then checks that
every acknowledged report is in the store.

    .venv/bin/python bench/intake.py [--seconds 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_bodies(limit: int) -> list[bytes]:
    files = sorted((CORPUS / "phishing").glob("*.eml"))[:limit] if CORPUS.exists() else []
    if not files:
        print(f"corpus not found at {CORPUS}: using generated messages")
        return [
            f"From: a{n}@example.org\r\nSubject: test {n}\r\n\r\nhttp://x{n}.example/\r\n".encode()
            for n in range(limit)
        ]
    return [f.read_bytes() for f in files]


async def client(
    url: str,
    bodies: list[bytes],
    start: int,
    step: int,
    stop_at: float,
    latencies: list[float],
    accepted: list[str],
    errors: list[str],
) -> None:
    index = start
    async with httpx.AsyncClient(timeout=30) as http:
        while time.monotonic() < stop_at:
            # A unique trailer keeps every request a new report, not a sighting.
            body = bodies[index % len(bodies)] + f"\r\nX-Bench: {index}\r\n".encode()
            index += step
            t0 = time.perf_counter()
            response = await http.post(url, content=body, headers={"content-type": "message/rfc822"})
            latencies.append(time.perf_counter() - t0)
            if response.status_code == 201:
                accepted.append(response.json()["id"])
            else:
                errors.append(f"{response.status_code} {response.text[:100]}")


async def load(
    url: str, bodies: list[bytes], seconds: float, concurrency: int
) -> tuple[list[float], list[str], list[str]]:
    latencies: list[float] = []
    accepted: list[str] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds
    await asyncio.gather(
        *(client(url, bodies, n, concurrency, stop_at, latencies, accepted, errors) for n in range(concurrency))
    )
    return latencies, accepted, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="server processes (watchword serve --workers)")
    args = parser.parse_args()
    bodies = load_bodies(args.bodies)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        # Capacity, not the public limiter: a trusted integration would not be held to 120/min.
        env = {
            **os.environ,
            "WATCHWORD_DATA_DIR": tmp,
            "WATCHWORD_WORKER_IN_PROCESS": "0",
            "WATCHWORD_RATE_API_PER_CLIENT_PER_MINUTE": "10000000",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "watchword",
                "serve",
                "--port",
                str(port),
                "--no-worker",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            url = f"http://127.0.0.1:{port}/api/v1/reports/email"
            latencies, accepted, errors = asyncio.run(load(url, bodies, args.seconds, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
        stored = sqlite3.connect(Path(tmp) / "watchword.db").execute("SELECT count(*) FROM reports").fetchone()[0]
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rate = len(accepted) / args.seconds
    print(
        f"intake over HTTP ({args.workers} server process(es), {args.concurrency} concurrent clients, "
        f"{args.seconds:.0f} s, SQLite)"
    )
    print(f"  accepted {len(accepted)} reports: {rate:.0f} reports/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"  errors {len(errors)}{': ' + errors[0] if errors else ''}")
    print(f"  stored {stored} of {len(accepted)} acknowledged: {'zero loss' if stored >= len(accepted) else 'LOSS'}")


if __name__ == "__main__":
    main()
