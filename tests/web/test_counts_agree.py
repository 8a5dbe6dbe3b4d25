"""One definition of reports / people / sightings (issue 15.4): the queue, the report page, the campaign page and
what reporters are told say the same numbers for a report that several people sent in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.support.console import add_user, console_client, csrf_of, sign_in
from tests.support.mailbuilders import forwarded_by, password_phish
from tests.support.reporter import fast_settings, receipt_of, report, text_of
from watchword.intake.mail import MailResult, take_mail
from watchword.runtime import Runtime, open_runtime
from watchword.services.sharing import shared_campaign
from watchword.store.counts import Counts, counts_of
from watchword.store.models import Report
from watchword.store.models_mail import MailOutbox
from watchword.web.app import create_app
from watchword.worker import Worker

REPORT_TO = "report@watchword.test"
WEB_LURE = (
    "Hello, I am a recruiter for a defence supplier. We pay 4000 EUR for a short paid interview about your "
    "pilot line yields and process recipes; send your CV to talent-desk@hire-example.org today."
)


@pytest.fixture(params=["sqlite", "postgresql"])
def crt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(
        fast_settings(tmp_path, database_url=url, smtp_addresses=(REPORT_TO,), reply_from=f"Watchword <{REPORT_TO}>"),
        migrate=True,
    ) as runtime:
        yield runtime


def _said(html: str) -> tuple[int, int]:
    """(people, sightings) from a `counts` element of a console page."""
    found = re.search(r'class="[^"]*counts[^"]*">\s*(\d+) (?:person|people) · (\d+) sightings?', html)
    assert found, html[:2000]
    return int(found.group(1)), int(found.group(2))


def _queue_row(client: TestClient, report_id: int, campaign_id: int | None) -> str:
    view, kind, ident = ("campaigns", "campaigns", campaign_id) if campaign_id else ("reports", "reports", report_id)
    html = client.get(f"/console/?view={view}&status=any").text
    row = re.search(rf'<tr data-row data-kind="{kind}" data-id="{ident}".*?</tr>', html, re.S)
    assert row, f"row {kind} {ident} not on the queue"
    return row.group(0)


def _forward(rt: Runtime, who: str, nth: int) -> MailResult:
    """The same phishing email, forwarded to the reporting address by who@corp.example (their nth)."""
    return take_mail(
        rt,
        forwarded_by(password_phish(), f"{who}@corp.example", nth, REPORT_TO),
        via="smtp",
        envelope_from=f"{who}@corp.example",
    )


def _analyst(rt: Runtime) -> TestClient:
    add_user(rt, "ana")
    client = console_client(rt)
    assert sign_in(client, "ana").status_code == 303
    return client


def test_a_mailed_report_from_two_people_three_times_counts_the_same_everywhere(crt: Runtime) -> None:
    """GIVEN one phishing email forwarded twice by alice and once by bob (one report: 3 sightings, 2 people)
    THEN the queue, the report page and the campaign page say 2 people and 3 sightings, and the outcome mail
    says "reported by 2 people" (it said 3, counting sightings as people)."""
    rt = crt
    first = _forward(rt, "alice", 1)
    _forward(rt, "alice", 2)
    _forward(rt, "bob", 3)
    Worker(rt).run_until_idle()
    report_id = first.receipts[0].report_id
    with rt.db.session() as session:
        report_row = session.get(Report, report_id)
        assert report_row is not None and report_row.sightings == 3
        campaign_id = report_row.campaign_id
        assert campaign_id is not None  # a phish with a credential link starts a campaign of its own
        assert counts_of(session, report_id) == Counts(reports=1, people=2, sightings=3)

    analyst = _analyst(rt)
    campaign_row = _queue_row(analyst, report_id, campaign_id)
    assert _said(campaign_row) == (2, 3)
    assert "reach 2 people" in campaign_row  # the priority's reason counts the people the row shows
    page = analyst.get(f"/console/reports/{report_id}").text
    assert _said(page) == (2, 3)
    assert "1 report · 2 people · 3 sightings" in page  # its campaign's, beside it
    campaign_page = text_of(analyst.get(f"/console/campaigns/{campaign_id}").text)
    assert "1 report · 2 people · 3 sightings" in campaign_page
    assert "reach 2 people" in campaign_page

    decided = analyst.post(
        f"/console/campaigns/{campaign_id}/verdict",
        data={"csrf": csrf_of(page), "verdict": "malicious", "reporter_message": "", "note": ""},
    )
    assert decided.status_code == 303
    with rt.db.session() as session:
        outcomes = session.scalars(select(MailOutbox.body).where(MailOutbox.kind == "outcome")).all()
    assert len(outcomes) == 2  # one per person, not per sighting
    assert all("reported by 2 people" in body for body in outcomes), outcomes

    # A fourth sighting after the verdict: partners reading the shared campaign see what the console sees.
    _forward(rt, "carol", 4)
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        assert counts_of(session, report_id) == Counts(reports=1, people=3, sightings=4)
        shared = shared_campaign(session, rt.settings, campaign_id)
    assert (shared.report_count, shared.sighting_count) == (1, 4)
    assert _said(_queue_row(analyst, report_id, campaign_id)) == (3, 4)

    # Outside any campaign, the queue's row and its priority's reach say the same 2 people.
    with rt.db.write() as session:
        session.execute(update(Report).where(Report.id == report_id).values(campaign_id=None))
    row = _queue_row(analyst, report_id, None)
    assert _said(row) == (3, 4) and "reach 3 people" in row


def test_web_reporters_of_one_message_are_told_the_number_the_console_shows(crt: Runtime) -> None:
    """GIVEN three people who pasted the same message into the web form (one report, three receipts)
    THEN queue and report page say 3 people, 3 sightings, and a reporter's status page says "reported by 3 people"."""
    rt = crt
    with TestClient(create_app(rt)) as web:
        receipts = [receipt_of(report(web, "other", {"text": WEB_LURE}).text) for _ in range(3)]
    Worker(rt).run_until_idle()
    with rt.db.session() as session:
        (report_id, campaign_id, sightings), *others = session.execute(
            select(Report.id, Report.campaign_id, Report.sightings)
        ).all()
        assert others == [] and sightings == 3
        assert counts_of(session, report_id) == Counts(reports=1, people=3, sightings=3)
    analyst = _analyst(rt)
    row = _queue_row(analyst, report_id, campaign_id)
    assert _said(row) == (3, 3)
    if campaign_id is None:  # a report's priority weighs the same people the row shows
        assert "reach 3 people" in row
    page = analyst.get(f"/console/reports/{report_id}").text
    assert _said(page) == (3, 3)
    if campaign_id is not None:
        target, data = f"/console/campaigns/{campaign_id}/verdict", {"reporter_message": ""}
    else:
        target, data = f"/console/reports/{report_id}/verdict", {}
    decided = analyst.post(target, data={"csrf": csrf_of(page), "verdict": "malicious", "note": "", **data})
    assert decided.status_code == 303
    with TestClient(create_app(rt)) as web:
        code, phrase = receipts[1]
        status = web.post("/report/status", data={"code": code, "passphrase": phrase}, follow_redirects=True)
    assert status.status_code == 200
    assert "reported by 3 people" in text_of(status.text)
