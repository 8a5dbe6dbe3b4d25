"""A found USB stick reported through the device form scores and groups like the demo's (issue 15, item 8).

The tester found a device-form report scored 0.30 and kept apart from a near-identical demo report
scored 0.73. Here the demo data is loaded as `watchword serve --demo` loads it, the same stick is
reported through the form with every question answered, and the real worker analyses both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import analyse_all
from tests.support.reporter import fast_settings, report
from watchword.demo import demo_reports, load_demo
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Report
from watchword.web.app import create_app

DEMO_STICK = next(r.text for r in demo_reports() if r.approach_hint == "technical_surveillance")


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(fast_settings(tmp_path, database_url=url), migrate=True) as runtime:
        load_demo(runtime)
        yield runtime


def _stick_reports(rt: Runtime) -> list[Report]:
    with rt.db.session() as session:
        found = select(Report).where(Report.approach_type == "technical_surveillance").order_by(Report.id)
        return list(session.scalars(found))


@pytest.mark.parametrize(
    "answers",
    [
        {"what": "found", "used": "no"},
        {"what": "found", "where": "Car park, entrance B", "used": "no", "now": "At reception"},
        {"what": "found", "where": "Car park near entrance B, this morning", "used": "unsure", "now": "Reception"},
    ],
    ids=["two-choices", "every-question", "unsure"],
)
def test_the_same_stick_through_the_device_form_scores_like_the_demo_and_joins_its_campaign(
    demo_rt: Runtime, answers: dict[str, str]
) -> None:
    with TestClient(create_app(demo_rt)) as web:
        sent = report(web, "device", {**answers, "text": DEMO_STICK})
        assert sent.status_code == 201
    analyse_all(demo_rt)
    demo, form = _stick_reports(demo_rt)
    assert form.channel == "web" and form.id > demo.id
    assert demo.risk == pytest.approx(0.73, abs=0.01)
    assert form.risk == pytest.approx(demo.risk, abs=0.01)  # not 0.30
    assert demo.campaign_id is not None and form.campaign_id == demo.campaign_id


def test_short_words_alone_do_not_join_a_different_device_report(demo_rt: Runtime) -> None:
    """Few words are compared together with the answers: a one-line report of another device stays apart."""
    with TestClient(create_app(demo_rt)) as web:
        report(web, "device", {"what": "tampered", "where": "Lab 3", "text": "My laptop lock was forced open."})
    analyse_all(demo_rt)
    demo = _stick_reports(demo_rt)[0]
    with demo_rt.db.session() as session:
        other = session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert other is not None and other.id != demo.id
    assert other.campaign_id != demo.campaign_id
