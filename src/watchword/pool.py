"""The worker's pipeline pool: how many processes, and its forkserver, started early.

Light on purpose (no store, no pipeline): `watchword worker` starts the pool's
forkserver from here before it imports the store and the after-analysis steps,
so that the forkserver preloads the pipeline on the other core while this
process imports, instead of after it (about a second of every worker start on
two cores, during which the first batch waited for its analyses; issue 14).
The worker's own process never imports the pipeline when it is pooled: it hands
the pool `run`, which names the pipeline's module only inside the pool process.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing import forkserver
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchword.campaigns.engine import Features, Keys
    from watchword.domain import Analysis

PipelineInput = tuple[str, bytes | None, str, dict[str, str]]

# The forkserver's imports: its guard, and the one module the pool processes run (the pipeline).
PRELOAD = ["watchword.forkserver_guard", "watchword.pipeline_process"]


def plan(wanted: int, database_url: str, cores: int | None = None) -> tuple[int, bool]:
    """(processes, pooled) for a worker asked for `wanted` pipeline processes (0: the default).

    An explicit 1 runs the pipeline in the worker's own process, between the writes (tests
    patch it there). The default on PostgreSQL leaves a core to the writer and its database
    backend: the pipeline runs apart, in a pool of one process fewer than the cores (at least
    one), and overlaps the batch's writes and their waits on the server instead of taking
    turns with them. On SQLite the writes are cheaper: a pool of one process per core.
    """
    cores = cores or os.cpu_count() or 1
    if wanted > 0:
        return wanted, wanted > 1
    if database_url.startswith("sqlite"):
        return cores, cores > 1
    return max(1, cores - 1), True


def start_forkserver() -> None:
    """Start the pool's forkserver now (a no-op when it runs). From the main thread only: the
    forkserver asks to die with the thread that started it (PR_SET_PDEATHSIG,
    watchword.forkserver_guard), so a short-lived thread must not start it."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


@dataclass(frozen=True, slots=True)
class Derived:
    """What the writer computes from an analysis before it writes it, computed beside the
    pipeline instead (pure functions of the analysis): the campaign engine's features and
    posting keys, and the known-bad lookup keys. Moved off the writer, which is the stored
    path's bottleneck on PostgreSQL, to the pool, which waits for it (issue 14)."""

    features: Features | None  # None: never linked into a campaign (out of scope)
    keys: Keys | None
    match_keys: frozenset[tuple[str, str]]


def derive(analysis: Analysis) -> Derived:
    from watchword.campaigns.engine import ClusterIndex, features_of
    from watchword.intel.normalise import match_keys_of

    features = features_of(analysis)
    keys = ClusterIndex.keys_of(features) if features is not None else None
    return Derived(features, keys, frozenset(match_keys_of(analysis)))


def run(item: PipelineInput) -> tuple[Analysis, Derived, str | None]:
    """What a pool process runs: the pipeline on one report's input, what the writer derives
    from its result, and its stored JSON text (None when the writer must seal the reporter's
    words first): made here, beside the pipeline, instead of in the writer's process, which
    is the stored path's bottleneck (issue 14); it crosses the pipe as one string. Pickled by
    reference to this module, so handing it to the pool does not import the pipeline here."""
    from watchword.domain.model import holds_reporter_comment, stored_text
    from watchword.pipeline_process import last_tail, run_pipeline

    analysis = run_pipeline(item)
    text = None if holds_reporter_comment(analysis) else stored_text(analysis)
    tail = last_tail()
    if tail is None:
        return analysis, derive(analysis), text
    # A near-identical copy of one analysed in this process: derived once for all of them.
    if tail.derived is None:
        tail.derived = derive(analysis)
    return analysis, tail.derived, text
