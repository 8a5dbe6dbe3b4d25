"""Known-bad feeds in (STIX, MISP event, MISP feed, CSV), live matching and retro-hunt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.intel import PHISH_HOST, REPLY_TO, SENDER, intel_runtime, recruiter_email, seed_campaign
from watchword.domain import Analysis, Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.intel import retrohunt
from watchword.intel.feeds import parse_csv, parse_misp_event, parse_path, parse_stix, pattern_values
from watchword.intel.retrohunt import import_feed, matches_for_campaign
from watchword.store.models import AnalysisRecord, Campaign, Job, Report
from watchword.store.models_intel import IntelMatch, KnownBad
from watchword.worker import Worker

STIX_FEED = {
    "type": "bundle",
    "id": "bundle--6b8b4b5e-1f3c-4f0e-9a55-0c9d2f7f6a11",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000001",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[domain-name:value = 'TALENT-PARTNERS-GLOBAL.COM']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
            "confidence": 85,
            "name": "recruiter lure domain",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000002",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[url:value = 'hxxps://evil[.]example.com/it\\'s'] OR [email-message:from_ref.value = "
            "'Offers@Talent-HR-Desk.net']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000003",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "[file:name = 'cv.pdf' AND file:hashes.'SHA-256' = "
            "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000004",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "revoked": True,
            "pattern": "[domain-name:value = 'revoked.example.com']",
            "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000006",
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-01T00:00:00.000Z",
            "pattern": "[domain-name:value = 'expired.example.com']",
            "pattern_type": "stix",
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_until": "2020-06-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a1b2c3d4-0000-4000-8000-000000000005",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "pattern": "rule x { condition: true }",
            "pattern_type": "yara",
            "valid_from": "2026-01-01T00:00:00Z",
        },
    ],
}

MISP_EVENT = {
    "Event": {
        "info": "Recruiter lure",
        "uuid": "5f0c6a3e-6c1d-4c5e-9b7a-1d2e3f4a5b6c",
        "Tag": [{"name": "tlp:green"}, {"name": 'misp:confidence-level="usually-confident"'}],
        "Attribute": [
            {"type": "domain", "category": "Network activity", "value": "talent-partners-global.com", "to_ids": True},
            {"type": "ip-dst|port", "category": "Network activity", "value": "203.0.113.9|8443", "to_ids": True},
            {
                "type": "filename|md5",
                "category": "Payload delivery",
                "value": "cv.doc|D41D8CD98F00B204E9800998ECF8427E",
                "to_ids": True,
            },
            {"type": "text", "category": "Other", "value": "just a note", "to_ids": False},
            {
                "type": "url",
                "category": "Network activity",
                "value": "https://old.example.com/",
                "to_ids": True,
                "deleted": True,
            },
        ],
        "Object": [
            {
                "name": "email",
                "Attribute": [
                    {
                        "object_relation": "from",
                        "type": "email-src",
                        "value": "sarah.whitfield@talent-partners-global.com",
                        "to_ids": False,
                    },
                    {"object_relation": "to", "type": "email-dst", "value": "victim@acme-intra.com", "to_ids": False},
                ],
            }
        ],
    }
}


def test_stix_patterns_give_values_and_narrowing_patterns_give_only_their_hashes() -> None:
    result = parse_stix(STIX_FEED, default_confidence=40)
    got = {(i.type, i.value, i.confidence) for i in result.indicators}
    assert got == {
        ("domain", "talent-partners-global.com", 85),
        ("url", "https://evil.example.com/it's", 40),
        ("email", "offers@talent-hr-desk.net", 40),
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 40),
    }
    assert result.skipped == 3  # the revoked one, the expired one and the YARA rule
    assert list(pattern_values("[file:name = 'a.exe' AND url:value = 'http://x.example.com/']")) == []


def test_misp_event_attributes_composites_and_objects_by_role() -> None:
    result = parse_misp_event(MISP_EVENT)
    got = {(i.type, i.value, i.confidence) for i in result.indicators}
    assert got == {
        ("domain", "talent-partners-global.com", 75),
        ("ipv4", "203.0.113.9", 75),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e", 75),
        ("email", "sarah.whitfield@talent-partners-global.com", 75),
    }  # not the note, not the deleted URL, never the victim in `to`


def test_misp_feed_directory_with_manifest(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    uuid = MISP_EVENT["Event"]["uuid"]
    (feed / "manifest.json").write_text(
        json.dumps({uuid: {"info": "Recruiter lure"}, "../../etc/passwd": {"info": "path trick"}})
    )
    (feed / f"{uuid}.json").write_text(json.dumps(MISP_EVENT))
    result = parse_path(feed)
    assert result.format == "misp-feed"
    assert ("ipv4", "203.0.113.9") in {(i.type, i.value) for i in result.indicators}
    assert result.skipped >= 1


def test_csv_with_header_and_bare_lists_with_type_inference() -> None:
    with_header = parse_csv(
        "type,value,confidence\ndomain,Evil.Example.com.,90\nurl,hxxp://evil[.]example.com/x,\n"
        "email,not-an-address,10\n"
    )
    assert {(i.type, i.value, i.confidence) for i in with_header.indicators} == {
        ("domain", "evil.example.com", 90),
        ("url", "http://evil.example.com/x", 50),
    }
    assert with_header.skipped == 1
    bare = parse_csv(
        "# a comment\nevil[.]example.com\n203.0.113.5\n2001:db8::5\nbad@evil.example.com\n"
        "https://evil.example.com/login\nd41d8cd98f00b204e9800998ecf8427e\n+44 20 7946 0958\n"
        "GB82 WEST 1234 5698 7654 32\nnonsense\n"
    )
    assert {i.type for i in bare.indicators} == {"domain", "ipv4", "ipv6", "email", "url", "md5", "phone", "iban"}
    assert bare.skipped == 1


def test_retrohunt_finds_stored_reports_raises_the_campaign_once_and_says_why(tmp_path: Path) -> None:
    """GIVEN a campaign of stored reports
    WHEN a feed naming its lure domain is imported
    THEN the retro-hunt matches every report, raises the campaign's priority once with the reason
    in its facts, and importing the same feed again raises nothing more."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=3)
        path = tmp_path / "feed.json"
        path.write_text(json.dumps(STIX_FEED))
        batch, hunted = import_feed(rt.db, path, "partner-isac", 50, "test")
        assert hunted is not None
        assert set(hunted.campaigns) == {seeded.campaign_id}
        with rt.db.session() as session:
            campaign = session.get(Campaign, seeded.campaign_id)
            assert campaign is not None
            # domain (85) and reply-to address (50): 10 * 0.85 + 10 * 0.5
            assert campaign.priority == 13.5
            reasons = campaign.facts["intel"]["reasons"]
            assert any("talent-partners-global.com from partner-isac (confidence 85)" in r for r in reasons)
            assert any(REPLY_TO in r for r in reasons)
            matched = matches_for_campaign(session, seeded.campaign_id)
            assert {m["value"]: m["reports"] for m in matched} == {"talent-partners-global.com": 3, REPLY_TO: 3}
            assert session.scalar(select(func.count()).select_from(IntelMatch)) == 6
        _, again = import_feed(rt.db, path, "partner-isac", 50, "test")
        assert again is not None and again.matches == 0 and again.campaigns == []
        with rt.db.session() as session:
            assert session.get(Campaign, seeded.campaign_id).priority == 13.5  # type: ignore[union-attr]
            assert session.scalar(select(func.count()).select_from(KnownBad)) == 4  # upserted, not duplicated
        assert batch.indicator_count == 4


