"""Pulling remote feeds over real HTTP on loopback: another Watchword's TAXII 2.1 server (incremental,
revocations withdrawn, bounded with the rest kept for the next pull), a MISP feed served by the
standard library's http.server (manifest timestamps, TLP kept, redirects refused), the worker's
periodic job and the `watchword feeds pull` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from tests.support.intel import intel_runtime, seed_campaign
from tests.support.taxii_server import serve
from watchword.intel import pull, taxii
from watchword.runtime import Runtime
from watchword.services import accounts, decisions
from watchword.services.bulletins import share_for_export
from watchword.store.models import Job, utcnow
from watchword.store.models_intel import FeedPull, ImportBatch, KnownBad, TaxiiObject
from watchword.worker import build_worker

if TYPE_CHECKING:
    from pymisp import MISPEvent

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

# -- helpers -------------------------------------------------------------------------------


def _feeds_file(path: Path, *tables: dict[str, Any]) -> Path:
    lines = []
    for table in tables:
        lines.append("[[feed]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _known(rt: Runtime, source: str) -> dict[tuple[str, str], str]:
    """(type, value) -> the TLP of the batch that last asserted it."""
    with rt.db.session() as session:
        rows = session.execute(
            select(KnownBad.type, KnownBad.value, ImportBatch.stats)
            .join(ImportBatch, ImportBatch.id == KnownBad.batch_id)
            .where(KnownBad.source == source)
        ).all()
        return {(t, v): stats.get("tlp", "") for t, v, stats in rows}


@pytest.fixture
def producer(tmp_path: Path) -> Iterator[tuple[Runtime, int, str, str]]:
    """A second Watchword with one malicious campaign published at TLP:GREEN, served on loopback."""
    with intel_runtime(tmp_path / "producer") as rt:
        seeded = seed_campaign(rt, count=3)
        with rt.db.write() as session:
            share, _ = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id, tlp="green")
            taxii.publish(session, share, "test")
            token, _row = accounts.create_token(session, "consumer", "read", "test")
        collection = taxii.collection_for_level(rt.settings.org_name, "green").id
        with serve(rt) as url:
            yield rt, seeded.campaign_id, token, f"{url}/taxii2/api/collections/{collection}/"


def _consumer(tmp_path: Path, **settings: Any) -> Runtime:
    (tmp_path / "consumer").mkdir(exist_ok=True)
    return intel_runtime(tmp_path / "consumer", **settings)


def _set_verdict(rt: Runtime, campaign_id: int, verdict: str) -> None:
    with rt.db.write() as session:
        decisions.set_verdict(session, campaign_id, verdict, actor="analyst")
    build_worker(rt).run_until_idle()


# -- TAXII ---------------------------------------------------------------------------------


def test_pulling_another_watchwords_taxii_collection_is_incremental_and_follows_revocations(
    producer: tuple[Runtime, int, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt_b, campaign_id, token, collection_url = producer
    monkeypatch.setenv("PARTNER_TAXII_TOKEN", token)
    feeds = _feeds_file(
        tmp_path / "feeds.toml",
        {
            "name": "partner",
            "kind": "taxii",
            "url": collection_url,
            "auth": "token",
            "secret_env": "PARTNER_TAXII_TOKEN",
        },
    )
    with _consumer(tmp_path, feeds_file=feeds) as rt:
        first = pull.pull_all(rt.db, rt.settings)
        assert [r.failed for r in first] == [False] and first[0].complete
        assert first[0].fetched > 10 and first[0].indicators > 0 and first[0].bytes > 0
        known = _known(rt, "pull:partner")
        assert ("domain", "apply.talent-partners-global.com") in known
        assert set(known.values()) == {"green"}  # the producer's TLP, kept
        with rt_b.db.session() as session:
            published_indicators = sum(
                1 for row in session.scalars(select(TaxiiObject)) if row.stix_type == "indicator"
            )
        assert len(known) == published_indicators

        again = pull.pull_all(rt.db, rt.settings)[0]
        assert (again.fetched, again.indicators, again.batches) == (0, 0, [])  # nothing new: nothing fetched

        _set_verdict(rt_b, campaign_id, "suspicious")  # the producer publishes new versions
        changed = pull.pull_all(rt.db, rt.settings)[0]
        assert 0 < changed.fetched < first[0].fetched  # only the new versions
        assert _known(rt, "pull:partner").keys() == known.keys()

        _set_verdict(rt_b, campaign_id, "benign")  # the producer revokes
        withdrawn = pull.pull_all(rt.db, rt.settings)[0]
        assert withdrawn.withdrawn == len(known) and withdrawn.indicators == 0
        assert _known(rt, "pull:partner") == {}
        with rt.db.session() as session:
            state = session.get(FeedPull, "partner")
            assert state is not None and state.cursor and state.last_error == "" and state.last_ok_at is not None


def test_a_taxii_pull_stops_at_its_byte_bound_keeps_what_it_has_and_goes_on_next_time(
    producer: tuple[Runtime, int, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rt_b, _campaign_id, token, collection_url = producer
    secret = tmp_path / "partner.token"
    secret.write_text(token + "\n", encoding="utf-8")
    table = {"name": "partner", "kind": "taxii", "url": collection_url, "auth": "basic", "user": "us"}
    feeds = _feeds_file(tmp_path / "feeds.toml", table | {"secret_file": str(secret), "page_size": 4})
    with _consumer(tmp_path, feeds_file=feeds, feeds_pull_max_bytes=12_000) as rt:
        rt.settings = dataclasses.replace(rt.settings, feeds_pull_timeout_seconds=0.0)
        timed_out = pull.pull_all(rt.db, rt.settings)[0]
        assert not timed_out.complete and "time bound" in timed_out.error and timed_out.fetched == 0
        rt.settings = dataclasses.replace(rt.settings, feeds_pull_timeout_seconds=120.0)
        bounded = pull.pull_all(rt.db, rt.settings)[0]
        assert not bounded.complete and not bounded.failed and "byte bound" in bounded.error
        assert bounded.fetched > 0 and bounded.bytes <= 12_000 + 64 * 1024
        partial = _known(rt, "pull:partner")
        rt.settings = dataclasses.replace(rt.settings, feeds_pull_max_bytes=50 * 1024 * 1024)
        rest = pull.pull_all(rt.db, rt.settings)[0]
        assert rest.complete and rest.fetched > 0
        everything = _known(rt, "pull:partner")
        assert set(partial) < set(everything)
        # Compared with one unbounded pull from the start: the same values.
        with rt.db.write() as session:
            session.execute(delete(FeedPull))
        fresh = pull.pull_all(rt.db, rt.settings)[0]
        assert fresh.fetched > rest.fetched and _known(rt, "pull:partner") == everything
        # A wrong secret is a failed pull: nothing kept, the position unchanged, the error recorded.
        secret.write_text("ww_wrong", encoding="utf-8")  # the file is read at each pull
        failed = pull.pull_all(rt.db, rt.settings)[0]
        assert failed.failed and "401" in failed.error
        with rt.db.session() as session:
            state = session.get(FeedPull, "partner")
            assert state is not None and "401" in state.last_error


# -- MISP feed over http.server --------------------------------------------------------------


class _FeedHandler(http.server.SimpleHTTPRequestHandler):
    key = ""
    seen: ClassVar[list[str]] = []
    redirect_to = ""

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        if self.key and self.headers.get("Authorization") != self.key:
            self.send_error(403)
            return
        if self.path.startswith("/moved/"):
            self.send_response(302)
            self.send_header("Location", self.redirect_to + self.path)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def _http_server(directory: Path, key: str) -> Iterator[tuple[str, type[_FeedHandler]]]:
    handler = type("Handler", (_FeedHandler,), {"key": key, "seen": [], "redirect_to": "http://127.0.0.1:9"})

    def make(*args: Any) -> _FeedHandler:
        return handler(*args, directory=str(directory))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _misp_event(info: str, tlp: str, values: list[tuple[str, str]], when: int) -> MISPEvent:
    from pymisp import MISPEvent, MISPOrganisation

    event = MISPEvent()
    event.info = info
    org = MISPOrganisation()
    org.name, org.uuid = "Partner CERT", "5d5e1a2b-1111-4c2d-9e6f-7a8b9c0d1e2f"
    event.Orgc = org
    event.add_tag(f"tlp:{tlp}")
    for kind, value in values:
        event.add_attribute(kind, value, to_ids=True)
    event.timestamp = dt.datetime.fromtimestamp(when, dt.UTC)
    return event


def _write_feed(directory: Path, events: list[MISPEvent]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}
    for event in events:
        feed = event.to_feed(with_meta=True)["Event"]
        manifest.update(feed.pop("_manifest"))
        feed.pop("_hashes", None)
        (directory / f"{event.uuid}.json").write_text(json.dumps({"Event": feed}), encoding="utf-8")
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_pulling_a_misp_feed_over_http_fetches_only_changed_events_and_keeps_tlp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "www"
    one = _misp_event(
        "Invoice kit",
        "amber",
        [("domain", "invoice-kit-misp.com"), ("url", "https://pay.invoice-kit-misp.com/x")],
        1_700_000_000,
    )
    two = _misp_event("Recruiter kit", "green", [("email-src", "hr@recruit-misp-kit.net")], 1_700_000_100)
    _write_feed(root / "feed", [one, two])
    monkeypatch.setenv("MISP_FEED_KEY", "k3y")
    with _http_server(root, "k3y") as (url, handler):
        feeds = _feeds_file(
            tmp_path / "feeds.toml",
            {"name": "cert", "kind": "misp", "url": f"{url}/feed", "auth": "header", "secret_env": "MISP_FEED_KEY"},
            {
                "name": "moved",
                "kind": "misp",
                "url": f"{url}/moved/feed/",
                "auth": "header",
                "secret_env": "MISP_FEED_KEY",
            },
        )
        with _consumer(tmp_path, feeds_file=feeds) as rt:
            cert, moved = pull.pull_all(rt.db, rt.settings)
            assert (cert.fetched, cert.indicators, cert.complete) == (2, 3, True)
            assert _known(rt, "pull:cert") == {
                ("domain", "invoice-kit-misp.com"): "amber",
                ("url", "https://pay.invoice-kit-misp.com/x"): "amber",
                ("email", "hr@recruit-misp-kit.net"): "green",
            }
            assert moved.failed and "302" in moved.error and _known(rt, "pull:moved") == {}
            assert not any(p.startswith("/feed") and "127.0.0.1:9" in p for p in handler.seen)
            assert all(p.startswith(("/feed/", "/moved/feed/")) for p in handler.seen)

            handler.seen.clear()
            assert pull.pull_all(rt.db, rt.settings, only="cert")[0].fetched == 0
            assert handler.seen == ["/feed/manifest.json"]

            two.add_attribute("domain", "recruit-misp-kit.net", to_ids=True)
            two.timestamp = dt.datetime.fromtimestamp(1_700_000_500, dt.UTC)
            _write_feed(root / "feed", [one, two])
            handler.seen.clear()
            changed = pull.pull_all(rt.db, rt.settings, only="cert")[0]
            assert changed.fetched == 1 and handler.seen == ["/feed/manifest.json", f"/feed/{two.uuid}.json"]
            assert ("domain", "recruit-misp-kit.net") in _known(rt, "pull:cert")


def test_the_worker_pulls_on_its_schedule_and_the_command_pulls_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "www"
    _write_feed(root / "feed", [_misp_event("Kit", "clear", [("domain", "scheduled-misp-kit.com")], 1_700_000_000)])
    with _http_server(root, "") as (url, _handler):
        feeds = _feeds_file(tmp_path / "feeds.toml", {"name": "open", "kind": "misp", "url": f"{url}/feed/"})
        with _consumer(tmp_path, feeds_file=feeds, feeds_pull_interval_minutes=30) as rt:
            build_worker(rt).run_until_idle()
            assert _known(rt, "pull:open") == {("domain", "scheduled-misp-kit.com"): "clear"}
            with rt.db.session() as session:
                waiting = session.scalars(select(Job).where(Job.kind == pull.JOB_KIND, Job.status == "queued")).all()
                assert len(waiting) == 1
                run_after = waiting[0].run_after
                assert (run_after if run_after.tzinfo else run_after.replace(tzinfo=dt.UTC)) > utcnow()

        from watchword.cli import app

        monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path / "consumer"))
        monkeypatch.delenv("WATCHWORD_DATABASE_URL", raising=False)
        monkeypatch.setenv("WATCHWORD_FEEDS_FILE", str(feeds))
        invoke: Callable[[list[str]], Any] = lambda args: CliRunner().invoke(app, args, catch_exceptions=False)  # noqa: E731
        done = invoke(["feeds", "pull"])
        assert done.exit_code == 0, done.output
        assert "open (misp): 0 fetched" in done.output and "complete" in done.output
        assert invoke(["feeds", "pull", "--feed", "nope"]).exit_code == 3
        listed = invoke(["feeds", "pulled"])
        assert listed.exit_code == 0 and listed.output.startswith("open\tmisp\t")
