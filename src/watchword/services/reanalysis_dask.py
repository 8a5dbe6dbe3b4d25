"""Archive-scale re-analysis on Dask distributed: the pipeline on a cluster, the writes here.

`watchword reanalyse` re-runs the pipeline over stored reports (those an older
pipeline analysed, or all of them with --all) after a pipeline change. The
pipeline is pure: each Dask task takes a chunk of report inputs and returns their
analyses; this process writes each chunk in one transaction with the same steps
as `reanalysis.reanalyse_stale` (analysis record, indicator links, search entry),
in report order, so the stored result equals a single-process run. Tasks read
the raw messages from the blob directory themselves (mount it on every Dask
worker) so that message bytes never pass through the scheduler.

The cluster is `WATCHWORD_DASK_SCHEDULER` (e.g. tcp://10.0.0.5:8786) when set,
else a local cluster of --processes single-threaded worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from watchword.analysis.pipeline import analyze_report
from watchword.domain import Analysis
from watchword.runtime import Runtime
from watchword.services.processing import answers_of, seal_reporter_words
from watchword.services.reanalysis import stale_report_ids, store_reanalysed
from watchword.store.blobs import FileBlobStore
from watchword.store.models import Report

CHUNK = 100  # reports per task and per write transaction
ReportInput = tuple[int, str, str | None, str, dict[str, str]]  # id, text, raw blob sha, hint, answers


def analyse_chunk(blob_dir: str, inputs: list[ReportInput]) -> list[tuple[int, Analysis]]:
    """On a Dask worker: the pure pipeline over one chunk, raw bytes read from the blob directory."""
    blobs = FileBlobStore(Path(blob_dir))
    out: list[tuple[int, Analysis]] = []
    for report_id, text, sha, hint, answers in inputs:
        raw = blobs.get(sha) if sha else None
        out.append((report_id, analyze_report(text, raw, hint, answers)))
    return out


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


def _inputs(rt: Runtime, ids: list[int]) -> list[ReportInput]:
    with rt.db.session() as session:
        reports = session.scalars(select(Report).where(Report.id.in_(ids)).order_by(Report.id)).all()
        # The answers are unsealed here and travel to the cluster (a trusted, private
        # network, like the database's); the sealing key never leaves this process.
        return [(r.id, r.text, r.raw_sha256, r.approach_hint or "", answers_of(rt, r)) for r in reports]


def reanalyse_on_cluster(
    rt: Runtime,
    client: Any,
    report_ids: list[int] | None = None,
    actor: str = "system",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-analyse these reports (default: the stale ones) on the Dask cluster; return how many."""
    ids = stale_report_ids(rt) if report_ids is None else sorted(report_ids)
    chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    blob_dir = str(rt.settings.blob_dir.resolve())
    # Submitted chunk by chunk as inputs are read; results are written in submission
    # order, so a chunk's transaction never waits on a later chunk.
    futures = [client.submit(analyse_chunk, blob_dir, _inputs(rt, chunk), pure=False) for chunk in chunks]
    done = 0
    for chunk, future in zip(chunks, futures, strict=True):
        analysed = dict(future.result())
        with rt.db.write() as session:
            reports = session.scalars(select(Report).where(Report.id.in_(chunk)).order_by(Report.id)).all()
            # A report deleted (retention) between reading and writing has no result here.
            fresh = [(r, seal_reporter_words(rt, analysed[r.id]), None) for r in reports if r.id in analysed]
            store_reanalysed(session, actor, chunk, fresh, engine="dask")
            done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done
