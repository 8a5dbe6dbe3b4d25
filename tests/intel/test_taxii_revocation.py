"""TAXII follows the verdict after publication: malicious -> suspicious is a new version of each
indicator (later `modified`, anomalous-activity); a withdrawn verdict is a revoked version of every
object the campaign published; set back to malicious, the campaign gets new objects. Every state
served is a bundle stix2-validator accepts in strict mode, and taxii2-client reads it over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.support.intel import intel_runtime, seed_campaign
from tests.support.stix_check import validate_stix_string
from tests.support.taxii_server import serve
from watchword.intel import taxii
from watchword.runtime import Runtime
from watchword.services import accounts, decisions
from watchword.services.bulletins import share_for_export
from watchword.store.models import Job
from watchword.store.models_intel import StixIdentity, TaxiiObject
from watchword.web.app import create_app
from watchword.worker import build_worker

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture(params=["sqlite", "postgresql"])
def published(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Runtime, int, str, str]]:
    """One malicious campaign published at TLP:GREEN, on SQLite and on PostgreSQL (versions are
    compared as strings in SQL: both must order them alike)."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with intel_runtime(tmp_path, **({"database_url": url} if url else {})) as rt:
        seeded = seed_campaign(rt, count=3)
        with rt.db.write() as session:
            share, _ = share_for_export(session, rt.settings, campaign_id=seeded.campaign_id, tlp="green")
            assert taxii.publish(session, share, "test") > 0
            token, _row = accounts.create_token(session, "partner", "read", "test")
        yield rt, seeded.campaign_id, token, taxii.collection_for_level(rt.settings.org_name, "green").id


def _objects(rt: Runtime, token: str, collection: str, **params: Any) -> list[dict[str, Any]]:
    with TestClient(create_app(rt)) as client:
        response = client.get(
            f"/taxii2/api/collections/{collection}/objects/",
            headers={"Accept": TAXII, "Authorization": f"Token {token}"},
            params={"limit": 1000, **params},
        )
        assert response.status_code == 200
        objects: list[dict[str, Any]] = response.json().get("objects", [])
        return objects


def _assert_strict(objects: list[dict[str, Any]]) -> None:
    from stix2validator import ValidationOptions

    bundle = {"type": "bundle", "id": "bundle--5d0f3c1e-8a4b-4c2d-9e6f-7a8b9c0d1e2f", "objects": objects}
    result = validate_stix_string(json.dumps(bundle), ValidationOptions(version="2.1", strict=True))
    assert result.is_valid, [str(e) for o in result.object_results for e in o.errors + o.warnings]


def _verdict(rt: Runtime, campaign_id: int, verdict: str) -> None:
    with rt.db.write() as session:
        decisions.set_verdict(session, campaign_id, verdict, actor="analyst", note="")
    build_worker(rt).run_until_idle()
    with rt.db.session() as session:
        failed = session.scalars(select(Job).where(Job.kind == "intel.taxii_follow", Job.status != "done")).all()
        assert not failed, [(j.status, j.last_error) for j in failed]


def test_a_verdict_change_is_a_new_version_and_a_withdrawal_revokes(published: tuple[Runtime, int, str, str]) -> None:
    rt, campaign_id, token, collection = published
    before = {o["id"]: o for o in _objects(rt, token, collection) if o["type"] == "indicator"}
    assert before and all(o["indicator_types"] == ["malicious-activity"] for o in before.values())
    _assert_strict(_objects(rt, token, collection))

    _verdict(rt, campaign_id, "suspicious")
    after = {o["id"]: o for o in _objects(rt, token, collection) if o["type"] == "indicator"}
    assert set(after) == set(before)  # the same indicators, a new version of each
    for ident, old in before.items():
        new = after[ident]
        assert new["indicator_types"] == ["anomalous-activity"]
        assert new["created"] == old["created"] and new["modified"] > old["modified"]
        assert not new.get("revoked")
    everything = _objects(rt, token, collection, **{"match[version]": "all"})
    assert sum(1 for o in everything if o["id"] == next(iter(before))) == 2
    _assert_strict(_objects(rt, token, collection))

    _verdict(rt, campaign_id, "benign")
    latest = _objects(rt, token, collection)
    revoked = {o["id"]: o for o in latest if o.get("revoked")}
    assert set(before) <= set(revoked)
    for ident in before:
        assert revoked[ident]["modified"] > after[ident]["modified"]
        assert revoked[ident]["created"] == before[ident]["created"]
        assert revoked[ident]["indicator_types"] == ["anomalous-activity"]  # the last claim, withdrawn
    kinds = {o["type"] for o in revoked.values()}
    assert {"indicator", "campaign", "relationship", "sighting", "observed-data"} <= kinds
    kept = {o["type"] for o in latest if not o.get("revoked")}
    # Shared objects stay: the producer, the TLP marking, the ATT&CK technique; observables cannot be revoked.
    assert {"identity", "marking-definition", "attack-pattern"} <= kept
    assert kept <= {"identity", "marking-definition", "attack-pattern", "url", "domain-name", "email-addr", "file"}
    _assert_strict(latest)
    with rt.db.session() as session:
        stored = session.scalars(select(StixIdentity).where(StixIdentity.stix_id.in_(list(before)))).all()
        assert len(stored) == len(before) and all(row.revoked for row in stored)

    # Benign again changes nothing more; spam is also a withdrawal (nothing left to revoke).
    count = len(_objects(rt, token, collection, **{"match[version]": "all"}))
    _verdict(rt, campaign_id, "spam")
    assert len(_objects(rt, token, collection, **{"match[version]": "all"})) == count

    # Malicious again: revoked is final, so the indicators come back as new objects.
    _verdict(rt, campaign_id, "malicious")
    again = {o["id"]: o for o in _objects(rt, token, collection) if o["type"] == "indicator" and not o.get("revoked")}
    assert again and not set(again) & set(before)
    assert all(o["indicator_types"] == ["malicious-activity"] for o in again.values())
    _assert_strict(_objects(rt, token, collection))


