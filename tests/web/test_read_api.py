"""The read API a SOAR tool pulls from: shared campaigns and indicators with a read token,
described by an OpenAPI document with a bearer security scheme that openapi-spec-validator accepts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import put_in_campaign
from tests.support.intel import INTERNAL, RECIPIENTS, intel_runtime, seed_campaign
from watchword.runtime import Runtime
from watchword.services import accounts
from watchword.store.models import Indicator, utcnow
from watchword.web.app import create_app

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

READ_OPERATIONS = [
    ("/api/v1/campaigns", "get"),
    ("/api/v1/campaigns/{campaign_id}", "get"),
    ("/api/v1/indicators", "get"),
    ("/api/v1/indicators/{indicator_id}", "get"),
]


def _token(rt: Runtime, scope: str) -> str:
    with rt.db.write() as session:
        value, _row = accounts.create_token(session, f"soar-{scope}", scope, "admin")
    return value


def test_the_openapi_document_validates_and_declares_bearer_security_on_the_read_api(tmp_path: Path) -> None:
    from openapi_spec_validator import validate

    with intel_runtime(tmp_path) as rt:
        served = TestClient(create_app(rt)).get("/api/v1/openapi.json")
        assert served.status_code == 200
        document = served.json()
        validate(document)  # raises on any violation of the OpenAPI 3.1 schema
        assert document["components"]["securitySchemes"]["bearerAuth"] == {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token with read scope: `watchword token create --scope read`.",
        }
        for path, method in READ_OPERATIONS:
            operation = document["paths"][path][method]
            assert operation["security"] == [{"bearerAuth": []}], path
            assert {"401", "403"} <= set(operation["responses"]), path
        assert "security" not in document["paths"]["/api/v1/reports"]["post"]  # reporting stays open


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[Runtime, TestClient, list[int]]]:
    """Two shared campaigns (malicious, suspicious) that share a lure domain, and one not judged."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=3)
        now = utcnow()
        second = put_in_campaign(
            rt,
            seeded.report_ids[2:],
            "Second wave",
            approach_type="fake_recruitment",
            verdict="suspicious",
            first_seen=now,
            last_seen=now,
        )
        unjudged = put_in_campaign(
            rt, [], "Not judged yet", approach_type="fake_recruitment", first_seen=now, last_seen=now
        )
        yield rt, TestClient(create_app(rt)), [seeded.campaign_id, second, unjudged]


def test_a_read_token_pulls_shared_campaigns_and_indicators_page_by_page(
    api: tuple[Runtime, TestClient, list[int]],
) -> None:
    rt, client, (first, second, unjudged) = api
    auth = {"Authorization": f"Bearer {_token(rt, 'read')}"}

    listed = client.get("/api/v1/campaigns", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [first, second]  # the unjudged one is not shared
    assert listed.json()["next"] is None
    page1 = client.get("/api/v1/campaigns", params={"limit": 1}, headers=auth).json()
    page2 = client.get("/api/v1/campaigns", params={"limit": 1, "cursor": page1["next"]}, headers=auth).json()
    assert [c["id"] for c in page1["items"] + page2["items"]] == [first, second] and page2["next"] is None
    only = client.get("/api/v1/campaigns", params={"verdict": "suspicious"}, headers=auth).json()["items"]
    assert [(c["id"], c["verdict"], c["tlp"]) for c in only] == [(second, "suspicious", "amber")]
    one = client.get(f"/api/v1/campaigns/{first}", headers=auth)
    assert one.status_code == 200 and one.json()["title"] == "Fake recruiter: defence consulting"
    assert client.get(f"/api/v1/campaigns/{unjudged}", headers=auth).status_code == 404

    everything = client.get("/api/v1/indicators", params={"campaign": first}, headers=auth).json()
    values = {i["value"] for i in everything["items"]}
    assert "talent-partners-global.com" in values
    body = str(everything).lower()
    for _name, address in RECIPIENTS:
        assert address not in body
    assert INTERNAL not in body
    assert all(i["to_ids"] and i["verdict"] == "malicious" for i in everything["items"])
    # Paging through every campaign's indicators two at a time yields each item once, in order.
    pulled, cursor = [], None
    while True:
        params: dict[str, object] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/indicators", params=params, headers=auth).json()
        pulled += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    full = client.get("/api/v1/indicators", params={"limit": 500}, headers=auth).json()["items"]
    assert pulled == full and {i["campaign_id"] for i in full} == {first, second}
    suspicious = [i for i in full if i["campaign_id"] == second]
    assert suspicious and not any(i["to_ids"] for i in suspicious)
    domains = client.get("/api/v1/indicators", params={"type": "domain"}, headers=auth).json()["items"]
    assert domains and {i["type"] for i in domains} == {"domain"}

    with rt.db.session() as session:
        lure = session.scalar(select(Indicator.id).where(Indicator.value == "talent-partners-global.com"))
    detail = client.get(f"/api/v1/indicators/{lure}", headers=auth)
    assert detail.status_code == 200
    assert detail.json()["value"] == "talent-partners-global.com" and detail.json()["campaigns"] == [first, second]


def test_a_submit_token_gets_403_and_no_token_401(api: tuple[Runtime, TestClient, list[int]]) -> None:
    rt, client, (first, _second, _unjudged) = api
    submit = _token(rt, "submit")
    for path in ("/api/v1/campaigns", f"/api/v1/campaigns/{first}", "/api/v1/indicators", "/api/v1/indicators/1"):
        refused = client.get(path, headers={"Authorization": f"Bearer {submit}"})
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("application/problem+json")
        anonymous = client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert client.get(path, headers={"Authorization": "Bearer ww_unknown"}).status_code == 401
    # taxii2-client's TokenAuth form and an admin token read too.
    assert client.get("/api/v1/campaigns", headers={"Authorization": f"Token {_token(rt, 'read')}"}).status_code == 200
    assert (
        client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {_token(rt, 'admin')}"}).status_code == 200
    )


def test_a_tlp_above_what_read_tokens_get_is_refused(tmp_path: Path) -> None:
    with intel_runtime(tmp_path, default_tlp="red") as rt:
        seed_campaign(rt, count=1)
        client = TestClient(create_app(rt))
        refused = client.get("/api/v1/indicators", headers={"Authorization": f"Bearer {_token(rt, 'read')}"})
        assert refused.status_code == 403 and "WATCHWORD_TAXII_MAX_TLP" in refused.json()["detail"]
