"""Console page latency at scale: fill a store with synthetic reports, then time pages over HTTP.

    .venv/bin/python bench/console.py [--reports 1000000] [--dir /tmp/ww-bench-console]
                                      [--requests 300] [--corpus /work/shared/data] [--reuse]

1. Fill (skipped with --reuse when the store exists): real messages from
   CORPUS/{phishing,spam} (read only, never copied; without the corpus the
   texts are generated) go through the real pipeline once each; their
   analyses are the templates for N synthetic reports written in bulk
   (executemany straight into SQLite, not through the worker): reports,
   analyses, indicators and links, campaigns (sizes skewed: a few very large),
   and the full-text index.
2. Serve: `watchword serve --no-worker` in a subprocess on 127.0.0.1.
3. Measure: sequential GETs with one keep-alive client, as one analyst
   clicking: the queue (campaigns, filtered, unassigned reports, and keyset
   pages after the first), search (common and rare words, indicator values),
   report pages and campaign pages (random ids; the largest campaigns
   included), the dashboard (7, 30 and 90 days) and the indicators list (value
   search, type, campaign verdict, known-legitimate and flag filters).
   Prints p50/p95/max per page after a warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from watchword.config import Settings  # noqa: E402
from watchword.runtime import open_runtime  # noqa: E402

BODY_CHARS = 2000  # per report in the analysis and the index: keeps 1M reports to a few GB
APPROACHES = [
    "credential_phishing",
    "malware_delivery",
    "invoice_or_payment_fraud",
    "fake_recruitment",
    "elicitation",
    "inducement",
    "fake_profile_or_impersonation",
    "scam_or_spam",
]
CHANNELS = ["email", "web", "api", "import"]
WORDS = [
    "account",
    "invoice",
    "payment",
    "password",
    "urgent",
    "verify",
    "mailbox",
    "security",
    "update",
    "delivery",
    "parcel",
    "wire",
    "transfer",
    "recruiter",
    "consulting",
    "research",
    "position",
    "salary",
    "conference",
    "travel",
    "gift",
    "prize",
    "bank",
    "login",
    "confirm",
    "document",
    "shared",
    "signature",
    "contract",
    "quarterly",
    "board",
    "supplier",
    "order",
    "refund",
    "tax",
    "office",
    "suspended",
]


@dataclass
class Template:
    subject: str
    body: str
    approach: str
    risk: float
    result: dict[str, Any]
    indicators: list[tuple[str, str]]


def _templates(corpus: Path, limit: int) -> list[Template]:
    from watchword.analysis.pipeline import analyze_report

    files: list[Path] = []
    for folder in ("phishing", "spam"):
        if (corpus / folder).is_dir():
            files.extend(sorted((corpus / folder).glob("*.eml"))[: limit // 2])
    out: list[Template] = []
    if not files:
        print(f"corpus not found at {corpus}: generating texts instead", file=sys.stderr)
        rng = random.Random(7)
        for n in range(limit):
            words = " ".join(rng.choice(WORDS) for _ in range(120))
            host = f"{rng.choice(WORDS)}-{n}.example.net"
            raw = (
                f"From: x@{host}\r\nSubject: {' '.join(rng.choice(WORDS) for _ in range(5))}\r\n\r\n"
                f"{words} https://{host}/login\r\n"
            ).encode()
            out.append(_template(analyze_report("", raw)))
        return out
    for path in files:
        try:
            out.append(_template(analyze_report("", path.read_bytes())))
        except Exception as exc:  # noqa: BLE001 - a template that fails is skipped, the bench goes on
            print(f"skip {path.name}: {exc}", file=sys.stderr)
    return out


def _template(analysis: Any) -> Template:
    result = analysis.to_dict()
    result["body_text"] = result["body_text"][:BODY_CHARS]
    result["shingles"] = []
    result["links"] = result["links"][:40]
    approach = analysis.approach_type if analysis.approach_type in APPROACHES else "credential_phishing"
    return Template(
        subject=analysis.subject[:200] or "(no subject)",
        body=result["body_text"],
        approach=approach,
        risk=float(analysis.risk),
        result=result,
        indicators=[(i["type"], i["value"][:2048]) for i in analysis.indicators][:6],
    )


class Rows:
    """Positional INSERT for one table, every column named: a value given or the model's default.

    Built from the models at run time, so that columns other areas add do not
    break the bench (raw executemany is several times faster than the ORM).
    """

    def __init__(self, table: str, given: list[str]) -> None:
        from watchword.store.schema import metadata

        columns = list(metadata.tables[table].columns)
        self.names = [c.name for c in columns]
        self.given = given
        self.defaults: dict[str, Any] = {}
        for column in columns:
            if column.name in given:
                continue
            default = getattr(column.default, "arg", None)
            if callable(default):
                default = default(None)  # SQLAlchemy wraps a column's default callable to take a context
            if isinstance(default, dict | list):
                default = json.dumps(default)
            elif isinstance(default, dt.datetime):
                default = default.replace(tzinfo=None).isoformat(" ")
            elif isinstance(default, bool):
                default = int(default)
            self.defaults[column.name] = default
        self.sql = f"INSERT INTO {table} ({', '.join(self.names)}) VALUES ({', '.join('?' * len(self.names))})"
        self._positions = [(given.index(n) if n in given else -1, self.defaults.get(n)) for n in self.names]

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(values[i] if i >= 0 else default for i, default in self._positions)


REPORT_COLS = [
    "id",
    "public_id",
    "created_at",
    "channel",
    "status",
    "dedupe_key",
    "sightings",
    "last_sighted_at",
    "subject",
    "approach_type",
    "scope",
    "risk",
    "campaign_id",
    "verdict",
]
CAMPAIGN_COLS = [
    "id",
    "title",
    "status",
    "approach_type",
    "risk",
    "first_seen",
    "last_seen",
    "report_count",
    "sighting_count",
    "reporter_count",
    "surging",
    "priority",
]


def fill(path: Path, n_reports: int, corpus: Path) -> None:
    settings = _settings(path)
    rt = open_runtime(settings, migrate=True)  # creates the schema through the real migrations
    rt.close()
    started = time.perf_counter()
    templates = _templates(corpus, 400)
    print(f"{len(templates)} templates analysed in {time.perf_counter() - started:.1f}s")
    rng = random.Random(42)
    db = sqlite3.connect(path / "watchword.db", isolation_level=None)
    # Bulk load only: no journal and no fsync; the app reopens it with its own settings.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute("BEGIN")
    n_campaigns = max(n_reports // 50, 10)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    span = dt.timedelta(days=180).total_seconds()

    # Campaigns: each keeps one template and two indicators of its own.
    indicator_ids: dict[tuple[str, str], int] = {}

    def indicator(kind: str, value: str) -> int:
        key = (kind, value)
        if key not in indicator_ids:
            indicator_ids[key] = len(indicator_ids) + 1
        return indicator_ids[key]

    campaigns: list[dict[str, Any]] = []
    for number in range(n_campaigns):
        t = templates[number % len(templates)]
        host = f"{rng.choice(WORDS)}-{number}.lure-example.com"
        campaigns.append(
            {
                "id": number + 1,
                "template": t,
                "own": [indicator("domain", host), indicator("url", f"https://{host}/{number}")],
                "count": 0,
                "first": None,
                "last": None,
            }
        )
    # Sizes are skewed: campaign 1 gathers about 5% of all reports, most have a handful.
    print("writing reports, analyses, index…")
    report_rows: list[Any] = []
    analysis_rows: list[Any] = []
    link_rows: list[Any] = []
    fts_rows: list[Any] = []
    report_table = Rows("reports", REPORT_COLS)
    campaign_table = Rows("campaigns", CAMPAIGN_COLS)
    analysis_json = [json.dumps(t.result) for t in templates]
    t_index = {id(t): i for i, t in enumerate(templates)}
    for i in range(1, n_reports + 1):
        assigned = rng.random() < 0.9
        c = campaigns[min(int(n_campaigns * rng.random() ** 3), n_campaigns - 1)] if assigned else None
        t = c["template"] if c else templates[rng.randrange(len(templates))]
        created = now - dt.timedelta(seconds=span * (1 - i / n_reports) + rng.random() * 3600)
        stamp = created.strftime("%Y-%m-%d %H:%M:%S.%f")
        risk = round(min(1.0, max(0.0, t.risk + rng.uniform(-0.1, 0.1))), 4)
        token = f"{rng.choice(WORDS)} ref{rng.randrange(10**6)}"
        subject = f"{t.subject} {token}"[:500]
        verdict = rng.choice(["malicious", "suspicious", "benign"]) if rng.random() < 0.3 else None
        report_rows.append(
            report_table.row(
                (
                    i,
                    f"{i:032x}",
                    stamp,
                    rng.choice(CHANNELS),
                    "analysed",
                    f"{i:064x}",
                    1,
                    stamp,
                    subject,
                    t.approach,
                    "in_scope",
                    risk,
                    c["id"] if c else None,
                    verdict,
                )
            )
        )
        analysis_rows.append((i, 1, stamp, analysis_json[t_index[id(t)]]))
        ids = list(c["own"]) if c else []
        ids += [indicator(k, v) for k, v in t.indicators[:2]]
        link_rows.extend((i, ind) for ind in dict.fromkeys(ids))
        fts_rows.append(
            (i, subject, t.body, " ".join(v for _, v in t.indicators[:4]) + (f" {c['id']}" if c else ""), "")
        )
        if c:
            c["count"] += 1
            c["first"] = c["first"] or stamp
            c["last"] = stamp
        if len(report_rows) >= 20000:
            _flush(db, report_table.sql, report_rows, analysis_rows, link_rows, fts_rows)
            print(f"  {i:,} reports ({time.perf_counter() - started:.0f}s)", end="\r", flush=True)
    _flush(db, report_table.sql, report_rows, analysis_rows, link_rows, fts_rows)
    print()
    db.executemany(
        "INSERT INTO indicators (id, type, value, first_seen, last_seen, report_count) VALUES (?, ?, ?, ?, ?, 0)",
        [(n, k, v, now.isoformat(" "), now.isoformat(" ")) for (k, v), n in indicator_ids.items()],
    )
    db.execute(
        "UPDATE indicators SET report_count = (SELECT count(*) FROM report_indicators "
        "WHERE indicator_id = indicators.id)"
    )
    rows = []
    for c in campaigns:
        t = c["template"]
        reach = max(c["count"], 1)
        surging = rng.random() < 0.03
        priority = round(t.risk * (1 + math.log2(reach)) * (2 if surging else 1), 4)
        rows.append(
            campaign_table.row(
                (
                    c["id"],
                    f"{t.subject[:120]} (wave {c['id']})",
                    "open" if rng.random() < 0.7 else "closed",
                    t.approach,
                    t.risk,
                    c["first"] or now.isoformat(" "),
                    c["last"] or now.isoformat(" "),
                    c["count"],
                    c["count"],
                    c["count"],
                    int(surging),
                    priority,
                )
            )
        )
    db.executemany(campaign_table.sql, rows)
    db.executemany("INSERT INTO search_campaigns (rowid, title, notes) VALUES (?, ?, '')", [(r[0], r[1]) for r in rows])
    db.execute("COMMIT")
    print("optimising the index and gathering planner statistics…")
    db.execute("INSERT INTO search_reports (search_reports) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    size = (path / "watchword.db").stat().st_size / 1e9
    print(
        f"filled {n_reports:,} reports, {n_campaigns:,} campaigns, {len(indicator_ids):,} indicators "
        f"in {time.perf_counter() - started:.0f}s ({size:.1f} GB)"
    )


def _flush(
    db: sqlite3.Connection, report_sql: str, reports: list[Any], analyses: list[Any], links: list[Any], fts: list[Any]
) -> None:
    db.executemany(report_sql, reports)
    db.executemany("INSERT INTO analyses (report_id, version, created_at, result) VALUES (?, ?, ?, ?)", analyses)
    db.executemany("INSERT INTO report_indicators (report_id, indicator_id) VALUES (?, ?)", links)
    db.executemany("INSERT INTO search_reports (rowid, subject, body, indicators, notes) VALUES (?, ?, ?, ?, ?)", fts)
    for rows in (reports, analyses, links, fts):
        rows.clear()


def _settings(path: Path) -> Settings:
    return Settings(
        data_dir=path,
        database_url=f"sqlite:///{path / 'watchword.db'}",
        blob_dir=path / "blobs",
        secret_key_file=path / "secret.key",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return (
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
        f"max {ordered[-1] * 1000:7.1f} ms   n={len(ordered)}"
    )


def measure(path: Path, n_requests: int) -> None:
    settings = _settings(path)
    rt = open_runtime(settings, migrate=True)
    from sqlalchemy import func, select

    from watchword.services import accounts
    from watchword.store.models import Campaign, Report
    from watchword.store.models_people import User

    with rt.db.write() as session:
        if session.scalar(select(User.id).where(User.username == "bench")) is None:
            accounts.add_user(session, "bench", "bench password 123", "analyst", "bench")
        max_report = session.scalar(select(func.max(Report.id))) or 1
        max_campaign = session.scalar(select(func.max(Campaign.id))) or 1
    rt.close()
    port = _free_port()
    env = {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(path),
        "WATCHWORD_DATABASE_URL": settings.database_url,
        "WATCHWORD_SECRET_KEY_FILE": str(settings.secret_key_file),
        "WATCHWORD_WORKER_IN_PROCESS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "watchword", "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        for _ in range(200):
            try:
                client.get("/api/v1/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        form = client.get("/console/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/console/login",
            data={"username": "bench", "password": "bench password 123", "csrf": csrf, "next": "/console/"},
        )
        assert signed.status_code == 303, signed.text
        rng = random.Random(3)
        queue_urls = [
            "/console/",
            "/console/?view=reports",
            "/console/?status=any",
            "/console/?approach_type=fake_recruitment",
            "/console/?view=reports&channel=web",
            "/console/?verdict=none",
            "/console/?surging=1",
            "/console/?view=reports&verdict=malicious",
        ]
        terms = [*WORDS, "password reset", "lure-example.com", "wave", "microsoft", "bitcoin", "dhl", "paypal"]

        def queue_url() -> str:
            url = rng.choice(queue_urls)
            # Half the time, walk to a later page by following "Next page" (keyset cursors).
            if rng.random() < 0.5:
                html = client.get(url).text
                found = re.search(r'rel="next" href="([^"]+)"', html)
                if found:
                    return found.group(1).replace("&amp;", "&")
            return url

        pages = {
            "queue": queue_url,
            "search": lambda: f"/console/search?q={rng.choice(terms)}",
            "report": lambda: f"/console/reports/{rng.randint(1, max_report)}",
            # One in five on the five largest campaigns (ids 1..5 hold the most reports).
            "campaign": lambda: (
                f"/console/campaigns/{rng.randint(1, 5) if rng.random() < 0.2 else rng.randint(1, max_campaign)}"
            ),
        }
        indicator_urls = [
            "/console/indicators",
            "/console/indicators?q=lure-example",
            "/console/indicators?q=microsoft&type=domain",
            "/console/indicators?type=url&verdict=malicious",
            "/console/indicators?verdict=none",
            "/console/indicators?known=no&type=domain",
            "/console/indicators?flag=none&q=.com",
        ]
        pages["dashboard"] = lambda: f"/console/dashboard?days={rng.choice((7, 30, 90))}"
        pages["indicators"] = lambda: rng.choice(indicator_urls)
        for name, make in pages.items():
            for _ in range(20):  # warm-up: the OS page cache and SQLite's
                client.get(make())
            samples = []
            for _ in range(n_requests):
                url = make()
                t0 = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
            print(f"{name:9s} {_percentiles(samples)}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ww-bench-console"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("WATCHWORD_CORPUS", "/work/shared/data")))
    parser.add_argument("--reuse", action="store_true", help="measure an existing store without refilling it")
    args = parser.parse_args()
    db = args.dir / "watchword.db"
    if not (args.reuse and db.exists()):
        if args.dir.exists():
            for name in ("watchword.db", "watchword.db-wal", "watchword.db-shm"):
                (args.dir / name).unlink(missing_ok=True)
        args.dir.mkdir(parents=True, exist_ok=True)
        fill(args.dir, args.reports, args.corpus)
    measure(args.dir, args.requests)


if __name__ == "__main__":
    main()
