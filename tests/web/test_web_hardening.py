"""Requests that used to end in a 500 (issue 11, item 14): oversized chunked uploads, lone surrogates,
NUL bytes in a search, and ids too large for a 64-bit column, on every route that takes one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.console import email, page_csrf, report_email, signed_in
from tests.support.settings import make_settings
from watchword.runtime import Runtime, open_runtime
from watchword.services import accounts
from watchword.web.app import create_app

HUGE = "1" * 23  # 23 digits: more than any 64-bit integer


@pytest.fixture
def small(tmp_path: object) -> Iterator[Runtime]:
    with open_runtime(make_settings(tmp_path, max_upload_bytes=10_000)) as runtime:  # type: ignore[arg-type]
        yield runtime


def _chunks(total: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """A body sent chunked: no Content-Length for the limit to read up front."""
    yield head
    for _ in range(total // 1000):
        yield b"x" * 1000
    yield tail


def test_a_chunked_upload_over_the_limit_is_413_on_every_upload_route(small: Runtime) -> None:
    client = TestClient(create_app(small), raise_server_exceptions=False)
    raw = client.post("/api/v1/reports/email", content=_chunks(200_000), headers={"content-type": "message/rfc822"})
    assert raw.status_code == 413 and "limit" in raw.json()["detail"]
    as_json = client.post(
        "/api/v1/reports", content=_chunks(200_000, b'{"text": "', b'"}'), headers={"content-type": "application/json"}
    )
    assert as_json.status_code == 413
    head = (
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.eml"\r\nContent-Type: message/rfc822\r\n\r\n'
    )
    form = client.post(
        "/report/email",
        content=_chunks(200_000, head, b"\r\n--B--\r\n"),
        headers={"content-type": "multipart/form-data; boundary=B"},
    )
    assert form.status_code == 413
    # Under the limit, chunked is fine.
    fine = client.post(
        "/api/v1/reports/email",
        content=_chunks(2_000, b"From: a@example.org\r\nSubject: hi\r\n\r\n"),
        headers={"content-type": "message/rfc822"},
    )
    assert fine.status_code == 201


@pytest.mark.parametrize(
    "body", [b'{"text": "\\ud800"}', b'{"text": "ok", "answers": {"\\udfff": "x"}}', b'{"text": "\xed\xa0\x80"}']
)
def test_json_with_a_lone_surrogate_is_a_400_not_a_500(client: TestClient, body: bytes) -> None:
    answer = client.post("/api/v1/reports", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert "not text" in answer.json()["detail"]


def test_bad_ids_and_bytes_on_every_console_route_never_500(rt: Runtime) -> None:
    """GIVEN a signed-in admin WHEN every console route with an id gets 23 digits, a negative, a word or
    a NUL byte (and the paging and search parameters too) THEN 404/400/422, never 500."""
    report_id = report_email(rt, email("Hello", "Dear carol"))
    admin = signed_in(rt, "root", role="admin")
    csrf = page_csrf(admin)
    bad = [HUGE, "-1", "abc", "%00", "1%00", "9" * 19]
    gets = ["/console/reports/{}", "/console/reports/{}/thread", "/console/reports/{}/raw", "/console/campaigns/{}"]
    gets += ["/console/indicators/{}", "/console/campaigns/{}/export.csv"]
    posts = ["/console/reports/{}/verdict", "/console/reports/{}/note", "/console/reports/{}/split"]
    posts += ["/console/reports/{}/contact", "/console/reports/{}/thread", "/console/reports/{}/raw"]
    posts += ["/console/campaigns/{}/verdict", "/console/campaigns/{}/merge", "/console/campaigns/{}/note"]
    posts += ["/console/tokens/{}/revoke"]
    safe = TestClient(admin.app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False)
    safe.cookies = admin.cookies
    for value in bad:
        for path in gets:
            answer = safe.get(path.format(value))
            assert answer.status_code in (400, 404, 422), (path, value, answer.status_code)
        for path in posts:
            answer = safe.post(path.format(value), data={"csrf": csrf, "verdict": "malicious", "other_id": "1"})
            assert answer.status_code in (400, 404, 422), (path, value, answer.status_code)
    queries = [
        f"/console/search?q=carol&before={HUGE}",
        "/console/search?q=%00",
        "/console/search?q=%00carol%00",
        f"/console/?view=reports&after=1:{HUGE}",
        "/console/?after=nan:1",
        f"/console/audit?before={HUGE}",
        f"/console/indicators/export.csv?id={HUGE}",
        f"/console/reports/{report_id}?x=%00",
    ]
    for path in queries:
        answer = safe.get(path)
        assert answer.status_code < 500, (path, answer.status_code)
    merged = safe.post("/console/campaigns/1/merge", data={"csrf": csrf, "other_id": HUGE})
    assert merged.status_code in (400, 404, 422)


def test_taxii_next_and_paths_with_huge_or_odd_values_are_400_or_404(rt: Runtime) -> None:
    with rt.db.write() as session:
        token, _ = accounts.create_token(session, "partner", "read", "test")
    client = TestClient(create_app(rt), raise_server_exceptions=False)
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"}
    collections = client.get("/taxii2/api/collections/", headers=auth)
    assert collections.status_code == 200
    ids = [c["id"] for c in collections.json().get("collections", [])] or ["none"]
    for value in (HUGE, "²", "-1", "%00", "1" * 200):
        for path in (f"/taxii2/api/collections/{ids[0]}/objects/?next={value}", f"/taxii2/api/collections/{value}/"):
            answer = client.get(path, headers=auth)
            assert answer.status_code in (400, 404, 406), (path, answer.status_code)


def test_absolute_links_never_come_from_the_host_header(rt: Runtime) -> None:
    """GIVEN no public base URL configured WHEN a request names another host THEN the Atom feed and the
    TAXII discovery document still link to the address the server listens on (issue 11, item 16)."""
    with rt.db.write() as session:
        token, _ = accounts.create_token(session, "partner", "read", "test")
    client = TestClient(create_app(rt))
    evil = {"Host": "phish.evil-example.com"}
    feed = client.get("/bulletins/feed.atom", headers=evil)
    assert feed.status_code == 200
    assert "evil-example" not in feed.text and 'href="http://testserver/bulletins/feed.atom"' in feed.text
    taxii = client.get(
        "/taxii2/",
        headers={**evil, "Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"},
    )
    assert taxii.status_code == 200 and taxii.json()["api_roots"] == ["http://testserver/taxii2/api/"]


def test_with_a_public_base_url_links_use_it_and_other_hosts_are_refused(tmp_path: object) -> None:
    with open_runtime(
        make_settings(tmp_path, public_base_url="https://watchword.acme.example", allowed_hosts=("ww.internal",))  # type: ignore[arg-type]
    ) as runtime:
        client = TestClient(create_app(runtime), base_url="https://watchword.acme.example")
        feed = client.get("/bulletins/feed.atom")
        assert feed.status_code == 200
        assert 'href="https://watchword.acme.example/bulletins/feed.atom"' in feed.text
        assert client.get("/bulletins/feed.atom", headers={"Host": "phish.evil-example.com"}).status_code == 400
        assert client.get("/api/v1/health", headers={"Host": "ww.internal"}).status_code == 200
        assert client.get("/api/v1/health", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_a_host_header_naming_loopback_does_not_drop_the_secure_cookie_flag(rt: Runtime) -> None:
    """GIVEN a server reached on a non-loopback socket WHEN a request says `Host: localhost` THEN the console
    cookies stay Secure: whether TLS may be skipped is decided by the socket and the configuration."""
    client = TestClient(create_app(rt), base_url="http://testserver")
    answer = client.get("/console/login", headers={"Host": "localhost"})
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "ww_prelogin=" in v)
    assert "secure" in cookie.lower()


def test_every_page_links_the_icon_and_the_old_icon_path_leads_to_it(client: TestClient) -> None:
    for page in ("/", "/console/login"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get(page).text
    old = client.get("/favicon.ico", follow_redirects=False)
    assert old.status_code == 301 and old.headers["location"] == "/static/favicon.svg"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
