"""A flood from loopback at 50x the normal submission rate while people keep reporting.

A real uvicorn server in its own process on 127.0.0.1 with the default costs
(Argon2id at 19 MiB, 16-bit proof of work, 3 s no-JavaScript minimum), and
every client on the same address, as behind an onion service or a school's
NAT. The flood mixes what a bot can do cheaply:
- junk posts without a valid challenge,
- one solved challenge replayed with new content,
- forms fetched in bulk and sent without JavaScript once the minimum age has passed,
- one thread that honestly solves the proof of work as fast as Python can.
Legitimate reporters open the form, solve the proof of work (as reporter.js
would), spend a moment and send. Every one of them must be accepted at the
first try (>= 99%), and every accepted report, theirs or the flood's, stored.

50x is the flood's share of the traffic: one reporter arrives for every 50 flood
requests, counted as the flood sends them. On an idle machine that is the normal
rate (2.5 reports/s against a flood of 125 requests/s, as before); on a loaded one,
where the server answers more slowly and the flood (8 threads waiting on its
answers) cannot reach 125/s, reporters arrive more slowly too. Paced by the wall
clock, reporters kept arriving at 2.5/s there while the flood fell to 33x: the
test failed on the machine's load while every reporter got through. The absolute
rate is still printed with the figures.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import select

from tests.support.ports import reserve_port
from tests.support.settings import make_settings
from tests.support.waiting import start_watched
from watchword.runtime import open_runtime
from watchword.services import receipts
from watchword.store.models import Report
from watchword.store.models_reporter import ReporterReceipt
from watchword.web.reporter import challenge

# Serial: it measures the rate a real server sustains, which other tests on the same cores would skew.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

NORMAL_PER_SECOND = 2.5  # a busy day for a large community
FLOOD_FACTOR = 50
# 10 s (it was 40 s, then 20 s; shortened to keep the timed serial pass short). The flood meets the
# same limits in 10 s as in 20 or 40: of the per-minute buckets (security/ratelimit.py) the only one it
# empties is the per-client no-JavaScript one (30 a minute), within a second of its first stale form
# being sent at 3.2 s; the others are never reached in any of these lengths (pages 6,000 a minute
# against ~40 GETs a second, submissions 1,800 a minute against the few solved forms: junk and
# replayed posts are turned away before they count). Every legitimate report must get through: all
# 25 (>= 99 % of 25 is 25), as all 50 of the 20 s flood had to.
DURATION = 10.0
LEGIT_COUNT = int(NORMAL_PER_SECOND * DURATION)  # 25
# The flood's progress, as the flooder reports it: a line every TICK requests. The first reporter comes
# after a second of flood at full rate (WARM_UP_TICKS), then one every FLOOD_FACTOR requests.
TICK = 25
WARM_UP_TICKS = int(NORMAL_PER_SECOND * FLOOD_FACTOR / TICK)  # 5: 125 requests
TICKS_PER_REPORTER = FLOOD_FACTOR // TICK  # 2: 50 requests
# Bounds on the flood whatever happens: it stops when the test says so (its standard input closes),
# and at the latest after this many seconds (eight times the 10 s of an idle machine: at a load average
# of 34 here the 20 s flood took 65 s).
FLOOD_MAX_SECONDS = 8 * DURATION
BITS = 16

SERVER = """
import os, uvicorn
from watchword.config import Settings
from watchword.runtime import open_runtime
from watchword.web.app import create_app
rt = open_runtime(Settings.from_env(), migrate=True)
# No access log: it would write every reporter's address to disk.
uvicorn.run(create_app(rt), host="127.0.0.1", port=int(os.environ["FLOOD_PORT"]), access_log=False,
            log_level="info", server_header=False)  # info: it says "Uvicorn running on" once it listens
"""


def _token(html: str) -> str:
    found = re.search(r'name="pow_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flood: Counter[str] = Counter()
        self.legit: list[tuple[int, float, str]] = []  # status, seconds, receipt code

    def add_flood(self, kind: str, status: int) -> None:
        with self.lock:
            self.flood[f"{kind}:{status}"] += 1


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    reservation = reserve_port()  # held until the server stops (tests/support/ports.py)
    port = reservation.getsockname()[1]
    env = {
        **os.environ,
        "FLOOD_PORT": str(port),
        "WATCHWORD_DATA_DIR": str(tmp_path),
        "WATCHWORD_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
        "WATCHWORD_POW_DIFFICULTY_BITS": str(BITS),
    }
    env.pop("WATCHWORD_SECRET_KEY", None)
    # The store the server opens, copied from the migrated template: its `migrate=True` finds the
    # schema at head instead of running every migration in the serial pass's time.
    make_settings(tmp_path)
    with reservation:
        proc, output = start_watched([sys.executable, "-c", SERVER], env, tmp_path / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            # Up to two minutes to start: the server's start-up is not what is measured, and at a load
            # average of 13 it took over the 30 s this wait used to allow (its log still empty).
            output.wait_for("Uvicorn running on", 120)
            assert httpx.get(base + "/", timeout=30).status_code == 200
            yield base, tmp_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class FloodProgress:
    """The flooder's standard output, read in a thread: a tick every TICK requests, then its figures."""

    def __init__(self, out: IO[str]) -> None:
        self.ticks = 0
        self.last_line = ""
        self.ended = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(out,), daemon=True)
        self.thread.start()

    def _read(self, out: IO[str]) -> None:
        for line in out:
            with self.changed:
                if line == "tick\n":
                    self.ticks += 1
                else:
                    self.last_line = line
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_for(self, ticks: int, deadline: float) -> None:
        with self.changed:
            while self.ticks < ticks:
                assert not self.ended, f"the flood stopped after {self.ticks * TICK} requests"
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"the flood sent {self.ticks * TICK} requests in {FLOOD_MAX_SECONDS:.0f} s"
                self.changed.wait(remaining)


