"""Archive-scale re-analysis on Dask distributed: each task analyses and writes its own chunk.

`watchword reanalyse` re-runs the pipeline over stored reports (those an older
pipeline analysed, or all of them with --all) after a pipeline change. The
driver only lists the report ids and hands chunks of them to the cluster; each
task reads its reports from the store, runs the pure pipeline with no lock held,
then writes the chunk in one transaction with the same steps as
`reanalysis.reanalyse_stale` (analysis record, indicator links, search entry,
audit entry). Every report's analysis depends on that report alone, so the
stored result equals a single-process run whatever order the chunks finish in.

Writing in the tasks rather than in the driver is what lets workers add up: with
the writes in one driver process, that process's share bounded two workers at
0.78x of one on two cores (2026-12-06, bench/reanalyse.py). On PostgreSQL the
tasks' transactions run side by side; on SQLite they take turns for the write
lock, which is short beside the analysis.

Each Dask worker process opens its own runtime from the driver's settings, once,
and keeps it for the tasks that follow: the database URL, the blob directory and
the sealing key file must therefore be reachable at the same paths on every
worker machine (PostgreSQL and a shared mount; the key is only ever read there,
like the worker's own). The cluster is `WATCHWORD_DASK_SCHEDULER` (e.g.
tcp://10.0.0.5:8786) when set, else a local cluster of --processes
single-threaded worker processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime
from watchword.services.processing import analyse
from watchword.services.reanalysis import stale_report_ids, store_reanalysed
from watchword.store.models import Report

CHUNK = 100  # reports per task and per write transaction

# One runtime per Dask worker process and settings: opening one reads the key and
# builds an engine, which a 100-report task should not pay each time.
_RUNTIMES: dict[Settings, Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


def _runtime(settings: Settings) -> Runtime:
    with _RUNTIMES_LOCK:
        if settings not in _RUNTIMES:
            _RUNTIMES[settings] = open_runtime(settings)
        return _RUNTIMES[settings]


def reanalyse_chunk(settings: Settings, ids: list[int], actor: str) -> int:
    """On a Dask worker: analyse these stored reports and write them in one transaction;
    return how many were written (a report deleted by retention meanwhile is skipped)."""
    rt = _runtime(settings)
    with rt.db.session() as session:
        reports = session.scalars(select(Report).where(Report.id.in_(ids)).order_by(Report.id)).all()
    # The pipeline runs with no transaction open, so on SQLite the write lock is
    # held only for the writing below, not for the analysis.
    analysed = {report.id: analyse(rt, report) for report in reports}
    with rt.db.write() as session:
        current = session.scalars(select(Report).where(Report.id.in_(list(analysed))).order_by(Report.id)).all()
        store_reanalysed(session, actor, ids, [(r, analysed[r.id], None) for r in current], engine="dask")
        return len(current)


@contextmanager
def dask_client(scheduler: str = "", processes: int = 2) -> Iterator[Any]:
    """A client of the configured scheduler, or of a local cluster started (and stopped) here."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=processes, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def reanalyse_on_cluster(
    rt: Runtime,
    client: Any,
    report_ids: list[int] | None = None,
    actor: str = "system",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-analyse these reports (default: the stale ones) on the Dask cluster; return how many."""
    from distributed import as_completed

    ids = stale_report_ids(rt) if report_ids is None else sorted(report_ids)
    chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    futures = [client.submit(reanalyse_chunk, rt.settings, chunk, actor, pure=False) for chunk in chunks]
    done = 0
    # A failed task raises here, after the chunks already written stay written: each
    # is its own transaction with its audit entry, and a rerun picks up the stale rest.
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        future.result()
        done += CHUNK
        if progress is not None:
            progress(min(done, len(ids)), len(ids))
    return len(ids)
