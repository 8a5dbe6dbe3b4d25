"""Analysis never fetches: the pipeline and the worker run with the network switched off.

pytest-socket blocks socket creation and name resolution for this module (and for every pure
analysis module, see conftest.py). Because the pipeline turns a failing stage into a warning
rather than an error, blocking alone could hide an attempt; every attempt is also recorded here
and the record must stay empty.
"""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest
from pytest_socket import SocketBlockedError
from sqlalchemy import select

from tests.support.console import analyse_all, report_email
from watchword.analysis.pipeline import analyze_email
from watchword.runtime import Runtime
from watchword.store.models import AnalysisRecord, Report

pytestmark = [
    pytest.mark.disable_socket,
    # pytest-socket also warns on each refusal; as an error (warnings are errors here) it would
    # replace SocketBlockedError. The recording below is what makes an attempt fail a test.
    pytest.mark.filterwarnings("ignore:A test tried to use socket"),
]

URLS = [
    "https://login.evil-example.com/o365/verify?u=jane",
    "http://198.51.100.23:8080/payload.exe",
    "https://xn--pypal-4ve.example/signin",
    "https://bit.ly-example.net/3xYz",
]
REMOTE = [
    "https://pixel.evil-example.com/open.gif?id=42",
    "https://cdn.evil-example.com/logo.png",
    "https://css.evil-example.com/i.css",
    "https://bg.evil-example.com/tile.png",
    "https://frame.evil-example.com/",
]


def _mail() -> bytes:
    html = f"""<html><head><link rel="stylesheet" href="{REMOTE[2]}">
<style>body {{ background: url({REMOTE[3]}) }}</style></head><body>
<img src="{REMOTE[0]}" width="1" height="1"><img src="{REMOTE[1]}" alt="Microsoft">
<p>Your mailbox is full. <a href="{URLS[0]}">Verify now</a> or <a href="{URLS[2]}">https://paypal.com/</a>.</p>
<iframe src="{REMOTE[4]}"></iframe></body></html>"""
    text = f"Your mailbox is full. Verify: {URLS[0]}\nTool: {URLS[1]}\nShort: {URLS[3]}\n"
    shortcut = f"[InternetShortcut]\r\nURL={URLS[1]}\r\n".encode()
    return (
        "From: IT Support <it-support@evil-example.com>\r\nTo: jane@corp.example\r\n"
        "Subject: Mailbox full: action required\r\nMessage-ID: <offline-1@evil-example.com>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="mix"\r\n\r\n'
        '--mix\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        f"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        f"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--alt--\r\n"
        '--mix\r\nContent-Type: application/internet-shortcut; name="update.url"\r\n'
        'Content-Disposition: attachment; filename="update.url"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{base64.b64encode(shortcut).decode()}\r\n--mix--\r\n"
    ).encode()


@pytest.fixture
def attempts(socket_disabled: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every socket, connection or name lookup tried while the test runs, each also refused.

    Recorded where pytest-socket refuses them (its error is built for each attempt), so an attempt
    that the code under test catches and swallows is still seen.
    """
    seen: list[str] = []
    refuse = SocketBlockedError.__init__

    def record(self: SocketBlockedError, *args: Any, **kwargs: Any) -> None:
        seen.append(str(args[0]) if args else "socket.socket")
        refuse(self, *args, **kwargs)

    monkeypatch.setattr(SocketBlockedError, "__init__", record)
    return seen


def test_the_network_is_really_off_here(attempts: list[str]) -> None:
    """The guard the other tests rely on: without it they would prove nothing."""
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(SocketBlockedError):
        socket.getaddrinfo("login.evil-example.com", 443)
    assert len(attempts) == 2, attempts


def test_the_pipeline_analyses_links_and_remote_images_without_touching_the_network(attempts: list[str]) -> None:
    """GIVEN a phishing mail with links, remote images, a stylesheet, an iframe and a .url attachment
    WHEN the whole pipeline analyses it with the network off THEN it finds the links and hosts and
    never opens a socket or resolves a name."""
    analysis = analyze_email(_mail())
    assert attempts == []
    assert not [w for w in analysis.warnings if "failed" in w or "Socket" in w], analysis.warnings
    targets = " ".join(str(link.get("target", "")) for link in analysis.links)
    assert URLS[0] in targets and URLS[2] in targets
    values = {i["value"] for i in analysis.indicators}
    assert any("login.evil-example.com" in v for v in values), values
    assert any("198.51.100.23" in v for v in values), values
    assert analysis.risk > 0
    assert [a for a in analysis.attachments if a.get("filename") == "update.url"]


def test_the_worker_analyses_a_report_end_to_end_without_touching_the_network(rt: Runtime, attempts: list[str]) -> None:
    """The same mail through submit() and the worker on SQLite: every after-analysis step (indicators,
    search, campaigns, known-bad matching, priority) also stays off the network."""
    report_id = report_email(rt, _mail(), text="This looked wrong")
    analyse_all(rt)
    assert attempts == []
    with rt.db.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status == "analysed"
        record = session.scalars(select(AnalysisRecord).where(AnalysisRecord.report_id == report_id)).one()
        assert record is not None
