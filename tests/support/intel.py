"""A campaign of real reports for the sharing tests, and what must never leave the building.

`seed_campaign` files real RFC 822 messages through submit() and the worker
(the same path production takes), then groups them in a Campaign row as the
campaigns area would. The messages carry everything a careless export would
leak: the recipient's name and address (also inside a link), a phone number
from the attacker's signature, an internal host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Campaign, Report, utcnow
from watchword.worker import Worker

INTERNAL = "acme-intra.com"
RECIPIENTS = [
    ("Jane Doe", "jane.doe@acme-intra.com"),
    ("Oluwaseun Adebayo-Okafor", "o.adebayo@acme-intra.com"),
    ("María José García", "mj.garcia@acme-intra.com"),
]
SENDER = "sarah.whitfield@talent-partners-global.com"
REPLY_TO = "offers@talent-hr-desk.net"
PHISH_HOST = "apply.talent-partners-global.com"
PHONE = "+41 44 668 18 00"  # a real-format number: Ofcom's drama range is on a MISP warninglist
INTERNAL_HOST = "wiki.acme-intra.com"


def recruiter_email(n: int, name: str, address: str) -> bytes:
    first = name.split()[0]
    return (
        f'From: "Sarah Whitfield" <{SENDER}>\r\n'
        f"Reply-To: {REPLY_TO}\r\n"
        f'To: "{name}" <{address}>\r\n'
        f"Subject: Exclusive consulting role for {first}\r\n"
        f"Message-ID: <m{n}@talent-partners-global.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dear {first},\r\n\r\n"
        "I am a headhunter working for a client in the defence sector. Your profile on our\r\n"
        "internal portal impressed us and we would like to offer a paid consulting engagement.\r\n"
        f"Please apply here: https://{PHISH_HOST}/form?ref={address.replace('@', '%40')}&id={n}\r\n"
        f"and send us the architecture notes from https://{INTERNAL_HOST}/spaces/radar if you can.\r\n"
        f"The role pays well: https://{PHISH_HOST}/terms\r\n\r\n"
        f"Kind regards,\r\nSarah Whitfield\r\nTalent Partners\r\nTel. {PHONE}\r\n"
    ).encode()


@dataclass
class Seeded:
    campaign_id: int
    report_ids: list[int]


def seed_campaign(rt: Runtime, count: int = 3, title: str = "Fake recruiter: defence consulting") -> Seeded:
    report_ids = []
    for n in range(count):
        name, address = RECIPIENTS[n % len(RECIPIENTS)]
        receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=recruiter_email(n, name, address)))
        report_ids.append(receipt.report_id)
    Worker(rt, processes=1).run_until_idle()
    with rt.db.write() as session:
        now = utcnow()
        campaign = Campaign(
            title=title,
            approach_type="fake_recruitment",
            first_seen=now,
            last_seen=now,
            report_count=count,
            member_count=count,
            sighting_count=count,
            reporter_count=count,
            verdict="malicious",
            verdict_at=now,
            representative_report_id=report_ids[0],
        )
        session.add(campaign)
        session.flush()
        session.execute(update(Report).where(Report.id.in_(report_ids)).values(campaign_id=campaign.id))
        # What the campaigns area would have derived; the fixture pins it for the assertions.
        session.execute(update(Report).where(Report.id.in_(report_ids)).values(scope="in_scope"))
        return Seeded(campaign.id, report_ids)


def intel_runtime(tmp_path: Path, **overrides: object) -> Runtime:
    defaults: dict[str, object] = {
        "internal_domains": (INTERNAL,),
        "org_name": "Acme Security",
        "public_base_url": "https://watchword.acme.example",
        # With a public address configured, other Host names get 400; TestClient names this one.
        "allowed_hosts": ("testserver",),
    }
    return open_runtime(make_settings(tmp_path, **{**defaults, **overrides}), migrate=True)
