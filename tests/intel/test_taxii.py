"""The read-only TAXII 2.1 server: the protocol by hand, then taxii2-client over real HTTP on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.intel import intel_runtime, seed_campaign
from tests.support.stix_check import cached_validation
from tests.support.taxii_server import serve
from watchword import errors
from watchword.intel import taxii
from watchword.intel.selection import gather
from watchword.runtime import Runtime
from watchword.services import accounts
from watchword.web.app import create_app

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

TAXII = "application/taxii+json;version=2.1"


@contextmanager
def _published(tmp_path: Path) -> Iterator[tuple[Runtime, str, str]]:
    """A runtime with one campaign published at TLP:GREEN, and a read token."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=3)
        with rt.db.write() as session:
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id, tlp="green")
            assert taxii.publish(session, share, "test") > 0
            token, _ = accounts.create_token(session, "partner", "read", "test")
        collection = taxii.collection_for_level(rt.settings.org_name, "green").id
        yield rt, token, collection


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[Runtime, str, str]]:
    with _published(tmp_path) as made:
        yield made


def _get(client: Any, path: str, token: str | None, **params: Any) -> Any:
    headers = {"Accept": TAXII}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers, params=params)


def test_every_endpoint_needs_a_read_token_and_says_so_in_taxii(published: tuple[Runtime, str, str]) -> None:
    rt, token, collection = published
    with TestClient(create_app(rt)) as client:
        for path in (
            "/taxii2/",
            "/taxii2/api/",
            "/taxii2/api/collections/",
            f"/taxii2/api/collections/{collection}/objects/",
        ):
            refused = _get(client, path, None)
            assert refused.status_code == 401
            assert refused.headers["content-type"] == TAXII
            assert refused.json()["http_status"] == "401"
            assert "Basic" in refused.headers["www-authenticate"]
            assert _get(client, path, "ww_not-a-real-token").status_code == 401
        with rt.db.write() as session:
            submit_token, _ = accounts.create_token(session, "intake", "submit", "test")
        forbidden = _get(client, "/taxii2/", submit_token)  # known, but may not read: 403, not 401
        assert forbidden.status_code == 403 and forbidden.json()["http_status"] == "403"
        basic = base64.b64encode(f"anyone:{token}".encode()).decode()
        ok = client.get("/taxii2/", headers={"Accept": TAXII, "Authorization": f"Basic {basic}"})
        assert ok.status_code == 200 and ok.json()["api_roots"] == ["https://watchword.acme.example/taxii2/api/"]
        spoofed = client.get(
            "/taxii2/", headers={"Accept": TAXII, "Authorization": f"Token {token}", "Host": "evil.example"}
        )
        # A Host header naming another server is refused outright (a public address is configured),
        # so no discovery document can carry links to it.
        assert spoofed.status_code == 400 and "evil.example" not in spoofed.text
        old = client.get(
            "/taxii2/", headers={"Accept": "application/taxii+json;version=2.0", "Authorization": f"Bearer {token}"}
        )
        assert old.status_code == 406 and old.json()["http_status"] == "406"
        bad_limit = _get(client, "/taxii2/api/collections/", token, limit="abc")
        objects_bad = _get(client, f"/taxii2/api/collections/{collection}/objects/", token, limit="abc")
        assert objects_bad.status_code == 400 and objects_bad.headers["content-type"] == TAXII
        assert objects_bad.json()["http_status"] == "400" and bad_limit.status_code in (200, 400)
        wrong_accept = client.get("/taxii2/", headers={"Accept": "text/html", "Authorization": f"Bearer {token}"})
        assert wrong_accept.status_code == 406


def test_objects_page_with_limit_and_next_and_filter_by_added_after(published: tuple[Runtime, str, str]) -> None:
    from stix2validator import ValidationOptions, validate_instance

    rt, token, collection = published
    base = f"/taxii2/api/collections/{collection}"
    with TestClient(create_app(rt)) as client:
        everything = _get(client, f"{base}/objects/", token, limit=1000).json()
        total = len(everything["objects"])
        assert total > 10 and everything["more"] is False
        bundle = {
            "type": "bundle",
            "id": "bundle--8c5b2e4a-3f1d-4d2e-9a1b-2c3d4e5f6a7b",
            "objects": everything["objects"],
        }
        with cached_validation():  # traced: the client's portal thread must not outlive a pause (untraced.py)
            assert validate_instance(bundle, ValidationOptions(version="2.1")).is_valid
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 4}
        while True:
            page = _get(client, f"{base}/objects/", token, **params)
            assert page.status_code == 200 and page.headers["content-type"] == TAXII
            assert page.headers["x-taxii-date-added-first"] <= page.headers["x-taxii-date-added-last"]
            body = page.json()
            seen += [o["id"] for o in body["objects"]]
            if not body["more"]:
                break
            params = {"limit": 4, "next": body["next"]}
        assert len(seen) == total == len(set(seen))
        last_added = page.headers["x-taxii-date-added-last"]
        assert _get(client, f"{base}/objects/", token, added_after=last_added).json() == {"more": False}
        types = _get(client, f"{base}/objects/", token, **{"match[type]": "indicator,campaign"}).json()
        assert {o["type"] for o in types["objects"]} == {"indicator", "campaign"}
        manifest = _get(client, f"{base}/manifest/", token).json()
        assert {r["id"] for r in manifest["objects"]} == set(seen)
        assert all(r["media_type"] == "application/stix+json;version=2.1" for r in manifest["objects"])
        one = seen[2]
        single = _get(client, f"{base}/objects/{one}/", token).json()
        assert [o["id"] for o in single["objects"]] == [one]
        versions = _get(client, f"{base}/objects/{one}/versions/", token).json()
        assert len(versions["versions"]) == 1
        assert (
            _get(client, f"{base}/objects/indicator--00000000-0000-4000-8000-000000000000/", token).status_code == 404
        )
        assert _get(client, "/taxii2/api/collections/nope/objects/", token).json()["http_status"] == "404"


