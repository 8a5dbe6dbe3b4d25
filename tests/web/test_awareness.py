"""The public awareness numbers: counts by kind and week, withheld below the minimum, the same in HTML and JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.services import decisions
from watchword.store.models import Report
from watchword.web.app import create_app
from watchword.worker import Worker

PHISH = "Your mailbox is full. Sign in at https://mailbox-keep-{n}.com/login to keep your messages. Password needed."


@pytest.fixture(params=["sqlite", "postgresql"])
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(make_settings(tmp_path, url, awareness_min_count=3), migrate=True) as runtime:
        yield runtime


def _report(rt: Runtime, n: int, hint: str = "credential_phishing") -> None:
    submit(rt, IncomingReport(channel=Channel.WEB, text=PHISH.format(n=n), approach_hint=hint))


def _json(client: TestClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/awareness.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_numbers_appear_only_from_the_minimum_and_match_between_html_and_json(rt: Runtime) -> None:
    with TestClient(create_app(rt)) as client:
        for n in range(2):
            _report(rt, n)
        Worker(rt).run_until_idle()
        this_week = _json(client)["weeks"][-1]
        assert this_week["counts"]["credential_phishing"] is None  # 2 < 3: withheld
        assert this_week["total"] is None
        page = client.get("/awareness").text
        assert "&lt;3" in page and "mailbox-keep" not in page

        _report(rt, 2)
        Worker(rt).run_until_idle()
        data = _json(client)
        this_week = data["weeks"][-1]
        assert this_week["counts"]["credential_phishing"] == 3  # the numbers move
        assert this_week["total"] == 3
        assert data["minimum_count"] == 3
        assert len(data["weeks"]) == 8 and re.fullmatch(r"\d{4}-W\d{2}", this_week["week"])
        page = client.get("/awareness").text
        row = re.search(r"an attempt to steal a password or login</th>(.*?)</tr>", page, re.IGNORECASE | re.DOTALL)
        assert row is not None
        cells = re.findall(r"<td>(.*?)</td>", row.group(1))
        assert cells[-1] == "3"  # the same number as the JSON's
        assert "mailbox-keep" not in page  # counts only: no report's words


def test_reports_found_genuine_are_not_counted(rt: Runtime) -> None:
    with TestClient(create_app(rt)) as client:
        for n in range(3):
            _report(rt, n)
        Worker(rt).run_until_idle()
        assert _json(client)["weeks"][-1]["counts"]["credential_phishing"] == 3
        with rt.db.session() as session:
            campaign_id = session.scalars(select(Report.campaign_id).order_by(Report.id)).first()
        assert campaign_id is not None  # the three went into one campaign
        with rt.db.write() as session:
            decisions.set_verdict(session, campaign_id, "benign", actor="analyst", note="a genuine IT notice")
        assert _json(client)["weeks"][-1]["counts"]["credential_phishing"] is None  # none left to count


def test_a_repeat_is_counted_as_another_report(rt: Runtime) -> None:
    with TestClient(create_app(rt)) as client:
        for _ in range(3):
            _report(rt, 7)  # three people, one message: one report, three sightings
        Worker(rt).run_until_idle()
        assert _json(client)["weeks"][-1]["counts"]["credential_phishing"] == 3


def test_people_are_counted_not_submissions(rt: Runtime) -> None:
    """GIVEN one person reporting three different phishes with the same contact detail (written three
    ways) and a mail reporter forwarding three more WHEN the numbers are read THEN each is one person:
    below the minimum of 3, withheld. Three anonymous reports are three people."""
    for n, contact in enumerate(("+44 7400 123456", "+44 (7400) 123-456", " +447400123456 ")):
        submit(rt, IncomingReport(channel=Channel.WEB, text=PHISH.format(n=n), approach_hint="credential_phishing",
                                  contact=contact))  # fmt: skip
    for n in range(3, 6):
        submit(
            rt,
            IncomingReport(
                channel=Channel.EMAIL,
                text=PHISH.format(n=n),
                approach_hint="credential_phishing",
                reporter_address="Alice@Corp.example",
            ),
        )
    Worker(rt).run_until_idle()
    with TestClient(create_app(rt)) as client:
        week = _json(client)["weeks"][-1]
        assert week["counts"]["credential_phishing"] is None  # two people, six submissions
        assert week["total"] is None
        for n in range(6, 9):
            _report(rt, n)  # three anonymous people
        Worker(rt).run_until_idle()
        week = _json(client)["weeks"][-1]
        assert week["counts"]["credential_phishing"] == 5
        assert week["total"] == 5
        assert _json(client)["counted"] == "people"


def test_a_person_reporting_two_kinds_is_one_person_in_the_week(rt: Runtime) -> None:
    for n, hint in enumerate(("credential_phishing", "credential_phishing", "fake_recruitment")):
        submit(
            rt, IncomingReport(channel=Channel.WEB, text=PHISH.format(n=n), approach_hint=hint, contact="bo@x.example")
        )
    for n in range(3, 5):
        _report(rt, n)
    Worker(rt).run_until_idle()
    with TestClient(create_app(rt)) as client:
        week = _json(client)["weeks"][-1]
    assert week["total"] == 3  # bo and two anonymous people, not five submissions or four cells
