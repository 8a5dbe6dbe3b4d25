"""Scale on PostgreSQL: load a million realistic reports, then measure the console, assignment and disk.

    PYTHONPATH=src .venv/bin/python bench/scale.py [--reports 1000000] [--lures 100] [--copies 120]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--db watchword_scale]
        [--dir /tmp/ww-bench-scale] [--requests 60] [--new 3000] [--keep] [--reuse]

1. Seed, through the real code: the schema by the real migrations (`watchword migrate`), a day
   of reporting as `bench/year.py` builds it from ../shared/data (read at run time, never
   copied: --lures real phishing and spam messages, each reported about --copies times:
   relayed, personalised, forwarded, the reporter's own words) plus a share of real ham, each
   once, filed through the real intake (`intake.submit`) and analysed by the real
   `watchword worker --once`. Every table the store writes for a report gets its real rows:
   reports, submissions, blobs, analyses, indicators and their links, campaigns, members,
   postings, hours, jobs and the audit trail.
2. Replicate, in the database (bounded memory: INSERT ... SELECT, nothing streams through
   Python): the seed day is copied into earlier days until --reports reports are stored. Each
   copy is another day of other waves: its own ids, its own campaigns, its own indicator
   values (the seed's, tagged with the copy's number), its own posting keys (the seed's
   hashed with the copy's number) and its own audit hashes; times moved back a day per copy.
   So about --copies reports per unique malicious URL, as a national service sees it.
   (The copied audit rows have valid shapes but their chain is not re-signed: `watchword
   audit verify` fails on this store, which is a benchmark store only.)
3. Measure, through the real app (FastAPI's TestClient, signed in as an analyst): p50/p95/max
   of each console page (queue by default and with filters, with a search, report page,
   campaign list, campaign page, dashboard, indicators, search). Every SQL statement the
   pages run is timed; the slowest are shown with EXPLAIN (ANALYZE, BUFFERS).
4. Assignment at scale: --new new reports (new copies of the seed's waves, so they join
   existing campaigns, and real messages the store has not seen) filed on top and analysed
   by the real worker; reports/s at the seed's size and at the full size, same machine.
5. Disk: pg_total_relation_size per table (table, indexes, TOAST) divided by the reports
   stored; every index's size.

The database is dropped at the end unless --keep; --reuse measures a kept one again.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watchword.config import Settings
from watchword.domain import IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from year import a_day, lures

CORPUS = Path("/work/shared/data")  # read only, never copied (see its README.md)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_average()}] {message}", flush=True)


def settings_for(data: Path, url: str) -> Settings:
    return Settings(data_dir=data, database_url=url, blob_dir=data / "blobs", secret_key_file=data / "secret.key")


def worker_env(data: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(data),
        "WATCHWORD_DATABASE_URL": url,
        "WATCHWORD_BLOB_DIR": str(data / "blobs"),
        "WATCHWORD_SECRET_KEY_FILE": str(data / "secret.key"),
    }


def ham(corpus: Path, count: int, seed: int) -> list[bytes]:
    paths = sorted((corpus / "ham").glob("*.eml"))
    random.Random(seed).shuffle(paths)
    return [p.read_bytes() for p in paths[:count] if p.stat().st_size < 200_000]


def file_and_analyse(data: Path, url: str, day: list[IncomingReport]) -> tuple[float, float]:
    """Through the real intake (32 threads: the group commit batches them), then one real worker run."""
    rt = open_runtime(settings_for(data, url), migrate=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda incoming: submit(rt, incoming), day))
    filed = time.perf_counter() - started
    rt.close()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "watchword", "worker", "--once"], env=worker_env(data, url), capture_output=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker failed: {proc.stderr.decode(errors='replace')[-3000:]}")
    return filed, time.perf_counter() - started


@contextmanager
def database(server: str, name: str, *, fresh: bool, keep: bool) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if fresh and exists:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if fresh or not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def decide(data: Path, url: str, seed: int) -> None:
    """Analysts' work on the seed, through the real services: verdicts on about half the
    campaigns (most waves malicious), a verdict on some unassigned reports, notes, cases taken."""
    from sqlalchemy import select

    from watchword.services import accounts, decisions, queue
    from watchword.store.models import Campaign, Report

    rng = random.Random(seed)
    rt = open_runtime(settings_for(data, url))
    with rt.db.write() as session:
        accounts.add_user(session, "bench", "bench password 123", "analyst", "bench")
    with rt.db.write() as session:
        ids = session.scalars(select(Campaign.id).order_by(Campaign.id)).all()
        for campaign_id in ids:
            if rng.random() < 0.5:
                verdict = rng.choice(("malicious", "malicious", "malicious", "suspicious", "spam"))
                decisions.set_verdict(
                    session, campaign_id, verdict, "bench", "seen before" if rng.random() < 0.2 else ""
                )
        loose = session.scalars(select(Report.id).where(Report.campaign_id.is_(None)).order_by(Report.id)).all()
        for report_id in loose:
            if rng.random() < 0.3:
                queue.set_report_verdict(session, report_id, rng.choice(("benign", "spam")), "", "bench")
            if rng.random() < 0.05:
                queue.add_note(session, "report", report_id, "checked with the recipient: expected mail", "bench")
    rt.close()


# Per table: the column expressions that make copy :k of a seed row distinct. Integer ids and
# references to copied tables are moved by the table's offset, times by k days back; these are
# the columns whose values must be unique (or tagged) beyond that.
TAGGED: dict[str, dict[str, str]] = {
    "reports": {
        "public_id": "substr(md5(public_id || :k), 1, 32)",
        "dedupe_key": "md5(dedupe_key || :k) || md5(:k || dedupe_key)",
    },
    "indicators": {
        "value": "CASE WHEN type = 'url' THEN value || CASE WHEN value LIKE '%?%' THEN '&' ELSE '?' END || 'w=' || :k "
        "WHEN type IN ('domain', 'hostname', 'email') THEN 'w' || :k || '-' || value ELSE value || '#w' || :k END",
    },
    # Posting keys are 64-bit hashes: moved by a constant per copy above bit 32 (contents are below it).
    "campaign_postings": {"key": "key # (:k::bigint * 40503 << 32)", "content": "content # (:k::bigint * 40503 << 32)"},
    # Another day's wave is other content: its own pipeline inputs (reuse stays within a copy).
    "analyses": {"input_key": "md5(input_key || :k) || md5(:k || input_key)"},
    "campaign_members": {"content_hash": "substr(md5(content_hash || :k), 1, 32)"},
    "audit_events": {
        "hash": "encode(sha256(convert_to(hash || :k, 'UTF8')), 'hex')",
        "prev_hash": "encode(sha256(convert_to(prev_hash || :k, 'UTF8')), 'hex')",
        "object_id": "CASE object_type WHEN 'report' THEN (object_id::bigint + :k * :off_reports)::text "
        "WHEN 'campaign' THEN (object_id::bigint + :k * :off_campaigns)::text ELSE object_id END",
    },
    "notes": {
        "object_id": "object_id + :k * CASE object_type WHEN 'report' THEN :off_reports ELSE :off_campaigns END",
    },
    "campaign_hours": {
        "campaign_id": "CASE WHEN campaign_id = 0 THEN 0 ELSE campaign_id + :k * :off_campaigns END",
        "hour": "hour + 24 * :k",
    },
}
# Copy numbers k0..k1 in one statement.
COPIES = "CROSS JOIN generate_series(CAST(:k0 AS bigint), CAST(:k1 AS bigint)) AS copies(k)"
NOT_COPIED = {
    "alembic_version",
    "blobs",
    "campaign_index_state",
    "users",
    "user_sessions",
    "api_tokens",
    "login_failures",
}


def replicate(engine: Engine, target: int) -> None:
    """Copy the seed day into earlier days, in the database, until `target` reports are stored."""
    from watchword.store.schema import metadata

    with engine.begin() as conn:
        seed_reports = int(conn.scalar(text("SELECT count(*) FROM reports")) or 0)
        present = {t for t, n in counts(engine).items() if n}
        tables = [t for t in metadata.sorted_tables if t.name in present and t.name not in NOT_COPIED]
        extra = [t for t in present - {t.name for t in tables} - NOT_COPIED if t.startswith("search_")]
        offsets: dict[str, int] = {}
        for table in tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].name == "id":
                offsets[table.name] = int(conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")) or 0)
    copies = max((target - seed_reports + seed_reports - 1) // seed_reports, 0)
    with engine.connect() as conn:  # the seed's hours end here once moved back (copies come after)
        offsets["seed_hours_end"] = int(conn.scalar(text("SELECT coalesce(max(hour), 0) FROM campaign_hours")) or 0)
        offsets["seed_hours_end"] += 1 - 24 * copies
    say(f"replicating {seed_reports:,} seed reports {copies} times: {', '.join(t.name for t in tables)}, {extra}")
    statements: list[tuple[str, str]] = []
    for table in tables:
        names, exprs = [], []
        for column in table.columns:
            names.append(column.name)
            expr = TAGGED.get(table.name, {}).get(column.name)
            if expr is None:
                refs = [fk.column.table.name for fk in column.foreign_keys]
                if column.primary_key and column.name == "id" and table.name in offsets:
                    expr = f"{column.name} + :k * {offsets[table.name]}"
                elif refs and refs[0] in offsets:
                    expr = f"{column.name} + :k * {offsets[refs[0]]}"
                elif column.name.endswith("report_id") and "reports" in offsets:
                    expr = f"{column.name} + :k * {offsets['reports']}"  # references without a foreign key
                elif column.name == "campaign_id" and "campaigns" in offsets:
                    expr = f"{column.name} + :k * {offsets['campaigns']}"
                elif isinstance(column.type, DateTime):
                    expr = f"{column.name} + :k * interval '1 day'"
                else:
                    expr = column.name
            exprs.append(expr)
        statements.append(
            (
                table.name,
                f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM {table.name} "
                f"{COPIES} WHERE {seed_filter(table.name, offsets)}",
            )
        )
    # The full-text rows: PostgreSQL's own tables, keyed by the report or campaign they index.
    for name in extra:
        key = "report_id" if name == "search_reports" else "campaign_id"
        owner = "reports" if key == "report_id" else "campaigns"
        statements.append(
            (
                name,
                f"INSERT INTO {name} ({key}, doc) SELECT {key} + :k * {offsets[owner]}, doc FROM {name} "
                f"{COPIES} WHERE {key} <= {offsets[owner]}",
            )
        )
    # Ids grow with time in a real store (pages and the planner rely on it): the seed day
    # becomes the oldest (moved `copies` days back) and copy k lands k days after it.
    with engine.begin() as conn:
        for table in tables:
            moved = [
                f"{c.name} = {c.name} - :n * interval '1 day'" for c in table.columns if isinstance(c.type, DateTime)
            ]
            if table.name == "campaign_hours":
                moved.append("hour = hour - 24 * :n")
            if moved:
                # Before the first copy every row is the seed's.
                conn.execute(text(f"UPDATE {table.name} SET {', '.join(moved)}"), {"n": copies})
    params = {"off_reports": offsets.get("reports", 0), "off_campaigns": offsets.get("campaigns", 0)}
    started = time.perf_counter()
    step = 4  # copies per statement (generate_series): fewer, larger statements
    for k0 in range(1, copies + 1, step):
        k1 = min(k0 + step - 1, copies)
        with engine.begin() as conn:
            # The rows are consistent by construction: skip the foreign-key triggers and the
            # wait for the disk (a benchmark load; the app's own writes keep both).
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            for _name, sql in statements:
                conn.execute(text(re.sub(r":k\b", "copies.k", sql)), {**params, "k0": k0, "k1": k1})
        done = seed_reports * (k1 + 1)
        say(f"  copies {k0}-{k1} of {copies}: {done:,} reports ({time.perf_counter() - started:.0f} s)")
    with engine.begin() as conn:
        # The sequences must continue past the copies, or the next report would collide.
        for name in (t.name for t in tables if t.name in offsets):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))


def seed_filter(table: str, offsets: dict[str, int]) -> str:
    """Only the seed's rows (copies are never copied again)."""
    if table == "jobs":  # housekeeping (retention) is the system's, not a day's: one is enough
        return f"id <= {offsets[table]} AND kind = 'analyze'"
    if table in offsets:
        return f"id <= {offsets[table]}"
    if table == "campaign_postings":
        return f"campaign_id <= {offsets['campaigns']}"
    if table == "campaign_hours":  # the seed's (campaign 0 counts the whole system): below the first copy's ids
        return f"campaign_id <= {offsets['campaigns']} AND hour < {offsets['seed_hours_end']}"
    return f"report_id <= {offsets['reports']}"