def test_republishing_an_unchanged_campaign_adds_nothing(published: tuple[Runtime, str, str]) -> None:
    rt, _token, _collection = published
    with rt.db.write() as session:
        from watchword.store.models import Campaign

        campaign_id = session.scalar(select(Campaign.id).where(Campaign.title.startswith("Fake recruiter")))
        share = gather(session, rt.settings, campaign_id=campaign_id, tlp="green")
        assert taxii.publish(session, share, "test") == 0
        with pytest.raises(errors.Refused, match="RED"):
            taxii.publish(session, gather(session, rt.settings, campaign_id=campaign_id, tlp="red"), "test")
        strict = gather(session, rt.settings, campaign_id=campaign_id, tlp="amber+strict")
        with pytest.raises(errors.Refused, match="ceiling"):
            taxii.publish(session, strict, "test", rt.settings.taxii_max_tlp)
        assert taxii.publish(session, strict, "test", "amber+strict") > 0  # raised on purpose


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """One published store served for the module: the tests over HTTP only read it (GETs of the
    collections, objects and manifest), and each store cost a campaign analysed, gathered and published
    and a server started (docs/benchmarks.md, "testspeed13")."""
    with _published(tmp_path_factory.mktemp("taxii-live")) as (rt, token, collection), serve(rt) as base:
        yield base, token, collection


def test_taxii2_client_reads_collections_objects_pages_and_manifest_over_http(
    live_server: tuple[str, str, str],
) -> None:
    from taxii2client.v21 import Server, as_pages

    url, token, collection_id = live_server
    server = Server(f"{url}/taxii2/", user="partner", password=token)
    assert server.title.endswith("TAXII server")
    root = server.default
    assert root is not None and root.versions == [TAXII]
    collections = {c.id: c for c in root.collections}
    assert collection_id in collections and len(collections) == 3  # clear, green, amber (the default ceiling)
    collection = collections[collection_id]
    assert collection.can_read and not collection.can_write
    envelope = collection.get_objects()
    objects = envelope["objects"]
    assert any(o["type"] == "campaign" for o in objects)
    paged: list[str] = []
    for page in as_pages(collection.get_objects, per_request=5):
        paged += [o["id"] for o in page.get("objects", [])]
    assert sorted(paged) == sorted(o["id"] for o in objects)
    manifest = collection.get_manifest()
    assert len(manifest["objects"]) == len(objects)
    one = collection.get_object(objects[0]["id"])
    assert one["objects"][0]["id"] == objects[0]["id"]


@pytest.mark.parametrize("scheme", ["basic", "token", "bearer"])
def test_taxii2_client_reads_with_each_auth_scheme(live_server: tuple[str, str, str], scheme: str) -> None:
    """taxii2-client's own TokenAuth sends `Authorization: Token ...`; Basic carries the token as the
    password; a Bearer header is what most other TAXII tools send."""
    import requests
    from taxii2client.common import TokenAuth
    from taxii2client.v21 import Server

    class BearerAuth(requests.auth.AuthBase):
        def __init__(self, token: str) -> None:
            self.token = token

        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            request.headers["Authorization"] = f"Bearer {self.token}"
            return request

    url, token, collection_id = live_server
    if scheme == "basic":
        server = Server(f"{url}/taxii2/", user="partner", password=token)
    elif scheme == "token":
        server = Server(f"{url}/taxii2/", auth=TokenAuth(key=token))
    else:
        server = Server(f"{url}/taxii2/", auth=BearerAuth(token))
    root = server.default
    assert root is not None and root.url == f"{url}/taxii2/api/"
    collection = next(c for c in root.collections if c.id == collection_id)
    assert any(o["type"] == "indicator" for o in collection.get_objects()["objects"])