def test_new_reports_are_matched_as_they_are_analysed(tmp_path: Path) -> None:
    """GIVEN a known-bad host from a MISP event
    WHEN a report linking to a page under that domain is analysed by the worker
    THEN a live match is recorded; once the report is in a campaign, matching raises that campaign."""
    with intel_runtime(tmp_path) as rt:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(MISP_EVENT))
        import_feed(rt.db, path, "misp-community", 50, "test", hunt="skip")
        receipt = submit(
            rt, IncomingReport(channel=Channel.API, raw_email=recruiter_email(9, "Jane Doe", "jane.doe@acme-intra.com"))
        )
        Worker(rt).run_until_idle()
        with rt.db.write() as session:
            via = session.scalars(select(IntelMatch.via).where(IntelMatch.report_id == receipt.report_id)).all()
            assert via and set(via) == {"live"}
            campaign = Campaign(title="lure", approach_type="fake_recruitment")
            session.add(campaign)
            session.flush()
            report = session.get(Report, receipt.report_id)
            assert report is not None
            report.campaign_id = campaign.id
            session.flush()
            analysis = Analysis(**session.get(AnalysisRecord, report.id).result)  # type: ignore[union-attr]
            assert retrohunt.match_report(session, report, analysis) >= 2
            assert campaign.priority > 0
            assert any(PHISH_HOST.split(".", 1)[1] in r for r in campaign.facts["intel"]["reasons"])
            assert any(SENDER in r for r in campaign.facts["intel"]["reasons"])


def test_a_queued_retrohunt_runs_in_the_worker(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2)
        path = tmp_path / "list.txt"
        path.write_text("talent-partners-global.com\n")
        batch, hunted = import_feed(rt.db, path, "analyst list", 100, "test", hunt="queue")
        assert hunted is None
        worker = Worker(rt)
        retrohunt.install(worker)
        worker.run_until_idle()
        with rt.db.session() as session:
            job = session.scalar(select(Job).where(Job.kind == retrohunt.RETROHUNT_JOB))
            assert job is not None and job.status == "done"
            assert session.get(Campaign, seeded.campaign_id).priority == 10.0  # type: ignore[union-attr]
            assert batch.id is not None


