"""The dashboard (reports per day by approach type, surging campaigns, time to verdict, reporters told)
and the campaign timeline (sightings, verdict marks): numbers checked by hand, SVG drawn on the server
with tables beside it, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from tests.support.console import (
    analyse_all,
    count_queries,
    email,
    page_csrf,
    put_in_campaign,
    report_email,
    signed_in,
)
from watchword.domain.states import MailKind, MailStatus
from watchword.runtime import Runtime
from watchword.services import dashboard
from watchword.store.models import Blob, Campaign, Report
from watchword.store.models_mail import MailMessage, MailMessageReport, MailOutbox
from watchword.store.models_reporter import ReporterReceipt

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
VERDICT_AT = NOW - dt.timedelta(days=2)


def _world(rt: Runtime) -> dict[str, int]:
    """Six reports over the last days: four decided 1, 2, 3 and 10 hours after they arrived, one that
    joined after the verdict, one undecided; reporters told by status page and by mail, or not."""
    ids = [report_email(rt, email(f"Lure {n}", f"Body {n} https://x{n}.lure-example.com/")) for n in range(6)]
    analyse_all(rt)
    arrived = [VERDICT_AT - dt.timedelta(hours=h) for h in (1, 2, 3, 10)] + [
        VERDICT_AT + dt.timedelta(hours=5),
        NOW - dt.timedelta(hours=1),
    ]
    types = ["credential_phishing"] * 3 + ["fake_recruitment"] * 2 + ["extortion"]
    campaign_id = put_in_campaign(rt, ids[:5], "Payroll", verdict="malicious", verdict_at=VERDICT_AT, surging=True)
    put_in_campaign(rt, ids[5:], "Quiet one")
    with rt.db.write() as session:
        for report_id, at, approach in zip(ids, arrived, types, strict=True):
            session.execute(update(Report).where(Report.id == report_id).values(created_at=at, approach_type=approach))
        session.execute(update(Report).where(Report.id.in_(ids[:5])).values(verdict="malicious"))
        # Only "Payroll" surges (the campaigns the engine made before the test regrouped them are set aside).
        session.execute(update(Campaign).where(Campaign.id != campaign_id).values(surging=False))
        # A web reporter who read the outcome, one who last looked before it, none for ids[2].
        session.add(
            ReporterReceipt(
                report_id=ids[0],
                code_hash="a" * 64,
                passphrase_hash="x",
                last_visit_at=VERDICT_AT + dt.timedelta(hours=1),
            )
        )
        session.add(
            ReporterReceipt(
                report_id=ids[1],
                code_hash="b" * 64,
                passphrase_hash="x",
                last_visit_at=VERDICT_AT - dt.timedelta(hours=1),
            )
        )
        # A mail reporter of ids[3], sent the outcome after the verdict.
        session.add(Blob(sha256="c" * 64, size=1))
        session.flush()
        mail = MailMessage(wrapper_sha256="c" * 64, via="smtp", reporter_hash="h" * 64)
        session.add(mail)
        session.flush()
        session.add(MailMessageReport(mail_message_id=mail.id, report_id=ids[3]))
        session.add(
            MailOutbox(
                kind=MailKind.OUTCOME,
                dedupe="d" * 64,
                reporter_sealed=b"x",
                reporter_hash="h" * 64,
                subject="s",
                body="b",
                status=MailStatus.SENT,
                sent_at=VERDICT_AT + dt.timedelta(hours=2),
            )
        )
    return {"campaign": campaign_id, "first": ids[0]}


def test_dashboard_figures(any_rt: Runtime) -> None:
    _world(any_rt)
    with any_rt.db.session() as session:
        view = dashboard.dashboard(session, 30, now=NOW)
    # Time to verdict over the four decided after arrival: 1, 2, 3, 10 hours.
    assert view.time_to_verdict.decided == 4 and view.time_to_verdict.on_arrival == 1
    assert view.time_to_verdict.median_hours == pytest.approx(2.5)
    assert view.time_to_verdict.p90_hours == pytest.approx(7.9)  # 3 + 0.7 x (10 - 3)
    # Five decided; reachable: ids 0, 1 (web) and 3 (mail); told: 0 (read after) and 3 (mailed after).
    assert (view.told.decided, view.told.reachable, view.told.told) == (5, 3, 2)
    # Reports per day by type: every report counted once, on its day, under its type.
    chart = view.per_day
    assert view.reports == 6 == sum(chart.totals)
    assert chart.series[:3] == ["credential_phishing", "fake_recruitment", "extortion"]
    by_type = {name: sum(day[i] for day in chart.counts) for i, name in enumerate(chart.series)}
    assert by_type == {"credential_phishing": 3, "fake_recruitment": 2, "extortion": 1}
    newest_day = chart.days.index((NOW - dt.timedelta(hours=1)).date().isoformat())  # the undecided one's day
    assert chart.counts[newest_day][chart.series.index("extortion")] == 1
    # Stacked: a day's segments sit on each other and reach the peak's height for the busiest day.
    assert len(chart.segments) == sum(1 for day in chart.counts for n in day if n)
    assert [s.title for s in view.surging] == ["Payroll"]


def test_finished_days_are_remembered_for_a_while_and_today_is_read_live(any_rt: Runtime) -> None:
    world = _world(any_rt)
    ticks = [0.0]
    closed = dashboard.ClosedDays(ttl=60, clock=lambda: ticks[0])
    with any_rt.db.session() as session:
        plain = dashboard.dashboard(session, 30, now=NOW)
        remembered = dashboard.dashboard(session, 30, now=NOW, closed=closed)
    assert remembered.per_day == plain.per_day and remembered.reports == plain.reports == 6
    # Later: re-analysis gives a report of a finished day another type, and a report arrives today.
    today = dt.datetime.combine(NOW.date(), dt.time(), tzinfo=dt.UTC)
    new = report_email(any_rt, email("Lure today", "Body https://today.lure-example.com/"))
    analyse_all(any_rt)
    with any_rt.db.write() as session:
        session.execute(update(Report).where(Report.id == world["first"]).values(approach_type="extortion"))
        session.execute(
            update(Report)
            .where(Report.id == new)
            .values(created_at=today + dt.timedelta(minutes=1), approach_type="extortion")
        )

    def by_type(view: dashboard.Dashboard) -> dict[str, int]:
        chart = view.per_day
        return {name: sum(day[i] for day in chart.counts) for i, name in enumerate(chart.series)}

    with any_rt.db.session() as session:
        stale = dashboard.dashboard(session, 30, now=NOW, closed=closed)
        ticks[0] = 61.0  # past the ttl: the finished days are read again
        fresh = dashboard.dashboard(session, 30, now=NOW, closed=closed)
        plain = dashboard.dashboard(session, 30, now=NOW)
    # Today's report shows at once; the finished day keeps its remembered type until the ttl is over.
    assert by_type(stale) == {"credential_phishing": 3, "fake_recruitment": 2, "extortion": 2}
    assert by_type(fresh) == by_type(plain) == {"credential_phishing": 2, "fake_recruitment": 2, "extortion": 3}
    assert fresh.per_day == plain.per_day


def test_dashboard_page_draws_svg_with_text_alternatives(any_rt: Runtime) -> None:
    world = _world(any_rt)
    client = signed_in(any_rt, "vic", "viewer")  # readers see the dashboard too
    with count_queries(any_rt.db.engine) as seen:
        html = client.get("/console/dashboard").text
    assert len(seen) <= 9, seen
    assert 'href="/console/dashboard"' in html  # in the navigation
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="per-day-caption"' in svg
    assert len(re.findall(r'<rect [^>]*class="series-\d"', svg)) >= 3
    assert "credential phishing: " in svg  # each segment has a <title>
    assert "<script" not in html.split("</head>", 1)[1]
    table = html.split('id="per-day-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") >= 3 and ">credential phishing</th>" in table
    assert "2.5 h" in html and "7.9 h" in html and "67%" in html
    assert f'href="/console/campaigns/{world["campaign"]}"' in html.split('id="surging"', 1)[1]
    assert client.get("/console/dashboard?days=7").status_code == 200


def test_campaign_timeline_counts_sightings_and_marks_verdicts(rt: Runtime) -> None:
    raw = email("Invoice overdue", "Pay now at https://pay.invoice-example.com/")
    first = report_email(rt, raw)
    assert report_email(rt, raw) == first  # the same message again: a sighting of the same report
    second = report_email(rt, email("Invoice overdue!", "Pay today https://pay.invoice-example.com/"))
    analyse_all(rt)
    campaign_id = put_in_campaign(rt, [first, second], "Invoices")
    client = signed_in(rt)
    page = client.get(f"/console/campaigns/{campaign_id}").text
    timeline = page.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert "Sightings per hour" in timeline and "verdict-mark" not in timeline
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', timeline)) == 3
    client.post(
        f"/console/campaigns/{campaign_id}/verdict",
        data={"csrf": page_csrf(client, f"/console/campaigns/{campaign_id}"), "verdict": "malicious"},
    )
    timeline = client.get(f"/console/campaigns/{campaign_id}").text.split('id="timeline"', 1)[1]
    timeline = timeline.split("</section>", 1)[0]
    assert timeline.count('class="verdict-mark verdict-mark-malicious"') == 1
    assert "Verdict: malicious" in timeline and "verdicts (vertical lines): malicious" in timeline
