"""What a worker's pipeline pool process runs, apart from `watchword.worker`.

A pool process imports the module of the function it is given. Were that
`watchword.worker`, each pool process would import the store, SQLAlchemy and
every after-analysis step before analysing its first report (seconds of
start-up on a busy machine, counted in every `worker --once`); this module
imports the pipeline only, and the worker's forkserver preloads it, so a new
pool process starts with it in memory.
"""

from __future__ import annotations

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reuse import MiddleMemo
from watchword.domain import Analysis

PipelineInput = tuple[str, bytes | None, str, dict[str, str]]

# Per process (the writer's, or each pool process's): near-identical copies of a lure (another
# recipient, another reporter's forward) run the pipeline's middle stages once (analysis/reuse.py).
_MIDDLE_MEMO = MiddleMemo()


def run_pipeline(item: PipelineInput) -> Analysis:
    """The pure pipeline on one report's input."""
    return analyze_report(*item, memo=_MIDDLE_MEMO)