def _legit(base: str, tally: Tally, index: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        # The form on a connection of its own: a person reads and types for longer than the server keeps an
        # idle connection (uvicorn: 5 s), and a browser whose kept-alive connection closed under it sends
        # again on a new one; httpx would report the race as a lost report instead.
        token = _token(client.get("/report/email", headers={"Connection": "close"}).text)
        solution = challenge.solve(token, BITS)  # what reporter.js does while the person types
        started = time.monotonic()
        response = client.post(
            "/report/email",
            data={
                "pow_token": token,
                "pow_solution": solution,
                "wants": "sign_in",
                "text": f"Reporter {index}: an email asked me to confirm my password at a strange link.",
            },
        )
        seconds = time.monotonic() - started
        code = re.search(r'<code class="code" [^>]*>([0-9A-Z-]+)</code>', response.text)
        with tally.lock:
            tally.legit.append((response.status_code, seconds, code.group(1) if code else ""))


FLOODER = r"""
import json, re, socket, sys, threading, time, urllib.parse
from watchword.web.reporter import challenge

host, port = "127.0.0.1", int(sys.argv[1])
per_second, seconds, bits, tick = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
replay_token, replay_solution = sys.argv[6], sys.argv[7]
THREADS = 8
lock = threading.Lock()
tally = {}
requests = [0]
deadline = time.monotonic() + seconds
stopped = threading.Event()


def until_told():
    # The test closes our standard input once its last reporter has been answered.
    sys.stdin.read()
    stopped.set()


def running():
    return not stopped.is_set() and time.monotonic() < deadline


def count(kind, status):
    with lock:
        key = f"{kind}:{status}"
        tally[key] = tally.get(key, 0) + 1


class Conn:
    # A bare keep-alive HTTP/1.1 client: a bot does not parse what it gets back, and neither do we.
    def __init__(self):
        self.sock = None
        self.buf = b""

    def request(self, method, path, body=b""):
        with lock:
            requests[0] += 1
            if requests[0] % tick == 0:
                sys.stdout.write("tick\n")  # the test paces its reporters by these
                sys.stdout.flush()
        for _ in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((host, port), timeout=30)
                    self.buf = b""
                head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                self.sock.sendall(head + body)
                while b"\r\n\r\n" not in self.buf:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise ConnectionError
                    self.buf += chunk
                header, self.buf = self.buf.split(b"\r\n\r\n", 1)
                status = int(header.split(b" ", 2)[1])
                length = int(re.search(rb"(?i)content-length: *(\d+)", header).group(1))
                while len(self.buf) < length:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise ConnectionError
                    self.buf += chunk
                payload, self.buf = self.buf[:length], self.buf[length:]
                return status, payload
            except (OSError, ConnectionError, AttributeError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
        return -1, b""


def form(fields):
    return urllib.parse.urlencode(fields).encode()


def flood(offset):
    conn = Conn()
    interval = THREADS / per_second
    nxt = time.monotonic() + offset * interval / THREADS
    n = offset
    stale = []
    while running():
        n += THREADS
        kind = ("junk", "junk", "replay", "nojs")[n % 4]
        if kind == "junk":
            status, _ = conn.request("POST", "/report/other", form(
                {"pow_token": "1.0.16.AAAA.BBBB", "pow_solution": "1", "text": f"spam {n}"}))
        elif kind == "replay":
            status, _ = conn.request("POST", "/report/other", form(
                {"pow_token": replay_token, "pow_solution": replay_solution, "text": f"spam {n}"}))
        else:
            # Fetch a form now; send one fetched more than 3 s ago (the no-JavaScript minimum).
            code, page = conn.request("GET", "/report/other")
            found = re.search(rb'name="pow_token" value="([^"]+)"', page)
            if found:
                stale.append((time.monotonic(), found.group(1).decode()))
            status = 0
            if stale and time.monotonic() - stale[0][0] > 3.2:
                _, token = stale.pop(0)
                status, _ = conn.request("POST", "/report/other", form(
                    {"pow_token": token, "pow_solution": "", "text": f"no-js spam {n}"}))
        count(kind, status)
        nxt += interval
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def paid():
    # A bot that pays the proof of work: bounded by its own CPU, not by anything we store.
    conn = Conn()
    n = 0
    while running():
        n += 1
        _, page = conn.request("GET", "/report/other")
        found = re.search(rb'name="pow_token" value="([^"]+)"', page)
        if not found:
            continue
        token = found.group(1).decode()
        status, _ = conn.request("POST", "/report/other", form(
            {"pow_token": token, "pow_solution": challenge.solve(token, bits), "text": f"paid spam {n}"}))
        count("paid", status)


started = time.monotonic()
threading.Thread(target=until_told, daemon=True).start()
threads = [threading.Thread(target=flood, args=(i,)) for i in range(THREADS)] + [threading.Thread(target=paid)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"seconds": time.monotonic() - started, "tally": tally, "requests": requests[0]}))
"""


def test_legitimate_reports_get_through_a_50x_loopback_flood_and_none_is_lost(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, data_dir = server
    with httpx.Client(base_url=base) as client:
        token = _token(client.get("/report/other").text)
        solution = challenge.solve(token, BITS)
        first = client.post(
            "/report/other",
            data={"pow_token": token, "pow_solution": solution, "text": "the bot's one genuine-looking report"},
        )
        assert first.status_code == 201
    tally = Tally()
    port = base.rsplit(":", 1)[1]
    flood = subprocess.Popen(
        [
            sys.executable,
            "-c",
            FLOODER,
            port,
            str(NORMAL_PER_SECOND * FLOOD_FACTOR),
            str(FLOOD_MAX_SECONDS),
            str(BITS),
            str(TICK),
            token,
            solution,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert flood.stdin is not None and flood.stdout is not None
    progress = FloodProgress(flood.stdout)
    deadline = time.monotonic() + FLOOD_MAX_SECONDS
    window_started = 0
    try:
        legit_threads = []
        for i in range(LEGIT_COUNT):
            # Reporters arrive at one for every 50 flood requests (after the first second's 125), each
            # in their own connection: 2.5/s when the flood runs at its 125/s.
            progress.wait_for(WARM_UP_TICKS + i * TICKS_PER_REPORTER, deadline)
            if i == 0:
                window_started = progress.ticks
            thread = threading.Thread(target=_legit, args=(base, tally, i), daemon=True)
            thread.start()
            legit_threads.append(thread)
        for thread in legit_threads:
            thread.join(timeout=60)
        # Flood requests from the first reporter's arrival to the last reporter's answer.
        window_requests = (progress.ticks - window_started) * TICK
    finally:
        flood.stdin.close()  # the flood stops
        flood.wait(timeout=60)
        progress.thread.join(timeout=30)
        flood.stdout.close()
    flooded = json.loads(progress.last_line)
    tally.flood.update(flooded["tally"])
    elapsed = flooded["seconds"]

    flood_sent = flooded["requests"]
    accepted = [code for status, _s, code in tally.legit if status == 201 and code]
    latencies = sorted(s for _status, s, _code in tally.legit)
    figures = {
        "legit_sent": len(tally.legit),
        "legit_accepted_first_try": len(accepted),
        "legit_accepted_pct": round(100 * len(accepted) / LEGIT_COUNT, 2),
        "legit_post_p50_ms": round(1000 * statistics.median(latencies)),
        "legit_post_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))]),
        "flood_requests": flood_sent,
        "flood_rate_per_s": round(flood_sent / elapsed, 1),
        "flood_factor_vs_normal": round(flood_sent / elapsed / NORMAL_PER_SECOND, 1),
        "flood_requests_per_reporter": round(window_requests / LEGIT_COUNT, 1),
        "seconds": round(elapsed, 1),
        "flood_by_kind_status": dict(sorted(tally.flood.items())),
    }
    print("\nFLOOD FIGURES " + json.dumps(figures))

    assert len(tally.legit) == LEGIT_COUNT
    assert len(accepted) >= 0.99 * LEGIT_COUNT, figures
    # The flood really was 50x: that many flood requests for each reporter while they were reporting.
    assert figures["flood_requests_per_reporter"] >= 0.9 * FLOOD_FACTOR, figures
    # None is lost: every receipt a reporter was shown leads to a stored report.
    with open_runtime(make_settings(data_dir)) as rt:
        with rt.db.session() as session:
            for code in accepted:
                receipt = receipts.find(session, code)
                assert receipt is not None, code
                assert session.get(Report, receipt.report_id) is not None
            stored_receipts = len(session.scalars(select(ReporterReceipt.id)).all())
        flood_accepted = sum(n for key, n in tally.flood.items() if key.endswith(":201"))
        assert stored_receipts == len(accepted) + flood_accepted + 1
        assert tally.flood.get("replay:201", 0) == 0 and tally.flood.get("junk:201", 0) == 0