@pytest.mark.postgres
def test_retrohunt_live_matching_and_taxii_on_postgresql(tmp_path: Path, pg_store_url: str) -> None:
    """The same SQL on the production backend: INSERT ... SELECT ... ON CONFLICT, tuple IN, TAXII paging."""
    from watchword.intel import taxii
    from watchword.intel.selection import gather

    with intel_runtime(tmp_path, database_url=pg_store_url) as rt:
        seeded = seed_campaign(rt, count=2)
        path = tmp_path / "feed.json"
        path.write_text(json.dumps(STIX_FEED))
        _, hunted = import_feed(rt.db, path, "partner-isac", 50, "test")
        assert hunted is not None and hunted.campaigns == [seeded.campaign_id] and hunted.matches == 4
        receipt = submit(
            rt, IncomingReport(channel=Channel.API, raw_email=recruiter_email(7, "Jane Doe", "jane.doe@acme-intra.com"))
        )
        Worker(rt).run_until_idle()
        with rt.db.write() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(IntelMatch).where(IntelMatch.report_id == receipt.report_id)
                )
                == 2
            )
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id, tlp="amber")
            assert taxii.publish(session, share, "test") > 0
            assert taxii.publish(session, share, "test") == 0
            collection = taxii.collection_for_level(rt.settings.org_name, "amber").id
            first = taxii.query(session, collection, limit=3)
            assert first.more and first.next
            rest = taxii.query(session, collection, limit=1000, next_token=first.next)
            assert not rest.more
            after = taxii.query(session, collection, added_after=first.rows[-1].date_added)
            assert after.rows == []  # all were added in one publish, at one instant


def test_the_worker_raises_the_campaign_it_just_assigned_when_a_report_matches(tmp_path: Path) -> None:
    """GIVEN a known-bad reply-to address
    WHEN the worker analyses a report carrying it (campaign assignment, then known-bad matching)
    THEN the campaign the report joined shows the raised priority and the reason."""
    with intel_runtime(tmp_path) as rt:
        path = tmp_path / "list.csv"
        path.write_text(f"type,value,confidence\nemail,{REPLY_TO},70\n")
        import_feed(rt.db, path, "partner-isac", 50, "test", hunt="skip")
        receipt = submit(
            rt, IncomingReport(channel=Channel.API, raw_email=recruiter_email(3, "Jane Doe", "jane.doe@acme-intra.com"))
        )
        Worker(rt).run_until_idle()
        with rt.db.session() as session:
            report = session.get(Report, receipt.report_id)
            assert report is not None and report.campaign_id is not None
            campaign = session.get(Campaign, report.campaign_id)
            assert campaign is not None
            assert campaign.facts["intel"]["boost"] == 7.0
            assert campaign.facts["intel"]["reasons"] == [
                f"matches known-bad email {REPLY_TO} from partner-isac (confidence 70)"
            ]
            assert campaign.priority >= 7.0


def test_the_known_bad_lookup_finds_awkward_values_exactly_on_both_stores(any_rt: object) -> None:
    """The worker's batch lookup (one JSON text on SQLite, two arrays on PostgreSQL) finds each
    stored pair under its own row, a NUL value included (bound by value on SQLite), and nothing
    for a pair that is not stored, however close."""
    from watchword.runtime import Runtime
    from watchword.store.models import utcnow

    assert isinstance(any_rt, Runtime)
    stored = [
        ("domain", "evil.example"),
        ("url", 'https://evil.example/"q"\\b?x=[1,{"a":null}]'),
        ("domain", "пример.рф"),
        ("url", "https://evil.example/🎣"),
        ("email", "a@evil.example"),
    ]
    if not any_rt.db.is_sqlite:
        stored.append(("url", "https://evil.example/second"))  # PostgreSQL text holds no NUL
    else:
        stored.append(("url", "https://evil.example/nul\x00after"))
    with any_rt.db.write() as session:
        batch = retrohunt.ImportBatch(source="t", format="csv", imported_at=utcnow())
        session.add(batch)
        session.flush()
        for kind, value in stored:
            session.add(KnownBad(type=kind, value=value, source="t", confidence=50, batch_id=batch.id))
    with any_rt.db.session() as session:
        wanted = {*stored, ("domain", "evil.exampl"), ("url", "https://evil.example/nul"), ("email", "A@evil.example")}
        found = retrohunt.lookup(session, wanted)
    assert sorted((kb.type, kb.value) for kb in found) == sorted(stored)
