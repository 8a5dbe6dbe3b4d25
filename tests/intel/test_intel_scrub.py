"""The targeted people are scrubbed from every exported value, in every encoding a kit uses,
and a leak check over each rendered export fails it when anything identifying is left."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.support.console import put_in_campaign
from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.intel import formats, taxii
from watchword.intel.scrub import LeakError, Victims, find_in, leaks, scrub_url
from watchword.intel.selection import gather
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Campaign, utcnow
from watchword.worker import Worker

ADDRESS = "bob.smith@acme-corp.com"
KIT = "https://kit.evil-phish.net"
LINKS = [
    f"{KIT}/alex.morgan/signin",
    f"{KIT}/owa/login?u=alex.morgan&step=2",
    f"{KIT}/bob.smith/signin",
    f"{KIT}/verify/index.php?e=bob.smith%2540acme-corp.com",
    f"{KIT}/profile/update?name=Bob%20Smith",
    f"{KIT}/sms/confirm?phone=%2B12025550143",
    f"{KIT}/x/track?d={ADDRESS.encode().hex()}",
    f"{KIT}/y/track?x={base64.b64encode(ADDRESS.encode()).decode()}",
    f"{KIT}/z/{base64.urlsafe_b64encode(b'alex.morgan@acme-corp.com').decode().rstrip('=')}",
    "https://acme-corp.com.secure-docs.evil-phish.net/share",
    f"{KIT}/kit/landing.html",
]
# Every form a partner must never see.
SECRETS = [
    "alex.morgan",
    "alex",
    "morgan",
    "bob.smith",
    "Bob Smith",
    "Bob%20Smith",
    "acme-corp",
    "2025550143",
    ADDRESS.encode().hex(),
    base64.b64encode(ADDRESS.encode()).decode().rstrip("="),
    base64.urlsafe_b64encode(b"alex.morgan@acme-corp.com").decode().rstrip("="),
]


def _message(n: int, to_name: str, to_addr: str) -> bytes:
    links = "\r\n".join(LINKS)
    greeting = to_name.split()[0]
    return (
        'From: "IT Service Desk" <desk@evil-phish.net>\r\n'
        f'To: "{to_name}" <{to_addr}>\r\n'
        f"Subject: Mailbox quota {n}\r\nMessage-ID: <q{n}@evil-phish.net>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dear {greeting},\r\n\r\nYour mailbox is full. Sign in to keep your mail:\r\n{links}\r\n"
    ).encode()


@contextmanager
def _campaign(tmp_path: Path, title: str = "Mailbox quota") -> Iterator[tuple[Runtime, int]]:
    # No internal domains configured: the recipients' own domain is still found from To.
    with open_runtime(make_settings(tmp_path, org_name="Acme Security")) as rt:
        ids = []
        for n, (name, addr) in enumerate([("Bob Smith", ADDRESS), ("Alex Morgan", "alex.morgan@acme-corp.com")]):
            ids.append(submit(rt, IncomingReport(channel=Channel.API, raw_email=_message(n, name, addr))).report_id)
        Worker(rt).run_until_idle()
        now = utcnow()
        campaign_id = put_in_campaign(
            rt,
            ids,
            title,
            report_scope="in_scope",
            approach_type="credential_phishing",
            first_seen=now,
            last_seen=now,
            verdict="malicious",
            verdict_at=now,
        )
        yield rt, campaign_id


def test_no_format_carries_a_targeted_person_in_any_encoding(tmp_path: Path) -> None:
    with _campaign(tmp_path) as (rt, campaign_id):
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=campaign_id)
        urls = {i.value for i in share.of_type("url")}
        assert f"{KIT}/kit/landing.html" in urls  # nothing personal: goes as it is
        assert f"{KIT}/owa/login" in urls  # cut before the query that names alex.morgan
        assert f"{KIT}/verify/index.php" in urls and f"{KIT}/profile/update" in urls
        assert not any("alex" in u or "bob" in u or "track?" in u for u in urls)
        assert "acme-corp.com" not in {i.value for i in share.of_type("domain")}
        assert share.withheld["URL cut before a targeted person"] >= 5
        for fmt in formats.FORMATS:
            body, _ = formats.render(share, fmt)
            assert leaks(body, share.victims) == {}, fmt
            lowered = body.lower()
            for secret in SECRETS:
                assert secret.lower() not in lowered, (fmt, secret)


def test_taxii_publication_is_scrubbed_and_leak_checked(tmp_path: Path) -> None:
    with _campaign(tmp_path) as (rt, campaign_id), rt.db.write() as session:
        share = gather(session, rt.settings, campaign_id=campaign_id, tlp="green")
        taxii.publish(session, share, "test")
        share.campaign.title = "Mailbox quota for Bob Smith"  # type: ignore[union-attr]
        with pytest.raises(LeakError, match="identify the people who were targeted"):
            taxii.publish(session, share, "test")


def test_the_leak_check_fails_an_export_whose_title_names_a_recipient(tmp_path: Path) -> None:
    with _campaign(tmp_path) as (rt, campaign_id):
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=campaign_id)
        share.campaign.title = "Quota warning to bob.smith"  # type: ignore[union-attr]
        for fmt in ("stix.json", "misp.json"):  # the formats that carry the title
            with pytest.raises(LeakError, match="not exported"):
                formats.render(share, fmt)


def test_console_download_refuses_a_leaking_export_with_a_clear_message(tmp_path: Path) -> None:
    from tests.support.console import signed_in

    with _campaign(tmp_path, title="Mailbox quota") as (rt, campaign_id):
        client = signed_in(rt)
        assert client.get(f"/console/campaigns/{campaign_id}/export.stix.json").status_code == 200
        with rt.db.write() as session:
            # A title an analyst pasted from a kit's link: the recipient's address in hex, which the
            # title's text redaction does not read, and the leak check does.
            title = "Quota wave " + b"alex.morgan@acme-corp.com".hex()
            session.execute(update(Campaign).where(Campaign.id == campaign_id).values(title=title))
        refused = client.get(f"/console/campaigns/{campaign_id}/export.stix.json")
        assert refused.status_code == 409, refused.text
        assert "identify the people who were targeted" in refused.text


@pytest.mark.parametrize(
    "text",
    [
        "alex.morgan",
        "Alex%20Morgan",
        "alex%252Emorgan%2540acme-corp.com",
        base64.b64encode(b"ALEX.MORGAN@ACME-CORP.COM").decode(),
        "616c65782e6d6f7267616e",
        "call+1 202 555 0143",
        "mail.acme-corp.com",
    ],
)
def test_the_detector_reads_every_encoding(text: str) -> None:
    victims = Victims()
    victims.add_address("Alex Morgan", "alex.morgan@acme-corp.com")
    victims.add_phone("+1 202 555 0143")
    assert find_in(text, victims), text


def test_an_unrelated_url_is_left_alone() -> None:
    victims = Victims()
    victims.add_address("Alex Morgan", "alex.morgan@acme-corp.com")
    url = "https://kit.evil-phish.net/o365/auth.php?session=8f2a9c&lang=en"
    assert scrub_url(url, victims) == (url, False)
    assert json.dumps(find_in(url, victims)) == "[]"