TERMS = [
    "password",
    "invoice",
    "account",
    "verify",
    "paypal",
    "microsoft",
    "bank",
    "urgent",
    "delivery",
    "mailbox",
    "prize",
    "caller",
    "update security",
    "login.php",
    "click here",
]
QUEUES = {
    "queue": ["/console/"],
    "queue filtered": [
        "/console/?approach_type=credential_phishing",
        "/console/?verdict=none",
        "/console/?verdict=malicious",
        "/console/?surging=1",
        "/console/?case=new&assigned=none",
    ],
    "unassigned reports": [
        "/console/?view=reports",
        "/console/?view=reports&channel=web",
        "/console/?view=reports&verdict=none",
    ],
    "campaign list": ["/console/?status=any", "/console/?status=closed"],
}
INDICATORS = [
    "/console/indicators",
    "/console/indicators?q=paypal",
    "/console/indicators?type=domain",
    "/console/indicators?type=url&verdict=malicious",
    "/console/indicators?verdict=none",
    "/console/indicators?known=no&type=domain",
]


class Statements:
    """Every SQL statement the app runs, timed, with its parameters: the slowest get EXPLAINed."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.page = ""
        self.seen: list[tuple[float, str, str, Any]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
            context._bench_started = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, _cursor: Any, statement: str, params: Any, context: Any, _many: bool) -> None:
            took = time.perf_counter() - context._bench_started
            if self.page and statement.lstrip().upper().startswith(("SELECT", "WITH")):
                self.seen.append((took, self.page, statement, params))

    def slowest(self, n: int) -> list[tuple[float, str, str, Any]]:
        best: dict[str, tuple[float, str, str, Any]] = {}
        for took, page, statement, params in self.seen:
            if statement not in best or took > best[statement][0]:
                best[statement] = (took, page, statement, params)
        return sorted(best.values(), key=lambda row: -row[0])[:n]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)]
    return (
        f"p50 {ordered[len(ordered) // 2] * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
        f"max {ordered[-1] * 1000:7.1f} ms   n={len(ordered)}"
    )


def measure_assignment(data: Path, url: str, day: list[IncomingReport], label: str) -> None:
    """New reports on top of the store, analysed by the real worker in this process.

    The worker's write transaction (the store path) and, inside it, the batch's campaign
    assignment are timed by wrapping them here; the worker's code is unchanged.
    """
    from watchword.services import processing
    from watchword.worker import build_worker

    rt = open_runtime(settings_for(data, url))
    started = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        receipts = list(pool.map(lambda incoming: submit(rt, incoming), day))
    filed = time.perf_counter() - started
    spent = {"write": 0.0, "assign": 0.0, "written": 0}
    real_assign = processing.assign_batch

    def timed_assign(session: Any, items: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real_assign(session, items)
        finally:
            spent["assign"] += time.perf_counter() - t0

    worker = build_worker(rt, "bench-scale")
    real_write = worker._write_together

    def timed_write(ready: Any) -> None:
        t0 = time.perf_counter()
        try:
            real_write(ready)
        finally:
            spent["write"] += time.perf_counter() - t0
            spent["written"] += len(ready)

    processing.assign_batch = timed_assign  # type: ignore[assignment]
    worker._write_together = timed_write  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        done = worker.run_until_idle()
        elapsed = time.perf_counter() - started
    finally:
        processing.assign_batch = real_assign  # type: ignore[assignment]
        worker.close()
        rt.close()
    n = max(int(spent["written"]), 1)
    distinct = len({r.report_id for r in receipts})
    say(
        f"assignment {label}: {len(day):,} filed ({distinct:,} new reports) in {filed:.1f} s; worker {done:,} jobs "
        f"in {elapsed:.1f} s = {done / elapsed:.1f} reports/s; store path (write transaction) "
        f"{spent['write'] / n * 1000:.2f} ms/report, of which campaign assignment {spent['assign'] / n * 1000:.2f} "
        f"ms/report"
    )


def new_reports(corpus: Path, seed_lures: int, total: int, start: int) -> list[IncomingReport]:
    """Nine in ten: new copies of the seed's waves (they join existing campaigns); one in ten:
    real messages the store has not seen."""
    messages = lures(corpus, seed_lures + total // 10, 14)
    copies = max(1, total * 9 // 10 // max(seed_lures, 1))
    return a_day(messages[:seed_lures], copies, messages[seed_lures:], start, start)


def measure_console(data: Path, url: str, n_requests: int, explain: int) -> None:
    """The console through the real app in this process, signed in as an analyst."""
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from watchword.store.models import Campaign, Report
    from watchword.web.app import create_app

    rt = open_runtime(settings_for(data, url))
    statements = Statements(rt.db.engine)
    rng = random.Random(3)
    with rt.db.session() as session:
        max_report = int(session.scalar(select(func.max(Report.id))) or 1)
        max_campaign = int(session.scalar(select(func.max(Campaign.id))) or 1)
        biggest = session.scalars(select(Campaign.id).order_by(Campaign.report_count.desc()).limit(5)).all()
    client = TestClient(create_app(rt), base_url="http://127.0.0.1")
    form = client.get("/console/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    signed = client.post(
        "/console/login",
        data={"username": "bench", "password": "bench password 123", "csrf": csrf, "next": "/console/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text

    def queue(urls: list[str]) -> str:
        url = rng.choice(urls)
        if rng.random() < 0.5:  # half the time, the next page (keyset cursor) from the first
            found = re.search(r'rel="next" href="([^"]+)"', client.get(url).text)
            if found:
                return found.group(1).replace("&amp;", "&")
        return url

    pages: dict[str, Any] = {name: (lambda urls=urls: queue(urls)) for name, urls in QUEUES.items()}
    pages["search"] = lambda: f"/console/search?q={rng.choice(TERMS)}"
    pages["report"] = lambda: f"/console/reports/{rng.randint(1, max_report)}"
    pages["campaign"] = lambda: (
        f"/console/campaigns/{rng.choice(biggest) if rng.random() < 0.2 else rng.randint(1, max_campaign)}"
    )
    pages["dashboard"] = lambda: f"/console/dashboard?days={rng.choice((7, 30, 90))}"
    pages["indicators"] = lambda: rng.choice(INDICATORS)
    # The dashboard's first view reads every finished day of its window (later views remember
    # them, services/dashboard.ClosedDays): timed on its own, before the warm-up hides it.
    t0 = time.perf_counter()
    client.get("/console/dashboard?days=90")
    say(f"dashboard, first view of 90 days (finished days read): {(time.perf_counter() - t0) * 1000:.0f} ms")
    for name, make in pages.items():
        for _ in range(5):  # warm-up
            client.get(make())
        samples = []
        for _ in range(n_requests):
            url = make()
            statements.page = f"{name}: {url}"
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - t0)
            statements.page = ""
            if response.status_code not in (200, 404):  # a random campaign id may have been merged away
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        say(f"{name:18s} {percentiles(samples)}")
    if explain:
        print(f"\nthe {explain} slowest statements (EXPLAIN ANALYZE, BUFFERS):")
        with rt.db.engine.connect() as conn:
            for took, page, statement, params in statements.slowest(explain):
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
                shown = statement if len(statement) < 1500 else statement[:1500] + " ..."
                print(f"--- {took * 1000:.1f} ms on {page}\n{shown}\n{str(params)[:300]}")
                print("\n".join(plan))
    rt.close()


def sizes(engine: Engine) -> None:
    """Bytes per report: each table with its indexes and TOAST, then every index."""
    with engine.connect() as conn:
        reports = int(conn.scalar(text("SELECT count(*) FROM reports")) or 1)
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid), "
                "c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC"
            )
        ).all()
        total = sum(r[1] for r in rows)
        print(f"\ndisk at {reports:,} reports: {total / 2**30:.2f} GiB, {total / reports:,.0f} B per report")
        print(f"{'table':28s} {'rows':>12s} {'total':>10s} {'B/report':>9s} {'heap':>10s} {'indexes':>10s}")
        for name, whole, heap, indexes, tuples in rows:
            if whole > 64 * 1024:
                print(
                    f"{name:28s} {int(tuples):>12,} {whole / 2**20:8.1f}MB {whole / reports:9,.0f} "
                    f"{heap / 2**20:8.1f}MB {indexes / 2**20:8.1f}MB"
                )
        print("\nindexes over 1 MB:")
        for name, table, size in conn.execute(
            text(
                "SELECT i.relname, t.relname, pg_relation_size(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' ORDER BY 3 DESC"
            )
        ):
            if size > 2**20:
                print(f"  {name:48s} {table:24s} {size / 2**20:8.1f} MB  {size / reports:6.0f} B/report")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ).all()
        return {t: int(conn.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0) for t in tables}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--lures", type=int, default=100)
    parser.add_argument("--copies", type=int, default=120)
    parser.add_argument("--ham", type=int, default=1000, help="real ham messages in the seed day, once each")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default="watchword_scale")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ww-bench-scale"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--new", type=int, default=3000)
    parser.add_argument("--explain", type=int, default=8, help="EXPLAIN this many of the slowest statements")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    say(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    with database(args.server, args.db, fresh=not args.reuse, keep=args.keep) as url:
        engine = create_engine(url)
        if not args.reuse:
            args.dir.mkdir(parents=True, exist_ok=True)
            messages = lures(args.corpus, args.lures, 14)
            day = a_day(messages, args.copies, ham(args.corpus, args.ham, 14), 14, 0)
            say(f"seed day: {len(day)} submissions of {len(messages)} lures and {args.ham} ham")
            filed, analysed = file_and_analyse(args.dir, url, day)
            say(f"seed filed in {filed:.0f} s, analysed in {analysed:.0f} s")
            decide(args.dir, url, 14)
            if args.new:
                day = new_reports(args.corpus, args.lures, args.new, 1_000_000)
                measure_assignment(args.dir, url, day, "at the seed's size")
            if not args.seed_only:
                replicate(engine, args.reports)
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    started = time.perf_counter()
                    conn.execute(text("VACUUM ANALYZE"))
                    say(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
            for table, n in counts(engine).items():
                if n:
                    print(f"  {table:32s} {n:>10,}")
        if not args.seed_only:
            measure_console(args.dir, url, args.requests, args.explain)
            if args.new:
                day = new_reports(args.corpus, args.lures, args.new, 2_000_000 + random.randrange(10**6))
                measure_assignment(args.dir, url, day, "at full size")
            sizes(engine)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
