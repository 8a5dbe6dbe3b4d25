"""What a worker's pipeline pool process runs, apart from `watchword.worker`.

A pool process imports the module of the function it is given. Were that
`watchword.worker`, each pool process would import the store, SQLAlchemy and
every after-analysis step before analysing its first report (seconds of
start-up on a busy machine, counted in every `worker --once`); the pool is
given `watchword.pool.run`, which calls this module, which imports the pipeline
only. The worker's forkserver preloads it and runs `warm()`, so a new pool
process starts with the pipeline in memory and its first-use tables built.
"""

from __future__ import annotations

import contextlib

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reuse import MiddleMemo, Tail
from watchword.domain import Analysis

PipelineInput = tuple[str, bytes | None, str, dict[str, str]]

# Per process (the writer's, or each pool process's): near-identical copies of a lure (another
# recipient, another reporter's forward) run the pipeline's middle stages once (analysis/reuse.py).
_MIDDLE_MEMO = MiddleMemo()


def run_pipeline(item: PipelineInput) -> Analysis:
    """The pure pipeline on one report's input."""
    return analyze_report(*item, memo=_MIDDLE_MEMO)


def last_tail() -> Tail | None:
    """The fingerprint facts the last `run_pipeline` took from an earlier copy or kept for later
    ones (None: neither). The pool keeps what it derives from the analysis on it: every copy it
    fits has the same middle and fingerprint facts, all that `pool.derive` reads."""
    return _MIDDLE_MEMO.last


# A small email and a few words: enough for every stage to build what it builds on first use.
_WARM_EMAIL = (
    b"From: Service Desk <it-support@example.net>\r\nTo: someone@example.org\r\n"
    b"Subject: Your mailbox is full\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p>Verify your password today or lose access: <a href="https://login.example.com/x">sign in</a></p>\r\n'
)
_WARM_TEXT = "Someone called me asking for my password and the project code."


def warm() -> None:
    """Build, in the forkserver, what the pipeline otherwise builds on its first reports in every
    pool process: each stage run once (the reading's lexicons and their phrase automaton, the
    models, the tables built on first use); a pool process then forks with it. No memo is kept; a
    failure here costs only the head start.

    The phrase entries' patterns are not all compiled here: each is compiled on first use, in
    the pool process that meets it, as in the pure pipeline. A stream of mail meets few of them
    (2,000 distinct corpus messages: 1,974 plain and 441 CJK forms of 10,435 each), and compiling
    every one in both forms was ~1.1 s of the forkserver's ~1.7 s, which every worker start paid
    before its first pool process could fork (issue 14, worker11).
    """
    with contextlib.suppress(Exception):  # the pool works without it, only slower to start
        analyze_report(_WARM_TEXT, _WARM_EMAIL)
