"""Every route against a real `watchword serve` (issue 11): tokens of every scope and none on every route
of the OpenAPI document and the app's route table, then bad ids and bad bytes in every path parameter.

What must hold: a console route never answers 2xx to a token without a session (tokens are for the API
and TAXII); TAXII answers only read and admin tokens; nothing anywhere answers 5xx.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.console import PASSWORD, add_user, email, report_email
from tests.support.live_server import LiveServer, prepare_store, serve
from watchword.services import accounts
from watchword.web.app import create_app
from watchword.worker import Worker

# One real server for the module (`live`): its tests stay on one xdist worker so it is set up once.
pytestmark = [pytest.mark.attack, pytest.mark.xdist_group("attack-routes")]

# Console pages anyone may open: the sign-in steps (they show a form, nothing from the store).
PUBLIC_CONSOLE = {"/console/login", "/console/login/totp", "/console"}
BAD_VALUES = ["1" * 23, "-1", "abc", "%00", "1%00", "%FF%FE", "..%2F..%2Fetc", "9" * 19, "x" * 3000, "%F0%9F%92%A5"]


def route_table(app: Any) -> list[tuple[str, str]]:
    """(method, path template without convertors) for every route of the app, included routers too."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            path = getattr(ctx, "path", None)
            if not path or path.startswith("/static"):
                continue
            for method in sorted(getattr(ctx, "methods", None) or {"GET"}):
                if method != "HEAD":
                    found.append((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", path)))
    return sorted(set(found))


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str], list[tuple[str, str]]]]:
    data_dir: Path = tmp_path_factory.mktemp("attack")
    with prepare_store(data_dir) as rt:
        tokens = {}
        add_user(rt, "root", role="admin")
        with rt.db.write() as session:
            for scope in ("submit", "read", "admin"):
                tokens[scope], _ = accounts.create_token(session, f"attack-{scope}", scope, "test")
        for n in range(3):
            report_email(rt, email(f"Your mailbox for carol {n}", "Sign in at https://login.evil-example.com/owa"))
        Worker(rt).run_until_idle()
        app = create_app(rt)
        routes = route_table(app)
        openapi = app.openapi()
    for path, operations in openapi["paths"].items():
        for method in operations:
            routes.append((method.upper(), path))
    with serve(data_dir) as server:
        yield server, tokens, sorted(set(routes))


def _fill(path: str, value: str | None = None) -> str:
    """A concrete path: real-looking values, or `value` in every parameter."""
    samples = {"form_key": "email", "fmt": "csv", "slug": "a-bulletin", "public_id": "0" * 32}
    return re.sub(r"\{(\w+)\}", lambda m: value if value is not None else samples.get(m.group(1), "1"), path)


def _session(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    form = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    signed = client.post(
        "/console/login", data={"username": "root", "password": PASSWORD, "csrf": csrf.group(1), "next": "/console/"}
    )
    assert signed.status_code == 303, signed.text[:300]
    return client


def test_tokens_of_every_scope_and_none_on_every_route(live: Any) -> None:
    server, tokens, routes = live
    credentials: dict[str, dict[str, str]] = {"none": {}}
    credentials.update({scope: {"Authorization": f"Bearer {value}"} for scope, value in tokens.items()})
    basic = base64.b64encode(f"partner:{tokens['read']}".encode()).decode()
    credentials["read as basic"] = {"Authorization": f"Basic {basic}"}
    failures = []
    checked = 0
    with httpx.Client(base_url=server.base, timeout=30, follow_redirects=False) as client:
        for method, template in routes:
            path = _fill(template)
            for who, headers in credentials.items():
                answer = client.request(method, path, headers={**headers, "Accept": "*/*"}, data={"x": "1"})
                checked += 1
                status = answer.status_code
                if status >= 500:
                    failures.append(f"{who} {method} {path}: {status}")
                if path.startswith("/console") and template not in PUBLIC_CONSOLE and 200 <= status < 300:
                    failures.append(f"{who} {method} {path}: {status} (a console page without a session)")
                if path.startswith("/taxii2"):
                    allowed = who in ("read", "admin", "read as basic")
                    # Refused: 401 without a usable credential, 403 for a valid token without the scope.
                    if allowed == (status in (401, 403)):
                        failures.append(f"{who} {method} {path}: {status} (TAXII scope not honoured)")
    assert checked >= 5 * 55
    assert not failures, "\n".join(failures[:40])


def test_bad_ids_and_bytes_in_every_path_parameter_never_500(live: Any) -> None:
    server, tokens, routes = live
    with_params = [(m, t) for m, t in routes if "{" in t]
    assert len(with_params) >= 25
    failures = []
    admin = _session(server.base)
    csrf = re.search(r'name="csrf" value="([^"]+)"', admin.get("/console/").text)
    assert csrf
    taxii = {"Authorization": f"Bearer {tokens['read']}", "Accept": "application/taxii+json;version=2.1"}
    with httpx.Client(base_url=server.base, timeout=30, follow_redirects=False) as anonymous:
        for method, template in with_params:
            for value in BAD_VALUES:
                path = _fill(template, value)
                if template.startswith("/console"):
                    answer = admin.request(method, path, data={"csrf": csrf.group(1), "verdict": "malicious"})
                else:
                    answer = anonymous.request(method, path, headers=taxii if "taxii" in template else {})
                if answer.status_code >= 500:
                    failures.append(f"{method} {path[:80]}: {answer.status_code}")
        # Query strings the same way: paging cursors, searches, TAXII's next.
        for path in (
            "/console/search?q=%00",
            f"/console/search?q=carol&before={'1' * 23}",
            f"/console/?after=1:{'1' * 23}",
            f"/console/audit?before={'1' * 23}&object_id=%00",
            f"/console/indicators/export.csv?id={'1' * 23}",
        ):
            answer = admin.get(path)
            if answer.status_code >= 500:
                failures.append(f"GET {path}: {answer.status_code}")
        collections = anonymous.get("/taxii2/api/collections/", headers=taxii).json().get("collections", [])
        for collection in collections[:2]:
            for value in ("1" * 23, "-1", "%00", "²"):
                path = f"/taxii2/api/collections/{collection['id']}/objects/?next={value}"
                answer = anonymous.get(path, headers=taxii)
                if answer.status_code >= 500:
                    failures.append(f"GET {path}: {answer.status_code}")
        merged = admin.post("/console/campaigns/1/merge", data={"csrf": csrf.group(1), "other_id": "1" * 23})
        if merged.status_code >= 500:
            failures.append(f"merge with a 23-digit id: {merged.status_code}")
    admin.close()
    assert not failures, "\n".join(failures[:40])
    assert "Traceback" not in server.log.read_text(errors="replace")
