"""Feeds in as partners send them: MISP's own CSV export, STIX bundles of bare observables,
network ranges (matched by containment, live and by retro-hunt), and the TLP a feed marks
its entries with (kept, shown, never widened when we share the value again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stix2
from sqlalchemy import select, update

from tests.support.console import analyse_all, put_in_campaign, report_email, signed_in
from tests.support.intel import intel_runtime, seed_campaign
from watchword.intel import formats, tlp
from watchword.intel.feeds import parse_csv, parse_misp_event, parse_stix
from watchword.intel.retrohunt import import_feed
from watchword.runtime import Runtime
from watchword.services.bulletins import share_for_export
from watchword.store.models import Campaign, Indicator, Report
from watchword.store.models_intel import IntelMatch, KnownBad

MISP_CSV = (
    "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,"
    "object_name,object_meta_category\n"
    '"5f1","12","Network activity","ip-dst","203.0.113.7","","1","1700000000","","","","",""\n'
    '"5f2","12","Network activity","domain","evil.example.net","","1","1700000000","","","","",""\n'
    '"5f3","12","Payload delivery","email-src","bad@evil.example.net","","1","1700000000","","","","",""\n'
    '"5f4","12","Network activity","domain|ip","x.evil.example.net|198.51.100.4","","1","1700000000","","","","",""\n'
    '"5f5","12","Network activity","url","https://evil.example.net/login","","1","1700000000","","","","",""\n'
    '"5f6","12","External analysis","comment","just a note","","0","1700000000","","","","",""\n'
)


def test_misp_csv_export_imports_with_misp_types() -> None:
    result = parse_csv(MISP_CSV)
    assert {(i.type, i.value) for i in result.indicators} == {
        ("ipv4", "203.0.113.7"),
        ("domain", "evil.example.net"),
        ("email", "bad@evil.example.net"),
        ("domain", "x.evil.example.net"),
        ("ipv4", "198.51.100.4"),
        ("url", "https://evil.example.net/login"),
    }
    assert result.skipped == 1  # the comment attribute is not an indicator


def test_a_bundle_of_bare_observables_imports_them() -> None:
    bundle = stix2.Bundle(
        stix2.URL(value="https://evil.example.net/x"),
        stix2.DomainName(value="evil.example.net"),
        stix2.IPv4Address(value="203.0.113.9"),
        stix2.EmailAddress(value="bad@evil.example.net"),
        stix2.File(hashes={"SHA-256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}),
    )
    result = parse_stix(json.loads(bundle.serialize()))
    assert {(i.type, i.value) for i in result.indicators} == {
        ("url", "https://evil.example.net/x"),
        ("domain", "evil.example.net"),
        ("ipv4", "203.0.113.9"),
        ("email", "bad@evil.example.net"),
        ("sha256", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"),
    }


# -- network ranges -----------------------------------------------------------------------


def _kit_mail(n: int, host: str) -> bytes:
    return (
        "From: IT Desk <desk@evil-kit.example>\r\nTo: staff@corp.example\r\n"
        f"Subject: Mailbox quota {n}\r\nMessage-ID: <q{n}@evil-kit.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Your mailbox is full. Sign in at http://{host}/owa/login to keep your mail.\r\n"
    ).encode()


def _stored_reports(rt: Runtime, hosts: list[str]) -> tuple[int, list[int]]:
    """Reports linking to each host, analysed by the worker, in one in-scope campaign."""
    ids = [report_email(rt, _kit_mail(n, host)) for n, host in enumerate(hosts)]
    analyse_all(rt)
    campaign = put_in_campaign(rt, ids, "Mailbox quota", approach_type="credential_phishing", verdict="malicious")
    with rt.db.write() as session:
        session.execute(update(Report).where(Report.id.in_(ids)).values(scope="in_scope"))
    return campaign, ids


def test_ranges_are_read_from_lists_csv_misp_and_stix() -> None:
    listed = parse_csv("45.67.0.0/16\n2001:db8:abcd::/48\n45.67.1.1/32\n0.0.0.0/0\n45.67.9.9/99\n")
    assert [(i.type, i.value) for i in listed.indicators] == [
        ("cidr", "45.67.0.0/16"),
        ("cidr", "2001:db8:abcd::/48"),
        ("ipv4", "45.67.1.1"),  # a /32 is one address
    ]
    assert listed.skipped == 2  # a /0 would match everything; /99 is no range
    typed_csv = parse_csv("type,value\nipv4,45.68.7.1/24\ncidr,2001:DB8::/32\n")
    assert {(i.type, i.value) for i in typed_csv.indicators} == {("cidr", "45.68.7.0/24"), ("cidr", "2001:db8::/32")}
    assert {(i.type, i.value) for i in parse_csv(MISP_CSV.replace("203.0.113.7", "203.0.112.0/22")).indicators} >= {
        ("cidr", "203.0.112.0/22")
    }
    event = {"Event": {"Attribute": [{"type": "ip-dst", "value": "45.67.0.0/16", "to_ids": True}]}}
    assert [(i.type, i.value) for i in parse_misp_event(event).indicators] == [("cidr", "45.67.0.0/16")]
    bundle = stix2.Bundle(
        stix2.Indicator(
            pattern="[ipv4-addr:value = '45.67.0.0/16']", pattern_type="stix", valid_from="2026-01-01T00:00:00Z"
        ),
        stix2.IPv6Address(value="2001:db8:abcd::/48"),
    )
    result = parse_stix(json.loads(bundle.serialize()))
    assert {(i.type, i.value) for i in result.indicators} == {("cidr", "45.67.0.0/16"), ("cidr", "2001:db8:abcd::/48")}


def _hunt_a_planted_range(rt: Runtime, tmp_path: Path) -> None:
    campaign, ids = _stored_reports(rt, ["45.67.1.10", "45.67.200.3", "81.2.3.4", "[2001:db8:abcd::5]"])
    feed = tmp_path / "ranges.txt"
    feed.write_text("45.67.0.0/16\n2001:db8:abcd::/48\n")
    batch, hunted = import_feed(rt.db, feed, "partner-isac", 80, "test")
    assert batch.indicator_count == 2
    assert hunted is not None and hunted.campaigns == [campaign]
    with rt.db.session() as session:
        matched = set(session.scalars(select(IntelMatch.report_id)))
        assert matched == {ids[0], ids[1], ids[3]}  # 81.2.3.4 is outside
        reasons = session.get(Campaign, campaign).facts["intel"]["reasons"]  # type: ignore[union-attr]
        assert any("cidr 45.67.0.0/16 from partner-isac" in r for r in reasons)
    # Live: a new report inside the range is matched as the worker analyses it.
    fresh = report_email(rt, _kit_mail(9, "45.67.33.33"))
    outside = report_email(rt, _kit_mail(10, "45.66.33.33"))
    analyse_all(rt)
    with rt.db.session() as session:
        live = set(session.scalars(select(IntelMatch.report_id).where(IntelMatch.via == "live")))
    assert fresh in live and outside not in live


def test_a_planted_range_matches_the_stored_reports_inside_it(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        _hunt_a_planted_range(rt, tmp_path)


@pytest.mark.postgres
def test_a_planted_range_matches_on_postgresql(tmp_path: Path, pg_store_url: str) -> None:
    with intel_runtime(tmp_path, database_url=pg_store_url) as rt:
        _hunt_a_planted_range(rt, tmp_path)


# -- TLP on imports -----------------------------------------------------------------------


def test_the_tlp_a_feed_marks_is_read_from_stix_misp_and_csv() -> None:
    bundle = stix2.Bundle(
        stix2.Indicator(
            pattern="[domain-name:value = 'red.evil.example.net']",
            pattern_type="stix",
            valid_from="2026-01-01T00:00:00Z",
            object_marking_refs=[stix2.TLP_RED],
        ),
        stix2.DomainName(value="amber.evil.example.net", object_marking_refs=[tlp.marking_id("amber")]),
        stix2.DomainName(value="plain.evil.example.net"),
        allow_custom=True,
    )
    stix = {i.value: i.tlp for i in parse_stix(json.loads(bundle.serialize())).indicators}
    assert stix == {"red.evil.example.net": "red", "amber.evil.example.net": "amber", "plain.evil.example.net": None}

    event = {
        "Event": {
            "Tag": [{"name": "tlp:green"}],
            "Attribute": [
                {"type": "domain", "value": "green.evil.example.net", "to_ids": True},
                {"type": "domain", "value": "red.evil.example.net", "to_ids": True, "Tag": [{"name": "tlp:red"}]},
            ],
        }
    }
    misp = {i.value: i.tlp for i in parse_misp_event(event).indicators}
    assert misp == {"green.evil.example.net": "green", "red.evil.example.net": "red"}

    ours = parse_csv("type,value,tlp\ndomain,a.evil.example.net,TLP:AMBER+STRICT\ndomain,b.evil.example.net,\n")
    assert {i.value: i.tlp for i in ours.indicators} == {
        "a.evil.example.net": "amber+strict",
        "b.evil.example.net": None,
    }
    assert all(i.tlp is None for i in parse_csv(MISP_CSV).indicators)  # no tags: no marking invented
    tagged = parse_csv(
        "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag\n"
        '"1","2","Network activity","domain","tagged.evil.example.net","","1","1700000000","","tlp:amber,osint"\n'
    )
    assert [(i.value, i.tlp) for i in tagged.indicators] == [("tagged.evil.example.net", "amber")]


def test_an_imported_tlp_is_kept_shown_and_never_widened_on_reexport(tmp_path: Path) -> None:
    """GIVEN a partner's feed marking the campaign's lure domain TLP:RED
    WHEN it is imported THEN the marking is stored and the indicator page shows it, and
    exporting the campaign at AMBER leaves the domain out of every format (at RED it goes)."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2)
        feed = tmp_path / "partner.csv"
        feed.write_text(
            "type,value,tlp\ndomain,talent-partners-global.com,TLP:RED\ndomain,talent-hr-desk.net,TLP:GREEN\n"
        )
        import_feed(rt.db, feed, "partner-isac", 80, "test")
        with rt.db.session() as session:
            stored = {kb.value: kb.tlp for kb in session.scalars(select(KnownBad))}
            indicator_id = session.scalar(
                select(Indicator.id).where(Indicator.type == "domain", Indicator.value == "talent-partners-global.com")
            )
        assert stored == {"talent-partners-global.com": "red", "talent-hr-desk.net": "green"}

        client = signed_in(rt)
        shown = client.get(f"/console/indicators/{indicator_id}")
        assert shown.status_code == 200
        assert "Known bad" in shown.text and "partner-isac" in shown.text and "TLP:RED" in shown.text

        with rt.db.write() as session:
            amber, subject = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id, tlp="amber")
            red, _ = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id, tlp="red")
        assert amber.withheld["received at TLP:RED, stricter than this export"] == 1
        for fmt in formats.FORMATS:
            body, _ = formats.render(amber, fmt, subject)
            values = {line.split(",")[1] for line in body.splitlines()[1:]} if fmt == "csv" else set(body.splitlines())
            assert "talent-partners-global.com" not in values, fmt
            assert "domain-name:value = 'talent-partners-global.com'" not in body, fmt
            assert '"value": "talent-partners-global.com"' not in body, fmt
        assert "talent-hr-desk.net" in formats.render(amber, "domains.txt")[0]  # GREEN is within AMBER
        assert "talent-partners-global.com" in {i.value for i in red.indicators}


def test_a_whole_file_shared_under_a_tlp_marks_every_entry_without_widening_any(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        feed = tmp_path / "partner.csv"
        feed.write_text("type,value,tlp\ndomain,red.evil.example.net,TLP:RED\ndomain,plain.evil.example.net,\n")
        import_feed(rt.db, feed, "partner-isac", 80, "test", hunt="skip", tlp="amber")
        with rt.db.session() as session:
            stored = {kb.value: kb.tlp for kb in session.scalars(select(KnownBad))}
        assert stored == {"red.evil.example.net": "red", "plain.evil.example.net": "amber"}
