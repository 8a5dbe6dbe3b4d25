"""The queue's stored priority, the dashboard and the surge notice use the one people count (store/counts.py).

The stored `Campaign.reporter_count` counts member reports' reporter keys: one email sent in by four
people through the API is one member, one key, while every page says "4 people". Ordering the queue
by the first while showing the second put a campaign below one the page said fewer people reported.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.support.console import analyse_all, email, report_email
from watchword.runtime import Runtime
from watchword.services import dashboard, notifications, queue
from watchword.store.counts import campaign_counts
from watchword.store.models import Campaign, Report
from watchword.store.models_notify import NotificationEvent


def _campaigns(rt: Runtime) -> list[int]:
    # One email sent in four times (four people, one report); three different emails once each.
    repeated = [report_email(rt, email("Payroll portal update", "Confirm at https://payroll.fraud-example.com"))]
    repeated += [
        report_email(rt, email("Payroll portal update", "Confirm at https://payroll.fraud-example.com"))
        for _ in range(3)
    ]
    assert len(set(repeated)) == 1
    for n in range(3):
        report_email(rt, email(f"Parcel {n} held", f"Pay the customs fee at https://parcel{n}.fraud-example.net"))
    analyse_all(rt)
    with rt.db.session() as session:
        return list(session.scalars(select(Campaign.id).where(Campaign.merged_into_id.is_(None))))


def test_stored_priority_is_risk_times_the_people_every_page_shows(any_rt: Runtime) -> None:
    rt = any_rt
    ids = _campaigns(rt)
    with rt.db.session() as session:
        counts = campaign_counts(session, ids)
        stored = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(ids)))}
        # The case this is about: a stored tally that is not the people count the pages show.
        assert any(stored[i].reporter_count != counts[i].people for i in ids), "no campaign tells them apart"
        for i in ids:
            c = stored[i]
            expected, _ = queue.campaign_reasons(c.facts or {}, c.risk, counts[i].people, bool(c.surging))
            assert c.priority == expected, (i, c.priority, expected, c.reporter_count, counts[i])
        # The queue: ordered by the stored priority, and each row's priority and reach agree with it.
        page = queue.open_campaigns(session, queue.Filters())
        rows = [r for r in page.rows if r.id in ids]
        assert [r.id for r in rows] == sorted(ids, key=lambda i: (-stored[i].priority, -i))
        for r in rows:
            assert r.reporter_count == counts[r.id].people
            assert f"reach {counts[r.id].people} " in " ".join(r.reasons)
            assert r.priority == stored[r.id].priority


def test_refreshing_many_priorities_at_once_gives_the_same_as_one_by_one(any_rt: Runtime) -> None:
    rt = any_rt
    ids = _campaigns(rt)
    with rt.db.write() as session:
        for c in session.scalars(select(Campaign).where(Campaign.id.in_(ids))):
            c.priority = 0.0
        queue.refresh_priorities(session, set(ids))
        together = {c.id: c.priority for c in session.scalars(select(Campaign).where(Campaign.id.in_(ids)))}
        for i in ids:
            queue.refresh_priority(session, i)
        alone = {c.id: c.priority for c in session.scalars(select(Campaign).where(Campaign.id.in_(ids)))}
    assert together == alone and all(p > 0 for p in together.values())


def test_the_dashboard_and_the_surge_notice_count_people_as_the_pages_do(any_rt: Runtime) -> None:
    rt = any_rt
    ids = _campaigns(rt)
    with rt.db.write() as session:
        counts = campaign_counts(session, ids)
        biggest = max(ids, key=lambda i: counts[i].people)
        session.get(Campaign, biggest).surging = True  # type: ignore[union-attr]
        queue.refresh_priority(session, biggest)
        session.add(NotificationEvent(key=f"surge:{biggest}:today", kind="surge", campaign_id=biggest))
    with rt.db.session() as session:
        surging = dashboard.surging(session)
        assert [(s.id, s.member_count, s.reporter_count) for s in surging] == [
            (biggest, counts[biggest].reports, counts[biggest].people)
        ]
        event = session.scalars(select(NotificationEvent)).one()
        _, body = notifications.message_for(rt, session, event)
    people = counts[biggest].people
    assert f"from {people} {'person' if people == 1 else 'people'}," in body


def test_a_sighting_after_the_analysis_moves_its_campaign_in_the_queue(any_rt: Runtime) -> None:
    """GIVEN analysed campaigns WHEN two more people send in an email already analysed (sightings: no new
    analysis runs) THEN its campaign's stored priority counts them at once, as the queue row's reach does."""
    rt = any_rt
    ids = _campaigns(rt)
    first = report_email(rt, email("Payroll portal update", "Confirm at https://payroll.fraud-example.com"))
    with rt.db.session() as session:
        campaign_id = session.get(Report, first).campaign_id  # type: ignore[union-attr]
        before = session.get(Campaign, campaign_id).priority  # type: ignore[union-attr]
    report_email(rt, email("Payroll portal update", "Confirm at https://payroll.fraud-example.com"))
    assert campaign_id in ids
    with rt.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        people = campaign_counts(session, [campaign_id])[campaign_id].people
        assert people == 6
        expected, _ = queue.campaign_reasons(campaign.facts or {}, campaign.risk, people, bool(campaign.surging))
        assert campaign.priority == expected > before
        row = next(r for r in queue.open_campaigns(session, queue.Filters()).rows if r.id == campaign_id)
        assert row.priority == expected and f"reach {people} people" in " ".join(row.reasons)
