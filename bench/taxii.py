"""Benchmark TAXII in and out over real HTTP on loopback.

    .venv/bin/python bench/taxii.py [--objects N]

1. Add Objects: taxii2-client POSTs one envelope of N STIX indicators (one in ten invalid) to
   feeds-in with a write token; prints the request's wall time, objects/s and the status counts.
2. Pull: a second runtime pulls a collection of N published indicators from the first
   (intel.pull, page size 500); prints the first pull (objects/s, bytes) and the second,
   incremental one (nothing new: what it costs to ask).

Both runtimes are temporary SQLite stores; nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

import uvicorn

from watchword.config import Settings
from watchword.intel import pull, taxii
from watchword.runtime import Runtime, open_runtime
from watchword.services import accounts
from watchword.store.models import utcnow
from watchword.store.models_intel import TaxiiObject
from watchword.web.app import create_app


def _runtime(directory: Path, **overrides: object) -> Runtime:
    directory.mkdir(parents=True)
    settings = Settings(
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'watchword.db'}",
        blob_dir=directory / "blobs",
        secret_key_file=directory / "secret.key",
        org_name="Bench",
        run_worker_in_process=False,
    )
    return open_runtime(dataclasses.replace(settings, **overrides), migrate=True)  # type: ignore[arg-type]


class _Served:
    def __init__(self, rt: Runtime) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{port}"
        rt.settings = dataclasses.replace(rt.settings, public_base_url=self.url)
        config = uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _indicator(n: int, valid: bool = True) -> dict[str, object]:
    stamp = "2026-01-01T00:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}" if valid else f"indicator--bad-{n}",
        "created": stamp,
        "modified": stamp,
        "pattern": f"[domain-name:value = 'kit-{n}.bench-phish.com']",
        "pattern_type": "stix",
        "valid_from": stamp,
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    }


def bench_add(root: Path, count: int) -> None:
    from taxii2client.common import TokenAuth
    from taxii2client.v21 import Server

    rt = _runtime(root / "inbox", taxii_max_content_length=200 * 1024 * 1024)
    with rt.db.write() as session:
        token = accounts.create_token(session, "bench", "write", "bench")[0]
    served = _Served(rt)
    try:
        inbox = next(
            c for c in Server(f"{served.url}/taxii2/", auth=TokenAuth(key=token)).default.collections if c.can_write
        )
        envelope = {"objects": [_indicator(n, valid=n % 10 != 0) for n in range(count)]}
        size = len(json.dumps(envelope))
        started = time.perf_counter()
        status = inbox.add_objects(envelope)
        seconds = time.perf_counter() - started
        print(
            f"add objects: {count} objects ({size / 1e6:.1f} MB) in {seconds:.2f} s = {count / seconds:.0f} objects/s; "
            f"status {status.status}: {status.success_count} succeeded, {status.failure_count} failed"
        )
    finally:
        served.stop()
        rt.close()


def bench_pull(root: Path, count: int) -> None:
    producer = _runtime(root / "producer")
    collection = taxii.collection_for_level("Bench", "amber").id
    with producer.db.write() as session:
        token = accounts.create_token(session, "bench", "read", "bench")[0]
        now = utcnow()
        rows = []
        for n in range(count):
            body = _indicator(n)
            rows.append(
                {
                    "collection": collection,
                    "stix_id": body["id"],
                    "stix_type": "indicator",
                    "version": body["modified"],
                    "date_added": now,
                    "body": body,
                }
            )
        for start in range(0, len(rows), 1000):
            session.execute(TaxiiObject.__table__.insert(), rows[start : start + 1000])
    served = _Served(producer)
    secret = root / "token"
    secret.write_text(token)
    feeds = root / "feeds.toml"
    feeds.write_text(
        '[[feed]]\nname = "bench"\nkind = "taxii"\n'
        f'url = "{served.url}/taxii2/api/collections/{collection}/"\nauth = "token"\nsecret_file = "{secret}"\n'
    )
    consumer = _runtime(root / "consumer", feeds_file=feeds)
    try:
        for label in ("first pull", "incremental pull"):
            started = time.perf_counter()
            result = pull.pull_all(consumer.db, consumer.settings)[0]
            seconds = time.perf_counter() - started
            rate = f" = {result.fetched / seconds:.0f} objects/s" if result.fetched else ""
            print(
                f"{label}: {result.fetched} objects, {result.indicators} indicators, "
                f"{result.bytes / 1e6:.2f} MB in {seconds:.2f} s{rate}; complete={result.complete}"
            )
    finally:
        served.stop()
        consumer.close()
        producer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_add(Path(tmp), args.objects)
        bench_pull(Path(tmp), args.objects)


if __name__ == "__main__":
    main()
