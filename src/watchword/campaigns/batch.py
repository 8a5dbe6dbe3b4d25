"""Clustering a batch in memory: `watchword cluster`, re-clustering and the benchmarks.

The same `ClusterIndex.assign` as the worker, over a `MemoryBackend`, in the
order given. Cluster ids are resolved through the union-find forest at the end,
so inputs that were bridged after their own assignment still share an id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from watchword.campaigns.engine import Assignment, ClusterIndex, Features, MemoryBackend


@dataclass(slots=True)
class BatchResult:
    clusters: list[int | None]  # one per input, final root ids; None: never linked (out of scope, empty)
    assignments: list[Assignment | None]
    index: ClusterIndex


def cluster_features(items: Iterable[Features | None], index: ClusterIndex | None = None) -> BatchResult:
    index = index or ClusterIndex(MemoryBackend())
    assignments = [index.assign(f) if f is not None else None for f in items]
    find = index.backend.find
    return BatchResult(
        clusters=[find(a.cluster) if a is not None else None for a in assignments],
        assignments=assignments,
        index=index,
    )


def cluster_analyses(results: Iterable[dict[str, Any]]) -> BatchResult:
    return cluster_features(Features.from_analysis(r) for r in results)
