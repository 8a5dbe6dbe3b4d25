"""Re-analysis on Dask distributed: one worker process against two, same stored reports, one run.

    .venv/bin/python bench/reanalyse.py [--limit 1000] [--copies 1] [--postgres URL]
    .venv/bin/python bench/reanalyse.py --limit 5000 --copies 20   # 100k stored reports

Stores --limit distinct messages from ../shared/data (read only, never copied),
each --copies times addressed to a different recipient (a campaign reaches many
people: every copy is a report of its own), through the real intake and worker,
then re-analyses all of them twice with `reanalyse_on_cluster` on a local Dask
cluster: once with one worker process, once with two. Prints wall time and
reports/s for each, the ratio, and whether the two runs stored identical
analyses. Each task writes its own chunk, so the driver's share does not bound
the ratio; the machine may be shared, so the load average is printed with the
figures. SQLite in a temporary folder by default; --postgres gives a server URL
on which a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import scratch_database
from watchword.config import Settings
from watchword.runtime import open_runtime
from watchword.security.sealing import COMMENT, unseal_text
from watchword.services.reanalysis_dask import dask_client, reanalyse_on_cluster
from watchword.store.models import AnalysisRecord
from watchword.worker import Worker
from worker import CORPUS, fill, load, load_average


def addressed(raws: list[bytes], copies: int) -> list[bytes]:
    """Each message as received by `copies` different people: the first copy as it is, the
    others with their own To: line first (the parser takes the first), so no two are equal."""
    out = list(raws)
    for n in range(1, copies):
        out += [b"To: person%d@example.org\r\n" % n + raw for raw in raws]
    return out


def opened(key: bytes, result: dict[str, Any]) -> dict[str, Any]:
    """An analysis with its sealed forwarding comment opened: sealing draws a new nonce each
    time, so equal analyses differ in their sealed bytes, not in what they say."""
    wrapper = result.get("wrapper")
    if isinstance(wrapper, dict) and wrapper.get("reporter_comment_sealed"):
        sealed = wrapper["reporter_comment_sealed"]
        result["wrapper"] = {**wrapper, "reporter_comment_sealed": unseal_text(key, sealed, COMMENT)}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=1, help="reports per distinct message")
    parser.add_argument("--postgres", default="", help="server URL, e.g. postgresql+psycopg://postgres@127.0.0.1/test")
    args = parser.parse_args()
    if not (args.corpus / "phishing").is_dir():
        print(f"No corpus at {args.corpus}; nothing to do.")
        return 0
    raws = addressed(load(args.corpus, args.limit), args.copies)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        data = Path(tmp)
        url = (
            stack.enter_context(scratch_database(args.postgres))
            if args.postgres
            else f"sqlite:///{data / 'watchword.db'}"
        )
        start = time.perf_counter()
        fill(data, url, raws)
        settings = Settings(
            data_dir=data, database_url=url, blob_dir=data / "blobs", secret_key_file=data / "secret.key"
        )
        rt = open_runtime(settings, migrate=True)
        Worker(rt, processes=2).run_until_idle()
        print(f"stored through intake and worker in {time.perf_counter() - start:.0f} s")
        with rt.db.session() as session:
            ids = list(session.scalars(select(AnalysisRecord.report_id).order_by(AnalysisRecord.report_id)))
        print(f"{len(ids)} stored reports; load average {load_average()}")
        rates: dict[int, float] = {}
        stored: dict[int, dict[int, dict[str, object]]] = {}
        for processes in (1, 2):
            with dask_client(processes=processes) as client:
                start = time.perf_counter()
                reanalyse_on_cluster(rt, client, ids, actor="bench")
                elapsed = time.perf_counter() - start
            rates[processes] = len(ids) / elapsed
            with rt.db.session() as session:
                stored[processes] = {
                    rid: opened(rt.contact_key, dict(result))
                    for rid, result in session.execute(select(AnalysisRecord.report_id, AnalysisRecord.result))
                }
            print(
                f"{processes} Dask worker process(es): {rates[processes]:.1f} reports/s ({elapsed:.1f} s);"
                f" load {load_average()}"
            )
        rt.close()
    print(f"two / one: {rates[2] / rates[1]:.2f}x (target >= 1.7x); results equal: {stored[1] == stored[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
