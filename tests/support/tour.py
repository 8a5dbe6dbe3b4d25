"""A tour of every page a person sees, on the demo data: for the phone-fit and axe browser tests and
`make screenshots`.

`seed_tour` loads the demo reports (the ones `watchword serve --demo` shows), a reporter's
web report with a photo and a receipt, an admin analyst, and analyses everything; the page lists
name each reporter and console page by a short name and its path.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.console import PASSWORD, add_user, analyse_all
from tests.support.reporter import receipt_of, report
from watchword.demo import load_demo
from watchword.runtime import Runtime
from watchword.services import bulletins
from watchword.store.models import Campaign, Indicator, Report
from watchword.web.app import create_app
from watchword.web.reporter.forms import ORDER

ANALYST = "ana"
PHONE_412 = {"width": 412, "height": 915}
DESKTOP = {"width": 1440, "height": 900}
BROWSER_PHONE = {"width": 390, "height": 844}

DEVICE_WORDS = (
    "Found a USB stick labelled 'Salaries 2026' in the car park near entrance B. "
    "Not plugged in; handed it to reception."
)


@dataclass(frozen=True)
class Tour:
    report_id: int  # a reported email (the password-expiry wave)
    web_report_id: int  # the reporter's web report with a photo
    campaign_id: int  # the biggest campaign
    indicator_id: int
    receipt: tuple[str, str]  # code and passphrase of the web report
    bulletin_id: int  # a draft made from the biggest campaign

    def console_pages(self) -> dict[str, str]:
        """Every console page an analyst reads, signed in (the login page is apart: it needs no session)."""
        return {
            "queue": "/console/",
            "queue-reports": "/console/?view=reports",
            "report": f"/console/reports/{self.report_id}",
            "report-web": f"/console/reports/{self.web_report_id}",
            "report-thread": f"/console/reports/{self.report_id}/thread",
            "report-submissions": f"/console/reports/{self.report_id}/submissions",
            "campaign": f"/console/campaigns/{self.campaign_id}",
            "search": "/console/search?q=password",
            "indicator": f"/console/indicators/{self.indicator_id}",
            "account": "/console/account",
            "audit": "/console/audit",
            "failed": "/console/failed",
            "restricted": "/console/restricted",
            "tokens": "/console/tokens",
            "dashboard": "/console/dashboard",
            "indicators": "/console/indicators",
            "bulletins": "/console/bulletins",
            "bulletin": f"/console/bulletins/{self.bulletin_id}",
            "notifications": "/console/notifications",
            "saved": "/console/saved",
            "shortcuts": "/console/shortcuts",
        }


def reporter_pages() -> dict[str, str]:
    """Every reporter page reached by a link (the receipt and status pages come from a form: `reporter_flow`)."""
    pages = {"choose": "/", "about": "/about", "status-sign-in": "/report/status", "awareness": "/awareness"}
    pages.update({f"form-{key}": f"/report/{key}" for key in ORDER})
    return pages


# Pages a person meets when something is not there: checked like the others, answered with 404.
MISSING = {"reporter": {"missing": "/report/no-such-form"}, "console": {"missing": "/console/reports/999999"}}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def seed_tour(rt: Runtime) -> Tour:
    load_demo(rt)
    add_user(rt, ANALYST, "admin")
    with TestClient(create_app(rt)) as web:
        sent = report(
            web,
            "device",
            {"what": "found", "used": "no", "where": "Car park, entrance B", "text": DEVICE_WORDS},
            files=[("files", ("stick.png", _png(), "image/png"))],
        )
        assert sent.status_code == 201, sent.text[:500]
        receipt = receipt_of(sent.text)
    analyse_all(rt)
    with rt.db.session() as session:
        report_id = session.scalars(select(Report.id).where(Report.raw_sha256.is_not(None)).order_by(Report.id)).first()
        web_id = session.scalars(select(Report.id).order_by(Report.id.desc())).first()
        campaign_id = session.scalars(select(Campaign.id).order_by(Campaign.report_count.desc())).first()
        indicator_id = session.scalars(select(Indicator.id).order_by(Indicator.id)).first()
        assert session.scalar(select(func.count()).select_from(Report)) >= 10
    assert report_id and web_id and campaign_id and indicator_id
    with rt.db.write() as session:
        bulletin_id = bulletins.draft_from_campaign(session, rt.settings, campaign_id, ANALYST).id
    return Tour(report_id, web_id, campaign_id, indicator_id, receipt, bulletin_id)


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("#username", ANALYST)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/$"))


def reporter_flow(page: Any, base: str, visit: Any) -> None:
    """Send a report through the form, then come back with its receipt: `visit(name)` on each screen."""
    page.goto(f"{base}/report/other")
    page.fill("#text", "Someone called pretending to be IT and asked me to install a remote-access app.")
    page.click("button[type=submit]")
    page.wait_for_selector("code.code")
    visit("receipt")
    code = page.inner_text("code.code").strip()
    phrase = page.inner_text("code.passphrase").strip()
    page.goto(f"{base}/report/status")
    page.fill("#code", code)
    page.fill("#passphrase", phrase)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/report/status/view.*"))
    visit("status")
