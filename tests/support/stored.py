"""Many reports stored through the funnel for a test whose subject comes after storage (the worker,
campaign assignment, re-clustering).

`submit` commits each report in a transaction of its own and waits for it to be durable: a WAL fsync
on SQLite (a commit's on PostgreSQL) and, for a message, its blob's fsyncs. A test that stored hundreds
of reports that way spent most of its set-up waiting on the disk (the re-clustering equivalence: ~20 s
of its 2,400 submits). `submit_all` takes the same path (checks, sealing, blobs, the one writer's
`create_many`) and stores a chunk in one transaction, as the writer groups a busy minute's reports;
the reports get their ids, rows and jobs in the order given.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchword.domain import IncomingReport
from watchword.intake.submit import submit_all
from watchword.runtime import Runtime

CHUNK = 200


def store_reports(rt: Runtime, incoming: Sequence[IncomingReport]) -> list[int]:
    """Store every report, in order, CHUNK to a transaction; their report ids."""
    ids: list[int] = []
    for start in range(0, len(incoming), CHUNK):
        ids += [receipt.report_id for receipt in submit_all(rt, incoming[start : start + CHUNK]).receipts]
    return ids
