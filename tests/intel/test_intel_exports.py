"""Exports checked by the official tools: stix2-validator for every bundle, PyMISP
loading and misp-stix converting every MISP event; CSV and blocklists parse back."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from tests.support.intel import PHISH_HOST, REPLY_TO, SENDER, intel_runtime, seed_campaign
from tests.support.shares import T0, T1, hostile_share, misp_stix
from tests.support.stix_check import validate_stix_string
from watchword.intel import blocklists, formats, misp, stix, tlp
from watchword.intel.feeds import parse_csv, pattern_values
from watchword.intel.selection import SharedIndicator, ShareSet, gather

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")


def assert_valid_stix(body: str, strict: bool = True) -> None:
    """No errors from stix2-validator, in strict mode for our own bundles (warnings are errors there).
    misp-stix's conversions of our MISP events are its own objects: checked without strict.
    Through the cached validators of tests/support/stix_check.py (the same answers, test_stix_check.py)."""
    from stix2validator import ValidationOptions

    result = validate_stix_string(body, ValidationOptions(version="2.1", strict=strict))
    errors = [str(e) for e in result.errors]
    assert result.is_valid, errors


@pytest.mark.parametrize("level", ["clear", "green", "amber", "amber+strict", "red"])
def test_every_bundle_passes_stix2_validator_at_every_tlp_level(level: str) -> None:
    body = stix.bundle_json(hostile_share(level))
    assert_valid_stix(body)
    objects = json.loads(body)["objects"]
    marking = objects[0]
    assert marking["id"] == tlp.marking_id(level)
    assert marking["extensions"][tlp.TLP2_EXTENSION_ID] == {"extension_type": "property-extension", "tlp_2_0": level}
    for obj in objects[1:]:
        if obj["type"] != "identity":
            assert obj["object_marking_refs"] == [marking["id"]], obj["type"]


def test_bundle_holds_identity_campaign_indicators_observables_relationships_and_sightings() -> None:
    objects = json.loads(stix.bundle_json(hostile_share()))["objects"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_type.setdefault(obj["type"], []).append(obj)
    assert by_type["identity"][0]["name"] == "Acme Security"
    assert len(by_type["campaign"]) == 1
    expressible = 10  # phones, wallets, IBANs and social handles have no STIX observable
    assert len(by_type["indicator"]) == expressible
    assert {o["type"] for o in objects} >= {"url", "domain-name", "ipv4-addr", "ipv6-addr", "email-addr", "file"}
    kinds = {r["relationship_type"] for r in by_type["relationship"]}
    assert kinds == {"indicates", "based-on", "uses"}
    assert by_type["attack-pattern"][0]["external_references"][0]["external_id"] == "T1566"
    observed = {o["id"] for o in by_type["observed-data"]}
    assert {r["target_ref"] for r in by_type["relationship"] if r["relationship_type"] == "based-on"} <= observed
    assert all(
        s["count"] == 7 and s["where_sighted_refs"] == [by_type["identity"][0]["id"]] for s in by_type["sighting"]
    )
    url = next(i for i in by_type["indicator"] if "evil.example.com/a" in i["pattern"])
    assert url["pattern"] == "[url:value = 'https://evil.example.com/a\\'b\\\\c?x=\"1\"&y=%27']"


def test_reexport_yields_the_same_ids_so_taxii_does_not_duplicate() -> None:
    share = hostile_share()
    first = json.loads(stix.bundle_json(share))
    second = json.loads(stix.bundle_json(share))
    assert first["objects"] == second["objects"]  # the bundle is a new envelope; its objects are the same
    ids = [o["id"] for o in first["objects"] if o["type"] not in ("marking-definition",)]
    assert all(uuid.UUID(i.split("--")[1]).version in (4, 5) for i in ids)  # v5: the spec's own SCO ids
    other = hostile_share()  # another installation: its own ids
    assert not {o["id"] for o in json.loads(stix.bundle_json(other))["objects"] if o["type"] == "indicator"} & set(ids)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60))
def test_any_url_becomes_a_valid_pattern_that_reads_back_to_the_same_value(tail: str) -> None:
    value = "https://evil.example.com/" + tail
    pattern = stix.pattern_for("url", value)
    assert run_validator(pattern, stix_version="2.1") == []
    assert list(pattern_values(pattern)) == [("url", value)]


def test_campaign_export_from_the_store_is_valid_and_keeps_the_attacker_side(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id)
        body = stix.bundle_json(share)
        assert_valid_stix(body)
        patterns = [o["pattern"] for o in json.loads(body)["objects"] if o["type"] == "indicator"]
        assert f"[email-addr:value = '{SENDER}']" in patterns
        assert f"[email-addr:value = '{REPLY_TO}']" in patterns
        assert f"[domain-name:value = '{PHISH_HOST}']" in patterns
        sightings = [o for o in json.loads(body)["objects"] if o["type"] == "sighting"]
        assert max(s["count"] for s in sightings) == 3


# -- MISP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["clear", "amber+strict"])
def test_misp_event_loads_in_pymisp_and_converts_withmisp_stix(level: str) -> None:
    from pymisp import MISPEvent

    share = hostile_share(level)
    # misp-stix copies values into STIX observables verbatim; keep this event's URLs RFC 3986-clean and
    # its addresses plain so that the converted bundle validates too (our own STIX export handles both).
    share.indicators = [i for i in share.indicators if "'" not in i.value and i.value.isascii()]
    share.indicators.append(SharedIndicator("url", "https://evil.example.com/login?next=1", T0, T1, 1, 1))
    body = misp.event_json(share, subject="Exclusive consulting role for [name]")
    event = MISPEvent()
    event.load(body)
    assert {t.name for t in event.tags} == {f"tlp:{level}", 'watchword:approach-type="fake_recruitment"'}
    by_type = {a.type: a for a in event.attributes}
    assert by_type["url"].category == "Network activity"
    assert by_type["ip-dst"].category == "Network activity"
    assert by_type["email-src"].category == "Payload delivery" and by_type["email-src"].to_ids
    assert by_type["sha256"].category == "Payload delivery"
    assert by_type["btc"].category == "Financial fraud"
    assert by_type["phone-number"].to_ids is False
    assert all(len(a.sightings) == 1 for a in event.attributes)
    email = event.get_objects_by_name("email")[0]
    assert {a.object_relation for a in email.attributes} == {"from", "subject"}
    converted = misp_stix(json.loads(body))
    assert_valid_stix(converted, strict=False)
    assert "evil.example.com" in converted


def test_misp_event_of_a_stored_campaign_converts(tmp_path: Path) -> None:
    from pymisp import MISPEvent

    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2)
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id)
        event = json.loads(misp.event_json(share))
        loaded = MISPEvent()
        loaded.load(event)
        assert any(a.value == SENDER for a in loaded.attributes)
        assert_valid_stix(misp_stix(event), strict=False)


# -- CSV and blocklists ------------------------------------------------------------------------------


def test_csv_reads_back_and_neutralises_spreadsheet_formulas() -> None:
    share = hostile_share()
    share.indicators.append(SharedIndicator("url", 'https://x.example.com/=HYPERLINK("a")', T0, T1, 1, 1))
    share.indicators.append(SharedIndicator("domain", "=cmd.example.com", T0, T1, 1, 1))
    text = blocklists.csv_text(share)
    assert text.startswith("type,value,first_seen,last_seen,report_count,tlp,campaign,verdict\n")
    rows = list(csv.DictReader(io.StringIO(text)))  # as a partner's script reads it: no comment lines to skip
    assert {r["type"] for r in rows} >= {"url", "domain", "email", "sha256"}
    assert next(r for r in rows if r["type"] == "domain" and "cmd" in r["value"])["value"] == "'=cmd.example.com"
    assert all(r["tlp"] == "TLP:AMBER" and r["campaign"] == "42" and r["verdict"] == "malicious" for r in rows)
    reimported = parse_csv(text)
    assert ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") in {
        (i.type, i.value) for i in reimported.indicators
    }


@pytest.mark.parametrize("kind", sorted(blocklists.BLOCKLIST_KINDS))
def test_blocklists_are_one_value_a_line_under_a_tlp_comment(kind: str) -> None:
    share = hostile_share("green")
    share.indicators.append(SharedIndicator("domain", "evil.example.com\nexample.org", T0, T1, 1, 1))
    text = blocklists.blocklist_text(share, kind)
    lines = text.splitlines()
    assert lines[0].startswith("# TLP:GREEN")
    values = [line for line in lines if not line.startswith("#")]
    wanted = {i.value for i in share.indicators if i.type in blocklists.BLOCKLIST_KINDS[kind] and "\n" not in i.value}
    assert set(values) == wanted and values
    assert "example.org" not in values  # a value with a line break would have smuggled in a second entry


def test_console_export_downloads_need_a_reader_and_are_audited(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from tests.support.console import signed_in
    from watchword.services import accounts
    from watchword.store.models import AuditEvent, Indicator
    from watchword.web.app import create_app

    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=1)
        with rt.db.write() as session:
            token, _ = accounts.create_token(session, "console", "read", "test")
        base = f"/console/campaigns/{seeded.campaign_id}"
        with TestClient(create_app(rt)) as client:
            anonymous = client.get(f"{base}/export.stix.json", follow_redirects=False)
            assert anonymous.status_code in (303, 401)
            # A token is for the API and TAXII: console downloads need a signed-in person.
            tokened = client.get(f"{base}/export.stix.json", headers={"Authorization": f"Bearer {token}"})
            assert tokened.status_code == 401
        client = signed_in(rt, "ana")
        bundle = client.get(f"{base}/export.stix.json", params={"tlp": "clear"})
        assert bundle.status_code == 200
        assert bundle.headers["content-type"].startswith("application/stix+json")
        assert "tlp-clear" in bundle.headers["content-disposition"]
        assert_valid_stix(bundle.text)
        event = client.get(f"{base}/export.misp.json")
        assert event.status_code == 200 and "tlp:amber" in event.text
        senders = client.get(f"{base}/export.senders.txt")
        assert SENDER in senders.text and "TLP:AMBER" in senders.text
        assert client.get(f"{base}/export.exe").status_code == 404
        assert client.get("/console/campaigns/999/export.csv").status_code == 404
        # An analyst's selection of indicators: not taken for an indicator page named "export.csv" (it was: 422).
        with rt.db.session() as session:
            ids = session.scalars(select(Indicator.id)).all()
        selection = client.get("/console/indicators/export.csv", params={"id": ids[:2]})
        assert selection.status_code == 200 and selection.text.startswith("type,value,")  # a plain header row
        assert "TLP:AMBER" in selection.text
        assert client.get(f"/console/indicators/{ids[0]}").status_code == 200  # the indicator page still answers
        with rt.db.session() as session:
            actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "intel.export")).all()
            assert len(actions) == 4


_HOST = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8})?\.(com|net|org|co\.uk)", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1, max_size=4),
    st.lists(_HOST, min_size=1, max_size=3),
    st.lists(st.from_regex(r"[a-z0-9._+'-]{1,20}", fullmatch=True), min_size=1, max_size=3),
    st.sampled_from(tlp.LEVELS),
)
def test_bundles_of_arbitrary_observed_values_pass_the_validator(
    paths: list[str], hosts: list[str], locals_: list[str], level: str
) -> None:
    indicators = [SharedIndicator("url", f"https://{hosts[0]}/{p}", T0, T1, 1, 1) for p in paths]
    indicators += [SharedIndicator("domain", h, T0, T1, 1, 1) for h in hosts]
    indicators += [SharedIndicator("email", f"{lp}@{hosts[-1]}", T0, T1, 1, 1, sender=True) for lp in locals_]
    share = ShareSet("Acme Security", level, None, indicators)
    assert_valid_stix(stix.bundle_json(share))


def test_a_campaign_title_built_from_a_subject_is_redacted_in_every_export(tmp_path: Path) -> None:
    """GIVEN a campaign whose title came from a subject line naming a recipient
    WHEN it is exported (STIX, MISP with its email object, CSV)
    THEN neither the title nor the subject carries the recipient's name."""
    from watchword.services.bulletins import share_for_export

    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=2, title="Exclusive consulting role for Jane")
        with rt.db.session() as session:
            share, subject = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id)
        assert share.campaign is not None and share.campaign.title == "Exclusive consulting role for [name]"
        assert subject is not None and "Jane" not in subject and "Oluwaseun" not in subject
        for fmt in ("stix.json", "misp.json", "csv"):
            body, _ = formats.render(share, fmt, subject)
            assert "Jane" not in body and "Oluwaseun" not in body, fmt
        assert "consulting role for [name]" in formats.render(share, "misp.json", subject)[0]


