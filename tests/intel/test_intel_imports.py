"""Feeds in as partners send them: MISP's own CSV export, and STIX bundles of bare observables."""

from __future__ import annotations

import json

import stix2

from watchword.intel.feeds import parse_csv, parse_stix

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
