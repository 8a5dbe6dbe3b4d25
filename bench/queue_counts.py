"""What the one definition of counts (campaigns.queries.Counts) costs the queue: reports / people / sightings
for a page of 50 rows, over a synthetic SQLite store (N reports, half of them in 100 campaigns).

    PYTHONPATH=src .venv/bin/python bench/queue_counts.py [--reports 5000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from watchword.campaigns.queries import campaign_counts, report_counts
from watchword.config import Settings
from watchword.runtime import open_runtime
from watchword.services import queue
from watchword.store.models import Campaign, Report, Submission


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=5000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ww-bench-counts-"))
    settings = Settings(
        data_dir=tmp, database_url=f"sqlite:///{tmp / 'w.db'}", blob_dir=tmp / "blobs", secret_key_file=tmp / "key"
    )
    rt = open_runtime(settings, migrate=True)
    n = args.reports
    with rt.db.write() as s:
        s.add_all([Campaign(title=f"c{i}") for i in range(100)])
        s.flush()
        cids = list(s.scalars(select(Campaign.id)))
        rows = [
            {
                "public_id": f"p{i}",
                "channel": "api",
                "dedupe_key": f"k{i}",
                "sightings": 1 + i % 3,
                "campaign_id": cids[i % 100] if i % 2 else None,
                "risk": (i % 97) / 97,
            }
            for i in range(n)
        ]
        s.execute(insert(Report), rows)
        ids = list(s.scalars(select(Report.id).order_by(Report.id)))
        s.execute(insert(Submission), [{"report_id": r, "channel": "api"} for r in ids for _ in range(1 + (r - 1) % 3)])
    runs = 20
    with rt.db.session() as s:
        for name, timed in (
            ("report_counts, 50 reports", lambda: report_counts(s, ids[:50])),
            ("campaign_counts, 50 campaigns", lambda: campaign_counts(s, cids[:50])),
            ("queue: campaigns page of 50, with counts", lambda: queue.open_campaigns(s, queue.Filters())),
            ("queue: reports page of 50, with counts", lambda: queue.unassigned_reports(s, queue.Filters())),
        ):
            timed()
            start = time.perf_counter()
            for _ in range(runs):
                timed()
            print(f"{name}: {(time.perf_counter() - start) / runs * 1000:.2f} ms (mean of {runs}, {n} reports)")
    rt.close()


if __name__ == "__main__":
    main()