def test_a_viewer_cannot_relabel_an_export_for_wider_sharing(tmp_path: Path) -> None:
    """GIVEN exports labelled TLP:AMBER by configuration WHEN a viewer asks for `?tlp=clear` (or green)
    THEN 403 and nothing is exported; the viewer may still export at AMBER or stricter, and an analyst
    may choose CLEAR (issue 11, item 12)."""
    from sqlalchemy import select

    from tests.support.console import signed_in
    from watchword.store.models import AuditEvent

    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=1)
        base = f"/console/campaigns/{seeded.campaign_id}"
        viewer = signed_in(rt, "vera", role="viewer")
        for wider in ("clear", "green", "TLP:WHITE"):
            refused = viewer.get(f"{base}/export.csv", params={"tlp": wider})
            assert refused.status_code == 403, wider
            assert SENDER not in refused.text
        assert viewer.get("/console/indicators/export.csv", params={"id": 1, "tlp": "clear"}).status_code == 403
        assert viewer.get(f"{base}/export.csv", params={"tlp": "bogus"}).status_code == 400
        plain = viewer.get(f"{base}/export.senders.txt")
        assert plain.status_code == 200 and plain.text.startswith("# TLP:AMBER")
        stricter = viewer.get(f"{base}/export.senders.txt", params={"tlp": "red"})
        assert stricter.status_code == 200 and stricter.text.startswith("# TLP:RED")
        analyst = signed_in(rt, "ana")
        cleared = analyst.get(f"{base}/export.senders.txt", params={"tlp": "clear"})
        assert cleared.status_code == 200 and cleared.text.startswith("# TLP:CLEAR")
        with rt.db.session() as session:
            exports = session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "intel.export")).all()
        assert sorted(exports) == ["ana", "vera", "vera"]
