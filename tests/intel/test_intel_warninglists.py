"""Known-legitimate values (MISP warninglists from the pymispwarninglists wheel, and our
own lists) never leave as bad, and an analyst's allowlist or false-positive mark keeps a
value out of every export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.console import analyse_all, email, page_csrf, put_in_campaign, report_email, signed_in
from tests.support.intel import intel_runtime, seed_campaign
from watchword.intel import blocklists, formats
from watchword.intel.selection import gather
from watchword.known import warninglists
from watchword.runtime import Runtime
from watchword.store.models import AuditEvent, Indicator, ReportIndicator
from watchword.store.models_intel import ValueFlag

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("domain", "gmail.com"),
        ("domain", "hotmail.com"),
        ("domain", "onmicrosoft.com"),
        ("domain", "t.co"),
        ("domain", "tinyurl.com"),
        ("domain", "storage.googleapis.com"),
        ("domain", "gstatic.com"),
        ("domain", "bradesco.com.br"),
        ("domain", "mail.google.com"),  # a subdomain of a listed host
        ("ipv4", "8.8.8.8"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),  # the empty file
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("url", "https://www.google.com/"),
    ],
)
def test_the_values_partners_complained_about_are_known_legitimate(kind: str, value: str) -> None:
    assert warninglists.known_legitimate(kind, value), value


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("domain", "login-micros0ft-verify.xyz"),
        ("domain", "evil-site.web.app"),  # hosting platform: the subdomain is somebody's site
        ("domain", "x.duckdns.org"),  # dynamic DNS is not legitimacy
        ("email", "hr.desk@gmail.com"),  # an address at a free-mail provider is specific
        ("url", "https://evil-site.web.app/login"),
        ("ipv4", "185.234.72.19"),
    ],
)
def test_attacker_values_are_not_known_legitimate(kind: str, value: str) -> None:
    assert warninglists.known_legitimate(kind, value) is None


def test_our_index_agrees_with_pymispwarninglists_on_exact_values() -> None:
    """The compact index answers as the official library does for exact matches."""
    from pymispwarninglists import WarningLists

    official = WarningLists(slow_search=False)
    for value in ("gmail.com", "netflix.com", "imgur.com", "d41d8cd98f00b204e9800998ecf8427e", "no-such-host.xyz"):
        theirs = {w.name for w in official.search(value)} - _excluded_names()
        kind = "md5" if len(value) == 32 and "." not in value else "domain"
        ours = set(warninglists.known_lists(kind, value))
        assert theirs <= ours, (value, theirs - ours)


def _excluded_names() -> set[str]:
    names = set()
    for name in warninglists.EXCLUDED_LISTS:
        path = warninglists.lists_dir() / name / "list.json"
        names.add(json.loads(path.read_text())["name"])
    return names


def _add_indicator(rt: object, report_ids: list[int], kind: str, value: str) -> None:
    with rt.db.write() as session:  # type: ignore[attr-defined]
        ind = Indicator(type=kind, value=value, first_seen=T0, last_seen=T0, report_count=len(report_ids))
        session.add(ind)
        session.flush()
        for rid in report_ids:
            session.add(ReportIndicator(report_id=rid, indicator_id=ind.id))


def test_listed_allowlisted_and_false_positive_values_are_in_no_export(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        for kind, value in [
            ("domain", "gmail.com"),
            ("domain", "storage.googleapis.com"),
            ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("domain", "harmless-partner.example"),
            ("domain", "wrongly-extracted.example"),
        ]:
            _add_indicator(rt, seeded.report_ids, kind, value)
        with rt.db.write() as session:
            session.add(ValueFlag(type="domain", value="harmless-partner.example", kind="allowlisted", actor="ana"))
            session.add(ValueFlag(type="domain", value="wrongly-extracted.example", kind="false_positive", actor="ana"))
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id)
        values = {i.value for i in share.indicators}
        assert "talent-partners-global.com" in values  # the attacker's domain still goes
        gone = {"gmail.com", "storage.googleapis.com", "harmless-partner.example", "wrongly-extracted.example"}
        assert not values & gone
        assert share.withheld["allowlisted by an analyst"] == 1
        assert share.withheld["marked false positive"] == 1
        assert any(r.startswith("known legitimate (") for r in share.withheld)
        for fmt in formats.FORMATS:
            body, _ = formats.render(share, fmt)
            for value in gone | {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}:
                if fmt == "misp.json" and value == "wrongly-extracted.example":
                    continue  # MISP carries a false positive as such (tests/intel/test_intel_misp_feed.py)
                assert value not in body, (fmt, value)
        assert "talent-partners-global.com" in blocklists.blocklist_text(share, "domains")


def test_console_shows_known_legitimate_and_an_analyst_flag_is_audited_and_honoured(rt: Runtime) -> None:
    """GIVEN a report linking gmail.com and an attacker domain WHEN the analyst opens each indicator page
    THEN gmail.com shows 'Known legitimate (<list>)'; marking the attacker domain a false positive is
    audited and removes it from the campaign's blocklist; removing the flag brings it back."""
    report_id = report_email(
        rt, email("Mailbox full", "Sign in at https://login.mailbox-fix-example.com/x or mail us at gmail.com")
    )
    analyse_all(rt)
    campaign_id = put_in_campaign(rt, [report_id], "Mailbox", verdict="malicious")
    client = signed_in(rt)
    with rt.db.session() as session:
        ids = dict(session.execute(select(Indicator.value, Indicator.id)).all())
    legit = client.get(f"/console/indicators/{ids['gmail.com']}").text
    assert "Known legitimate (" in legit
    attacker = ids["mailbox-fix-example.com"]
    page_html = client.get(f"/console/indicators/{attacker}").text
    assert "Known legitimate" not in page_html
    blocklist = f"/console/campaigns/{campaign_id}/export.domains.txt"
    assert "mailbox-fix-example.com" in client.get(blocklist).text
    done = client.post(
        f"/console/indicators/{attacker}/flag",
        data={"csrf": page_csrf(client), "kind": "false_positive", "note": "our vendor"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "False positive" in client.get(f"/console/indicators/{attacker}").text
    assert "mailbox-fix-example.com" not in client.get(blocklist).text
    with rt.db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "intel.false_positive")).one()
        assert event.detail["value"] == "mailbox-fix-example.com"
    client.post(f"/console/indicators/{attacker}/flag", data={"csrf": page_csrf(client), "kind": "clear"})
    assert "mailbox-fix-example.com" in client.get(blocklist).text
    refused = client.post(f"/console/indicators/{attacker}/flag", data={"kind": "allowlisted"})
    assert refused.status_code in (400, 403)  # no CSRF token