def test_an_unpublished_campaign_queues_nothing_and_taxii2_client_sees_the_revocation(
    published: tuple[Runtime, int, str, str], tmp_path: Path
) -> None:
    from taxii2client.common import TokenAuth
    from taxii2client.v21 import Collection

    rt, campaign_id, token, collection_id = published
    other = seed_campaign(rt, count=1, title="Another wave")
    with rt.db.write() as session:
        assert decisions.set_verdict(session, other.campaign_id, "benign", actor="analyst") is not None
        queued = session.scalars(select(Job).where(Job.kind == "intel.taxii_follow")).all()
        assert queued == []  # never published: nothing to follow
    _verdict(rt, campaign_id, "out_of_scope")
    with serve(rt) as url:
        remote = Collection(f"{url}/taxii2/api/collections/{collection_id}/", auth=TokenAuth(key=token))
        indicators = list(remote.get_objects(type="indicator")["objects"])
        assert indicators and all(o["revoked"] is True for o in indicators)
        one = indicators[0]["id"]
        versions = remote.get_object(one, version="all")["objects"]
        assert [o.get("revoked", False) for o in versions] == [False, True]


def test_a_merged_in_campaign_is_revoked_and_the_campaign_it_joined_takes_its_place(
    published: tuple[Runtime, int, str, str],
) -> None:
    rt, first_id, token, collection = published
    second = seed_campaign(rt, count=1, title="The same recruiter, a second wave")
    with rt.db.write() as session:
        share, _ = share_for_export(session, rt.settings, campaign_id=second.campaign_id, tlp="green")
        taxii.publish(session, share, "test")
    objects = _objects(rt, token, collection)
    campaigns = {o["name"]: o["id"] for o in objects if o["type"] == "campaign"}
    second_stix = campaigns["The same recruiter, a second wave"]
    second_indicators = {
        r["source_ref"] for r in objects if r["type"] == "relationship" and r["target_ref"] == second_stix
    }
    assert second_indicators
    with rt.db.write() as session:
        decisions.merge(session, first_id, second.campaign_id, actor="analyst")
    build_worker(rt).run_until_idle()
    latest = {o["id"]: o for o in _objects(rt, token, collection)}
    assert latest[second_stix].get("revoked") is True
    assert all(latest[i].get("revoked") is True for i in second_indicators)
    first_stix = next(i for name, i in campaigns.items() if name != "The same recruiter, a second wave")
    assert not latest[first_stix].get("revoked")
    _assert_strict(list(latest.values()))


def test_versions_published_before_they_carried_a_campaign_are_claimed_by_publishing_again(
    published: tuple[Runtime, int, str, str],
) -> None:
    rt, campaign_id, token, collection = published
    with rt.db.write() as session:  # as rows written before migration 0012 are
        session.execute(update(TaxiiObject).values(campaign_id=None))
        share, _ = share_for_export(session, rt.settings, campaign_id=campaign_id, tlp="green")
        assert taxii.publish(session, share, "test") == 0  # nothing new to serve, but the rows are claimed
    _verdict(rt, campaign_id, "benign")
    indicators = [o for o in _objects(rt, token, collection) if o["type"] == "indicator"]
    assert indicators and all(o.get("revoked") is True for o in indicators)
