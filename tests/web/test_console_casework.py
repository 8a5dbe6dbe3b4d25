"""Deciding fast (issue 15): assign and case status on reports and campaigns, the queue's filters for them,
bulk actions as a plain form post, saved searches per analyst, and a second factor that can be required."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from tests.support.console import (
    analyse_all,
    console_client,
    email,
    page_csrf,
    put_in_campaign,
    report_email,
    sign_in,
    signed_in,
)
from tests.support.settings import make_settings
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import AuditEvent, Campaign, Report


def _audit(rt: Runtime, action: str) -> list[tuple[str, str, dict[str, object]]]:
    with rt.db.session() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.object_id, AuditEvent.detail)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ).all()
    return [(actor, str(object_id), detail) for actor, object_id, detail in rows]


def _reports(rt: Runtime, n: int, prefix: str = "Invoice") -> list[int]:
    ids = [report_email(rt, email(f"{prefix} {i}", f"Pay https://pay{i}.fraud-example.com/now")) for i in range(n)]
    analyse_all(rt)
    return ids


def _queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-row data-kind="reports" data-id="(\d+)"', html)]


def _outside_campaigns(rt: Runtime, ids: list[int]) -> None:
    # The worker may have grouped them; these tests are about reports that belong to no campaign.
    from sqlalchemy import update

    with rt.db.write() as session:
        session.execute(update(Report).where(Report.id.in_(ids)).values(campaign_id=None))


def test_assign_and_status_on_a_report_and_a_campaign_are_saved_and_audited(rt: Runtime) -> None:
    ids = _reports(rt, 2)
    campaign_id = put_in_campaign(rt, ids[1:], "Payroll wave")
    client = signed_in(rt, "ana")
    signed_in(rt, "ben")  # a second analyst to assign to
    csrf = page_csrf(client)
    page = client.get(f"/console/reports/{ids[0]}").text
    assert 'id="assign-me-form"' in page and '<option value="ben"' in page and "unassigned" in page

    assert client.post(f"/console/reports/{ids[0]}/assign", data={"csrf": csrf, "assignee": "me"}).status_code == 303
    assert (
        client.post(f"/console/reports/{ids[0]}/status", data={"csrf": csrf, "status": "in_progress"}).status_code
        == 303
    )
    to_ben = client.post(f"/console/campaigns/{campaign_id}/assign", data={"csrf": csrf, "assignee": "ben"})
    assert to_ben.status_code == 303 and to_ben.headers["location"].startswith(f"/console/campaigns/{campaign_id}")
    assert (
        client.post(f"/console/campaigns/{campaign_id}/status", data={"csrf": csrf, "status": "closed"}).status_code
        == 303
    )
    with rt.db.session() as session:
        report, campaign = session.get(Report, ids[0]), session.get(Campaign, campaign_id)
        assert report is not None and (report.assignee, report.case_status) == ("ana", "in_progress")
        assert campaign is not None and (campaign.assignee, campaign.case_status) == ("ben", "closed")
    assert _audit(rt, "report.assign") == [("ana", str(ids[0]), {"assignee": "ana", "previous": None})]
    assert _audit(rt, "report.case_status") == [("ana", str(ids[0]), {"status": "in_progress", "previous": "new"})]
    assert _audit(rt, "campaign.assign")[0][2] == {"assignee": "ben", "previous": None}
    assert _audit(rt, "campaign.case_status")[0][2] == {"status": "closed", "previous": "new"}
    shown = client.get(f"/console/reports/{ids[0]}").text
    assert "assigned to ana" in shown and '<span class="case-status">in progress</span>' in shown

    # Refusals: a status outside the three, an assignee who is not an analyst, a viewer, no CSRF token.
    bad = client.post(f"/console/reports/{ids[0]}/status", data={"csrf": csrf, "status": "done"})
    assert bad.status_code == 400 and "new, in_progress, closed" in bad.text
    signed_in(rt, "vera", role="viewer")
    not_analyst = client.post(f"/console/reports/{ids[0]}/assign", data={"csrf": csrf, "assignee": "vera"})
    assert not_analyst.status_code == 400 and "only to an analyst" in not_analyst.text
    viewer = console_client(rt)
    assert sign_in(viewer, "vera").status_code == 303
    as_viewer = viewer.post(f"/console/reports/{ids[0]}/assign", data={"csrf": page_csrf(viewer), "assignee": "me"})
    assert as_viewer.status_code == 403
    assert client.post(f"/console/reports/{ids[0]}/assign", data={"assignee": "me"}).status_code == 403
    with rt.db.session() as session:
        report = session.get(Report, ids[0])
        assert report is not None and (report.assignee, report.case_status) == ("ana", "in_progress")


def test_the_queue_filters_by_who_has_it_and_by_case_status(rt: Runtime) -> None:
    ids = _reports(rt, 3)
    _outside_campaigns(rt, ids)
    client = signed_in(rt, "ana")
    signed_in(rt, "ben")
    csrf = page_csrf(client)
    client.post(f"/console/reports/{ids[0]}/assign", data={"csrf": csrf, "assignee": "me"})
    client.post(f"/console/reports/{ids[1]}/assign", data={"csrf": csrf, "assignee": "ben"})
    client.post(f"/console/reports/{ids[1]}/status", data={"csrf": csrf, "status": "closed"})
    assert _queue_ids(client.get("/console/?view=reports&assigned=me").text) == [ids[0]]
    assert _queue_ids(client.get("/console/?view=reports&assigned=none").text) == [ids[2]]
    assert _queue_ids(client.get("/console/?view=reports&case=closed").text) == [ids[1]]
    assert sorted(_queue_ids(client.get("/console/?view=reports&case=new").text)) == sorted([ids[0], ids[2]])
    assert sorted(_queue_ids(client.get("/console/?view=reports").text)) == sorted(ids)
    # "me" is whoever is signed in, never a name taken from the address.
    ben = console_client(rt)
    assert sign_in(ben, "ben").status_code == 303
    assert _queue_ids(ben.get("/console/?view=reports&assigned=me&me=ana").text) == [ids[1]]


def test_bulk_actions_apply_to_each_selected_report_and_are_audited_per_report(rt: Runtime) -> None:
    ids = _reports(rt, 4)
    _outside_campaigns(rt, ids)
    campaign_id = put_in_campaign(rt, ids[3:], "Known wave", verdict="malicious")
    client = signed_in(rt, "ana")
    queue = client.get("/console/?view=reports").text
    # A plain form: checkboxes, an action, the CSRF token; no script needed.
    assert 'form method="post" action="/console/queue/bulk"' in queue
    assert all(f'name="report" value="{i}"' in queue for i in ids[:3])
    csrf = page_csrf(client, "/console/?view=reports")

    def bulk(action: str, chosen: list[int], **extra: str) -> int:
        data = {"csrf": csrf, "do": action, "report": [str(i) for i in chosen], "back": "/console/?view=reports"}
        response = client.post("/console/queue/bulk", data={**data, **extra})
        return int(response.status_code)

    assert bulk("assign:me", ids[:2]) == 303
    assert bulk("status:in_progress", ids[:3]) == 303
    assert bulk("verdict:spam", ids[:2]) == 303
    with rt.db.session() as session:
        rows = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(ids)))}
    assert [rows[i].assignee for i in ids[:3]] == ["ana", "ana", None]
    assert [rows[i].case_status for i in ids[:3]] == ["in_progress"] * 3
    assert [rows[i].verdict for i in ids[:3]] == ["spam", "spam", None]
    assert sorted(int(o) for _a, o, _d in _audit(rt, "report.assign")) == sorted(ids[:2])
    assert sorted(int(o) for _a, o, _d in _audit(rt, "report.case_status")) == sorted(ids[:3])
    assert sorted(int(o) for _a, o, _d in _audit(rt, "report.verdict")) == sorted(ids[:2])

    # Into a campaign: each report joins it, takes its verdict, and is audited on its own.
    assert bulk("campaign", ids[1:3], campaign_id=str(campaign_id)) == 303
    with rt.db.session() as session:
        joined = session.execute(select(Report.id, Report.campaign_id, Report.verdict).where(Report.id.in_(ids))).all()
        in_campaign = session.scalars(select(Report.id).where(Report.campaign_id == campaign_id)).all()
        assert sorted(in_campaign) == sorted(ids[1:])
    assert {i: (c, v) for i, c, v in joined}[ids[2]] == (campaign_id, "malicious")
    assert sorted(int(o) for _a, o, _d in _audit(rt, "campaign.add_report")) == sorted(ids[1:3])
    # A verdict for reports of which one is now in a campaign: the others are set, that one is skipped, said so.
    response = client.post(
        "/console/queue/bulk",
        data={"csrf": csrf, "do": "verdict:benign", "report": [str(ids[0]), str(ids[1])], "back": "/console/"},
    )
    assert response.status_code == 303 and "done=bulk_skipped" in response.headers["location"]
    with rt.db.session() as session:
        assert session.scalar(select(Report.verdict).where(Report.id == ids[1])) == "malicious"
        assert session.scalar(select(Report.verdict).where(Report.id == ids[0])) == "benign"

    # Refused whole: no action, no reports, no CSRF token.
    assert bulk("", ids[:1]) == 400
    assert client.post("/console/queue/bulk", data={"csrf": csrf, "do": "assign:me"}).status_code == 400
    no_token = client.post("/console/queue/bulk", data={"do": "status:closed", "report": [str(ids[0])]})
    assert no_token.status_code == 403


def test_bulk_actions_on_the_campaign_list_apply_to_each_campaign_and_are_audited_per_campaign(rt: Runtime) -> None:
    """GIVEN three campaigns (one merged away) WHEN an analyst ticks them on the campaign list and assigns,
    sets a status and a verdict in bulk THEN each open campaign, and each of its reports for the verdict, is
    changed and audited once; the merged one is skipped and said so; a viewer sees no checkboxes."""
    ids = _reports(rt, 4, prefix="Parcel")
    first = put_in_campaign(rt, ids[:2], "Parcel wave")
    second = put_in_campaign(rt, ids[2:3], "Customs fee")
    gone = put_in_campaign(rt, [], "Merged away", merged_into_id=first, status="merged")
    client = signed_in(rt, "ana")
    listing = client.get("/console/?status=any").text
    assert 'form method="post" action="/console/queue/bulk"' in listing
    assert f'name="campaign" value="{first}"' in listing and f'name="campaign" value="{second}"' in listing
    assert "With the selected campaigns" in listing and 'value="campaign"' not in listing  # no "add to campaign"
    csrf = page_csrf(client, "/console/")

    def bulk(action: str, chosen: list[int]) -> str:
        data = {"csrf": csrf, "do": action, "campaign": [str(i) for i in chosen], "back": "/console/?status=any"}
        response = client.post("/console/queue/bulk", data=data)
        assert response.status_code == 303, response.text[:300]
        return str(response.headers["location"])

    assert bulk("assign:me", [first, second]).endswith("done=bulk_campaigns")
    assert bulk("status:in_progress", [first, second]).endswith("done=bulk_campaigns")
    assert bulk("verdict:spam", [first, second, gone]).endswith("done=bulk_campaigns_skipped")
    with rt.db.session() as session:
        rows = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_([first, second, gone])))}
        verdicts = dict(session.execute(select(Report.id, Report.verdict).where(Report.id.in_(ids))).all())
    assert [(rows[i].assignee, rows[i].case_status, rows[i].verdict) for i in (first, second)] == [
        ("ana", "in_progress", "spam")
    ] * 2
    assert rows[gone].verdict is None and rows[gone].assignee is None
    assert [verdicts[i] for i in ids] == ["spam", "spam", "spam", None]  # the fourth is in no campaign
    assert sorted(int(o) for _a, o, _d in _audit(rt, "campaign.assign")) == sorted([first, second])
    assert sorted(int(o) for _a, o, _d in _audit(rt, "campaign.case_status")) == sorted([first, second])
    assert sorted(int(o) for _a, o, _d in _audit(rt, "campaign.verdict")) == sorted([first, second])
    # Refused whole: no action chosen; an assignee who is no analyst.
    no_action = client.post("/console/queue/bulk", data={"csrf": csrf, "do": "", "campaign": [str(first)]})
    assert no_action.status_code == 400
    nobody = client.post("/console/queue/bulk", data={"csrf": csrf, "do": "assign:zed", "campaign": [str(first)]})
    assert nobody.status_code == 400
    viewer = signed_in(rt, "vic", role="viewer")
    assert 'name="campaign"' not in viewer.get("/console/").text
    assert viewer.post("/console/queue/bulk", data={"do": "status:closed", "campaign": [str(first)]}).status_code == 403


def test_saved_searches_are_each_analysts_own(rt: Runtime) -> None:
    ids = _reports(rt, 2)
    _outside_campaigns(rt, ids)
    ana = signed_in(rt, "ana")
    csrf = page_csrf(ana, "/console/?view=reports&assigned=none")
    queue = ana.get("/console/?view=reports&assigned=none&case=new").text
    query = re.search(r'name="target" value="queue">\s*<input type="hidden" name="query" value="([^"]*)"', queue)
    assert query and "assigned=none" in query.group(1)
    as_sent = html.unescape(query.group(1))  # what the browser posts
    saved = ana.post("/console/saved", data={"csrf": csrf, "name": "Nobody's yet", "target": "queue", "query": as_sent})
    assert saved.status_code == 303
    search = ana.post(
        "/console/saved", data={"csrf": csrf, "name": "Fraud", "target": "search", "query": "q=fraud&x=1"}
    )
    assert search.status_code == 303
    listing = ana.get("/console/saved").text
    found = {name: int(i) for i, name in re.findall(r'href="/console/saved/(\d+)">([^<]+)</a>', listing)}
    assert set(found) == {"Nobody&#39;s yet", "Fraud"}
    run = ana.get(f"/console/saved/{found['Nobody&#39;s yet']}")
    assert run.status_code == 303 and run.headers["location"] == "/console/?view=reports&assigned=none&case=new"
    assert ana.get(f"/console/saved/{found['Fraud']}").headers["location"] == "/console/search?q=fraud"
    assert sorted(_queue_ids(ana.get(run.headers["location"]).text)) == sorted(ids)

    ben = signed_in(rt, "ben")
    assert "Fraud" not in ben.get("/console/saved").text
    assert ben.get(f"/console/saved/{found['Fraud']}").status_code == 404
    stolen = ben.post(f"/console/saved/{found['Fraud']}/delete", data={"csrf": page_csrf(ben)})
    assert stolen.status_code == 404
    assert ana.post(f"/console/saved/{found['Fraud']}/delete", data={"csrf": csrf}).status_code == 303
    assert "Fraud" not in ana.get("/console/saved").text and "Nobody" in ana.get("/console/saved").text
    assert [a for a, _o, _d in _audit(rt, "saved_search.delete")] == ["ana"]


@pytest.fixture
def totp_rt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(make_settings(tmp_path, require_totp=True)) as runtime:
        yield runtime


def test_required_totp_sends_an_analyst_without_it_to_set_it_up_first(totp_rt: Runtime) -> None:
    """GIVEN WATCHWORD_REQUIRE_TOTP=1 and an analyst without a second factor WHEN they sign in
    THEN every console page sends them to set it up (only that and sign-out work), and once it is on, all do."""
    rt = totp_rt
    report_id = report_email(rt, email("Invoice", "Pay now"))
    client = signed_in(rt, "ana")
    for path in (
        "/console/",
        f"/console/reports/{report_id}",
        "/console/search?q=x",
        "/console/saved",
        "/console/audit",
    ):
        sent = client.get(path)
        assert sent.status_code == 303 and sent.headers["location"] == "/console/account?done=totp_required", path
    account = client.get("/console/account?done=totp_required")
    assert account.status_code == 200 and "Two-factor sign-in is required" in account.text
    csrf = page_csrf(client, "/console/account")
    # A change elsewhere is refused the same way, and changes nothing.
    refused = client.post(f"/console/reports/{report_id}/assign", data={"csrf": csrf, "assignee": "me"})
    assert refused.status_code == 303 and "totp_required" in refused.headers["location"]
    with rt.db.session() as session:
        assert session.scalar(select(Report.assignee).where(Report.id == report_id)) is None

    started = client.post("/console/account/totp/start", data={"csrf": csrf})
    assert started.status_code == 200
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', started.text)
    assert secret
    confirmed = client.post(
        "/console/account/totp/confirm", data={"csrf": csrf, "code": pyotp.TOTP(secret.group(1)).now()}
    )
    assert confirmed.status_code == 303
    assert client.get("/console/").status_code == 200
    assert client.get(f"/console/reports/{report_id}").status_code == 200

    # Sign-out stays reachable for someone who has not set it up.
    other = signed_in(rt, "ben")
    assert other.get("/console/").status_code == 303
    out = other.post("/console/logout", data={"csrf": page_csrf(other, "/console/account")})
    assert out.status_code == 303 and "totp_required" not in out.headers.get("location", "")


def test_without_the_setting_an_analyst_without_totp_works_as_before(rt: Runtime) -> None:
    assert signed_in(rt, "ana").get("/console/").status_code == 200
