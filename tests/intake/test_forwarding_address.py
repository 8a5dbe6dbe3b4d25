"""The forwarding address: named on the reporter pages, and `make run`'s demo mail intake taking mail.

The live test runs `watchword serve` as `make run` does (SMTP intake in the same process, on
loopback, for the demo address) and forwards a message to it with smtplib, as a mail client would.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.live_server import serve
from tests.support.ports import reserved_port
from tests.support.reporter import fast_settings
from tests.support.settings import make_settings
from watchword.runtime import open_runtime
from watchword.store.models import Report
from watchword.worker import build_worker

DEMO_ADDRESS = "report@watchword.localhost"  # the Makefile's DEMO_ADDRESS
CLIENTS = ("Outlook", "Gmail", "Apple Mail", "Thunderbird")


def _pages(tmp_path: Path, **overrides: object) -> Iterator[tuple[str, str]]:
    from watchword.web.app import create_app

    with open_runtime(fast_settings(tmp_path, **overrides)) as rt, TestClient(create_app(rt)) as client:
        yield client.get("/").text, client.get("/report/email").text


def test_the_pages_name_the_configured_address_with_how_to_forward_as_an_attachment(tmp_path: Path) -> None:
    for home, email_form in _pages(tmp_path, forward_address="phish@corp.example.org"):
        for page in (home, email_form):
            assert 'href="mailto:phish@corp.example.org"' in page
            for client in CLIENTS:
                assert f"<strong>{client}</strong>" in page


def test_the_first_smtp_address_is_named_when_no_forwarding_address_is_set(tmp_path: Path) -> None:
    for home, _ in _pages(tmp_path, smtp_addresses=("report@watchword.localhost", "other@watchword.localhost")):
        assert 'href="mailto:report@watchword.localhost"' in home
        assert "other@watchword.localhost" not in home


def test_no_address_is_named_when_none_is_configured(tmp_path: Path) -> None:
    for home, email_form in _pages(tmp_path):
        assert "mailto:" not in home and "mailto:" not in email_form
        assert "Forward as attachment" not in home


@pytest.mark.slow
def test_a_message_forwarded_with_smtplib_to_the_demo_address_becomes_a_report(tmp_path: Path) -> None:
    make_settings(tmp_path)  # the migrated empty store the server opens
    with reserved_port() as smtp_port:  # held while the server runs (tests/support/ports.py)
        _forward_to_the_demo_address(tmp_path, smtp_port)


def _forward_to_the_demo_address(tmp_path: Path, smtp_port: int) -> None:
    env = {"SMTP_IN_SERVE": "1", "SMTP_PORT": str(smtp_port), "SMTP_ADDRESSES": DEMO_ADDRESS}
    with serve(tmp_path, **env) as live:
        home = httpx.get(live.base + "/", timeout=30).text
        assert f'href="mailto:{DEMO_ADDRESS}"' in home
        # `serve` says this once the SMTP listener has bound its port (before uvicorn starts, so at once).
        live.output.wait_for("Mail intake: SMTP on", 30)

        original = EmailMessage()
        original["From"] = "IT Service Desk <helpdesk@mailbox-quota-alerts.com>"
        original["To"] = "alex@corp.example.org"
        original["Subject"] = "Your mailbox is full: verify now"
        original["Message-ID"] = "<quota-1@mailbox-quota-alerts.com>"
        original["Date"] = "Fri, 04 Dec 2026 09:12:00 +0000"
        original.set_content("Verify your account at https://mailbox-quota-alerts.com/verify or lose your mail.")
        forward = EmailMessage()
        forward["From"] = "Alex <alex@corp.example.org>"
        forward["To"] = DEMO_ADDRESS
        forward["Subject"] = "Fwd: Your mailbox is full: verify now"
        forward.set_content("This looks like phishing.")
        forward.add_attachment(original)  # "Forward as attachment": message/rfc822
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            refused = client.send_message(forward)
        assert refused == {}
        # 250 was answered after the commit: the report is there now.
        with open_runtime(make_settings(tmp_path)) as rt:
            build_worker(rt).run_until_idle()
            with rt.db.session() as session:
                reports = session.scalars(select(Report)).all()
        assert [r.channel for r in reports] == ["email"]
        assert reports[0].subject == "Your mailbox is full: verify now"  # the original, unwrapped
        with pytest.raises(smtplib.SMTPRecipientsRefused), smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.sendmail("alex@corp.example.org", ["someone-else@watchword.localhost"], b"Subject: x\r\n\r\nx")
