"""A day of national reporting, replayed end to end: intake, worker and store, on this machine.

    .venv/bin/python bench/year.py [--unique 60] [--copies 120] [--postgres URL]

Builds the day from ../shared/data messages (read at run time, never copied):
--unique real phishing and spam messages are the day's distinct lures, and each
is reported about --copies times, the way a national service sees a wave
(SERS: ~120 reports per unique malicious URL):

* 40% as the same message delivered through other relays (other Received,
  Delivered-To): equal pipeline input, different bytes;
* 30% personalised: the same lure to another recipient (another To), which
  the pipeline must analyse afresh;
* 20% forwarded by the recipient as an attachment (a wrapper around the lure);
* 10% as the reporter's own words through the web form channel (text
  reports, half of them with the same sentence).

Channels are mixed (API, mail, import, web form) and the order is shuffled
(seeded). Reports go through the real intake (`intake.submit`: blob fsync,
group commit) from 32 threads while one real `watchword worker` process
(one pipeline process per core) runs beside them on the same store. The clock
runs from the first submission until every analysis job is done. Prints
reports/s end to end and the hours 11.6 million reports (a year of the UK's
reporting volume) would take at that rate, the load average before and after, and the CPU
time of the intake (this process) and of the worker and its pipeline processes, which the
load of a shared machine moves far less than the rate.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from watchword.config import Settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from watchword.store.models import AnalysisRecord, Job

CORPUS = Path("/work/shared/data")  # read only, never copied (see its README.md)
YEAR = 11_600_000
_CHANNELS = (Channel.API, Channel.EMAIL, Channel.IMPORT)


def lures(corpus: Path, count: int, seed: int) -> list[bytes]:
    paths = sorted((corpus / "phishing").glob("*.eml")) + sorted((corpus / "spam").glob("*.eml"))
    random.Random(seed).shuffle(paths)
    out: list[bytes] = []
    for path in paths:
        raw = path.read_bytes()
        if b"\n\n" in raw.replace(b"\r\n", b"\n")[:20000] and len(raw) < 200_000:
            out.append(raw)
        if len(out) >= count:
            break
    return out


def _split(raw: bytes) -> tuple[bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[:at], raw[at:]
    return raw, b""


def relayed(raw: bytes, n: int) -> bytes:
    # Below an mbox envelope line ("From sender date", which a third of the corpus's files open
    # with): above it, the new fields ended the header block there, and every relayed copy of such
    # a lure was analysed as a message with no headers at all (year5).
    envelope = raw[: raw.index(b"\n") + 1] if raw.startswith(b"From ") and b"\n" in raw else b""
    return (
        envelope
        + (
            f"Received: from relay{n}.example.net (relay{n}.example.net [192.0.2.{n % 250}]) by mx.example.org;"
            f" Fri, 4 Dec 2026 09:{n % 60:02d}:00 +0000\r\nDelivered-To: staff{n}@example.org\r\n"
        ).encode()
        + raw[len(envelope) :]
    )


def personalised(raw: bytes, n: int) -> bytes:
    head, body = _split(raw)
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    lines, dropping = [], False
    for line in head.split(b"\n"):
        # A folded To goes whole: its continuation lines left behind would join the field above.
        dropping = line.lower().startswith(b"to:") or (dropping and line[:1] in (b" ", b"\t"))
        if not dropping:
            lines.append(line.removesuffix(b"\r"))
    return eol.join([*lines, f"To: person{n}@example.org".encode()]) + body


def forwarded(raw: bytes, n: int) -> bytes:
    boundary = f"fwd{n}"
    return (
        (
            f"From: Staff {n} <staff{n}@example.org>\r\nTo: report@watchword.example\r\n"
            f"Subject: Fwd: suspicious\r\nMessage-ID: <fwd{n}@example.org>\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nThis looks like phishing.\r\n"
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + raw
        + f"\r\n--{boundary}--\r\n".encode()
    )


def the_day(corpus: Path, unique: int, copies: int, seed: int) -> list[IncomingReport]:
    return a_day(lures(corpus, unique, seed), copies, [], seed)


def a_day(messages: list[bytes], copies: int, once: list[bytes], seed: int, start: int = 0) -> list[IncomingReport]:
    """Each lure `copies` times: relayed 40%, personalised 30%, forwarded 20%, told in the
    reporter's own words 10%; each of `once` once (numbered from `start`), all shuffled."""
    rng = random.Random(seed)
    day: list[IncomingReport] = []
    n = start
    for lure in messages:
        for _ in range(copies):
            n += 1
            roll = rng.random()
            channel = _CHANNELS[n % len(_CHANNELS)]
            if roll < 0.4:
                day.append(IncomingReport(channel=channel, raw_email=relayed(lure, n)))
            elif roll < 0.7:
                day.append(IncomingReport(channel=channel, raw_email=personalised(lure, n)))
            elif roll < 0.9:
                day.append(IncomingReport(channel=channel, raw_email=forwarded(lure, n)))
            else:
                words = "A caller said he was from IT and asked for my password" + ("" if n % 2 else f" (case {n})")
                day.append(IncomingReport(channel=Channel.WEB, text=words))
    day += [IncomingReport(channel=Channel.IMPORT, raw_email=raw) for raw in once]
    rng.shuffle(day)
    return day


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of a live process, from /proc; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> tuple[float, float, float]:
    """CPU seconds of `root` itself, of its children (the worker's forkserver, which imports and
    warms the pipeline once, and multiprocessing's resource tracker) and of their descendants
    (the pool processes, which analyse), all read before the worker is stopped."""
    stats = {int(p.name): _stat(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    own = (stats.get(root) or (0, 0.0))[1]
    start = sum((stats.get(pid) or (0, 0.0))[1] for pid in children.get(root, []))
    rest, todo = 0.0, [grandchild for pid in children.get(root, []) for grandchild in children.get(pid, [])]
    while todo:
        pid = todo.pop()
        rest += (stats.get(pid) or (0, 0.0))[1]
        todo += children.get(pid, [])
    return own, start, rest


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--unique", type=int, default=60)
    parser.add_argument("--copies", type=int, default=120)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--postgres", default="", help="a scratch database URL (it must be empty)")
    args = parser.parse_args()
    if not (args.corpus / "phishing").is_dir():
        print(f"No corpus at {args.corpus}; nothing to do.")
        return 0
    day = the_day(args.corpus, args.unique, args.copies, args.seed)
    print(f"{len(day)} reports of {args.unique} lures; load average {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = args.postgres or f"sqlite:///{data / 'watchword.db'}"
        settings = Settings(
            data_dir=data, database_url=url, blob_dir=data / "blobs", secret_key_file=data / "secret.key"
        )
        rt = open_runtime(settings, migrate=True)
        env = {
            **os.environ,
            "WATCHWORD_DATA_DIR": str(data),
            "WATCHWORD_DATABASE_URL": url,
            "WATCHWORD_BLOB_DIR": str(data / "blobs"),
            "WATCHWORD_SECRET_KEY_FILE": str(data / "secret.key"),
            "WATCHWORD_WORKER_POLL_SECONDS": "0.05",
        }
        start, cpu_start = time.perf_counter(), time.process_time()
        worker = subprocess.Popen(
            [sys.executable, "-m", "watchword", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            with ThreadPoolExecutor(32) as pool:
                receipts = list(pool.map(lambda incoming: submit(rt, incoming), day))
            accepted = time.perf_counter() - start
            intake_cpu = time.process_time() - cpu_start
            reports = len({r.report_id for r in receipts})
            while True:
                with rt.db.session() as session:
                    waiting = session.scalar(
                        select(func.count()).select_from(Job).where(Job.kind == "analyze", Job.status != "done")
                    )
                if not waiting:
                    break
                if worker.poll() is not None:
                    raise SystemExit(f"the worker exited: {worker.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                time.sleep(0.1)
            elapsed = time.perf_counter() - start
            worker_cpu, start_cpu, analyse_cpu = tree_cpu(worker.pid)
            pool_cpu = start_cpu + analyse_cpu
            with rt.db.session() as session:
                analyses, inputs = session.execute(
                    select(func.count(), func.count(func.distinct(AnalysisRecord.input_key)))
                ).one()
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            rt.close()
    rate = len(day) / elapsed
    print(f"intake accepted all {len(day)} in {accepted:.1f} s ({reports} distinct reports, the rest sightings)")
    print(f"{analyses} analyses stored for {inputs} distinct pipeline inputs (the rest reused)")
    print(
        f"CPU: intake process {intake_cpu:.1f} s ({intake_cpu / len(day) * 1000:.2f} ms a report), worker"
        f" {worker_cpu:.1f} s, its pool {pool_cpu:.1f} s ({(worker_cpu + pool_cpu) / len(day) * 1000:.2f} ms a report)"
    )
    print(
        f"of the pool: its start (forkserver, resource tracker) {start_cpu:.1f} s, the pool processes"
        f" {analyse_cpu:.1f} s ({analyse_cpu / len(day) * 1000:.2f} ms a report)"
    )
    print(f"end to end: {rate:.1f} reports/s ({elapsed:.1f} s); load average {load_average()}")
    print(f"a year of {YEAR:,} reports: {YEAR / rate / 3600:.1f} hours at this rate (target < 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
