"""The MISP feed a partner's MISP subscribes to, and false positives as MISP says them.

The feed is checked with PyMISP as MISP reads it: every event file loads in `MISPEvent`,
and PyMISP's own feed tool (`pymisp.tools.feed.feed_meta_generator`), run over our event
files, writes the same manifest.json and hashes.csv we wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.intel import INTERNAL, RECIPIENTS, intel_runtime, seed_campaign
from watchword.intel import flags, formats, misp_feed
from watchword.services import accounts
from watchword.services.bulletins import share_for_export
from watchword.services.sharing import build_misp_feed, export_misp_feed
from watchword.store.models import AuditEvent, Campaign, Indicator, ReportIndicator
from watchword.web.app import create_app

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

MANIFEST_KEYS = {"info", "date", "threat_level_id", "analysis", "timestamp", "Orgc", "Tag"}
FALSE_URL = "https://apply.talent-partners-global.com/terms"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], Result]:
    from watchword.cli import app

    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WATCHWORD_DATABASE_URL", raising=False)
    monkeypatch.setenv("WATCHWORD_INTERNAL_DOMAINS", INTERNAL)
    monkeypatch.setenv("WATCHWORD_ORG_NAME", "Acme Security")
    monkeypatch.setenv("WATCHWORD_PUBLIC_BASE_URL", "https://watchword.acme.example")
    runner = CliRunner()
    return lambda args: runner.invoke(app, args, catch_exceptions=False)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_the_feed_is_laid_out_as_misp_subscribes_to_it_and_is_the_same_on_every_run(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    from pymisp import MISPEvent
    from pymisp.tools.feed import feed_meta_generator

    with intel_runtime(tmp_path) as rt:
        shared = seed_campaign(rt, count=3).campaign_id
        unjudged = seed_campaign(rt, count=1, title="Not judged yet").campaign_id
        benign = seed_campaign(rt, count=1, title="A newsletter").campaign_id
        with rt.db.write() as session:
            session.get(Campaign, unjudged).verdict = None  # type: ignore[union-attr]
            session.get(Campaign, benign).verdict = "benign"  # type: ignore[union-attr]

    out = tmp_path / "feed"
    written = run(["export", "misp-feed", "--out", str(out), "--tlp", "green"])
    assert written.exit_code == 0, written.stderr
    assert f"1 events in {out} (campaigns {shared})" in written.stdout
    files = _files(out)
    manifest = json.loads(files["manifest.json"])
    assert len(manifest) == 1
    (event_uuid,) = manifest
    assert set(files) == {"manifest.json", "hashes.csv", f"{event_uuid}.json"}
    assert set(manifest[event_uuid]) == MANIFEST_KEYS
    assert manifest[event_uuid]["Orgc"]["name"] == "Acme Security"
    assert {t["name"] for t in manifest[event_uuid]["Tag"]} >= {"tlp:green"}

    event = MISPEvent()
    event.load_file(str(out / f"{event_uuid}.json"))
    assert event.uuid == event_uuid and event.published
    values = {a.value: a for a in event.attributes}
    assert "talent-partners-global.com" in values and values["talent-partners-global.com"].to_ids
    assert all(a.sightings for a in event.attributes)

    # PyMISP's own feed tool over our event files writes the manifest and hashes we wrote.
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    shutil.copy(out / f"{event_uuid}.json", theirs)
    feed_meta_generator(theirs)
    assert json.loads((theirs / "manifest.json").read_text()) == manifest
    assert sorted((theirs / "hashes.csv").read_text().splitlines()) == sorted(files["hashes.csv"].decode().splitlines())

    # Nothing about the people targeted, nor our own domain, in any file.
    everything = b"".join(files.values()).decode().lower()
    for name, address in RECIPIENTS:
        assert address not in everything and address.split("@")[0] not in everything
        assert name.split()[-1].lower() not in everything
    assert INTERNAL not in everything

    # Deterministic: a second run writes the same bytes (uuids and timestamps from the data).
    again = run(["export", "misp-feed", "--out", str(out), "--tlp", "green"])
    assert again.exit_code == 0, again.stderr
    assert _files(out) == files

    # The verdict withdrawn: the event leaves the manifest and its file goes; the rest stays.
    (out / "README").write_text("not ours")
    with intel_runtime(tmp_path) as rt, rt.db.write() as session:
        session.get(Campaign, shared).verdict = "benign"  # type: ignore[union-attr]
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "intel.export")))
        assert events and events[-1].detail["format"] == "misp-feed"
    emptied = run(["export", "misp-feed", "--out", str(out)])
    assert emptied.exit_code == 0, emptied.stderr
    assert "1 no longer shared removed" in emptied.stdout
    assert json.loads((out / "manifest.json").read_text()) == {}
    assert sorted(p.name for p in out.iterdir()) == ["README", "hashes.csv", "manifest.json"]


def test_a_campaign_left_out_is_named_with_the_reason_and_the_others_still_go(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        shared = seed_campaign(rt, count=2).campaign_id
        unjudged = seed_campaign(rt, count=1, title="Not judged yet").campaign_id
        with rt.db.write() as session:
            session.get(Campaign, unjudged).verdict = None  # type: ignore[union-attr]
            feed = build_misp_feed(session, rt.settings, campaign_ids=[shared, unjudged])
        assert feed.campaigns == [shared]
        assert "No analyst has given this campaign a verdict yet" in feed.left_out[unjudged]


def test_an_analysts_false_positive_goes_to_misp_as_such_and_nowhere_else(tmp_path: Path) -> None:
    """GIVEN a malicious campaign and one of its URLs marked false positive (and gmail.com, on a
    warninglist, marked too) WHEN every format is exported THEN the MISP event and the MISP feed
    carry the URL with to_ids false and one false-positive sighting (type 1), and STIX, CSV and
    every blocklist leave it out; gmail.com goes nowhere."""
    from pymisp import MISPEvent

    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2)
        now = dt.datetime.now(dt.UTC)
        with rt.db.write() as session:
            gmail = Indicator(type="domain", value="gmail.com", first_seen=now, last_seen=now, report_count=2)
            session.add(gmail)
            session.flush()
            for report_id in seeded.report_ids:
                session.add(ReportIndicator(report_id=report_id, indicator_id=gmail.id))
            flags.set_flag(session, "url", FALSE_URL, "false_positive", "ana", "a terms page, not the kit")
            flags.set_flag(session, "domain", "gmail.com", "false_positive", "ana")
        with rt.db.write() as session:
            share, subject = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id)
            assert [i.value for i in share.false_positives] == [FALSE_URL]
            assert FALSE_URL not in {i.value for i in share.indicators}
            bodies = {fmt: formats.render(share, fmt, subject)[0] for fmt in formats.FORMATS}
            feed = misp_feed.feed_event(share, subject)

        for event_json in (bodies["misp.json"], feed.body):
            attributes = {a["value"]: a for a in json.loads(event_json)["Event"]["Attribute"]}
            wrong = attributes[FALSE_URL]
            assert wrong["to_ids"] is False
            assert [s["type"] for s in wrong["Sighting"]] == ["1"]
            assert "false positive" in wrong["comment"]
            assert attributes["https://apply.talent-partners-global.com/form"]["to_ids"] is True
            assert "gmail.com" not in attributes
        event = MISPEvent()
        event.load(feed.body)
        assert [s.type for a in event.attributes if a.value == FALSE_URL for s in a.sightings] == ["1"]

        for fmt, body in bodies.items():
            if fmt == "misp.json":
                continue
            assert "/terms" not in body, fmt
            assert "gmail.com" not in body, fmt
        assert "https://apply.talent-partners-global.com/form" in bodies["urls.txt"]
        assert FALSE_URL not in {row["value"] for row in csv.DictReader(io.StringIO(bodies["csv"]))}


def test_a_misp_instance_pulls_the_feed_over_http_with_a_read_token(tmp_path: Path) -> None:
    """What a MISP instance configured with the feed URL and an Authorization header fetches:
    the manifest, the hashes and each event file it lists, the same as the command writes."""
    from pymisp import MISPEvent

    with intel_runtime(tmp_path) as rt:
        campaign = seed_campaign(rt, count=2).campaign_id
        with rt.db.write() as session:
            read, _ = accounts.create_token(session, "misp", "read", "admin")
            submit_only, _ = accounts.create_token(session, "form", "submit", "admin")
        client = TestClient(create_app(rt))
        auth = {"Authorization": f"Bearer {read}"}
        manifest = client.get("/feeds/misp/manifest.json", headers=auth)
        assert manifest.status_code == 200, manifest.text
        (event_uuid,) = manifest.json()
        assert set(manifest.json()[event_uuid]) == MANIFEST_KEYS
        event = client.get(f"/feeds/misp/{event_uuid}.json", headers=auth)
        assert event.status_code == 200
        loaded = MISPEvent()
        loaded.load(event.text)
        assert loaded.uuid == event_uuid and loaded.attributes
        hashes = client.get("/feeds/misp/hashes.csv", headers=auth).text.splitlines()
        assert {line.split(",")[1] for line in hashes} == {event_uuid}
        assert len(hashes) == len(loaded.attributes) + sum(len(o.attributes) for o in loaded.objects)

        out = tmp_path / "written"
        with rt.db.write() as session:
            written = export_misp_feed(session, rt.settings, out, "test")
        assert written.campaigns == [campaign]
        assert (out / f"{event_uuid}.json").read_text() == event.text  # one feed, by file or by HTTP

        assert client.get("/feeds/misp/manifest.json").status_code == 401
        assert (
            client.get("/feeds/misp/manifest.json", headers={"Authorization": f"Bearer {submit_only}"}).status_code
            == 403
        )
        assert client.get(f"/feeds/misp/{'0' * 8}-0000-4000-8000-{'0' * 12}.json", headers=auth).status_code == 404
        assert client.get("/feeds/misp/..%2Fsecret.json", headers=auth).status_code == 404


def test_a_subject_that_still_names_a_target_is_left_out_and_the_event_still_goes(tmp_path: Path) -> None:
    """The redacted subject is context in MISP's email object: when the leak check still finds a
    targeted person in it, the event (single or in the feed) goes without it, and says so."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2)
        name, address = RECIPIENTS[0]
        with rt.db.write() as session:
            share, _subject = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id)
        for leaky in (f"Offer for {address}", f"Offer for {name}"):
            share.withheld.pop(formats.SUBJECT_LEFT_OUT, None)
            body, _ = formats.render(share, "misp.json", leaky)
            feed = misp_feed.feed_event(share, leaky)
            for text in (body, feed.body):
                assert address not in text and name not in text
                assert "talent-partners-global.com" in text
            assert share.withheld[formats.SUBJECT_LEFT_OUT] == 2
        clean, _ = formats.render(share, "misp.json", "Exclusive consulting role")
        assert "Exclusive consulting role" in clean
