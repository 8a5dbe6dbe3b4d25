"""The indicators list: value search, filters (type, campaign verdict, known legitimate, analysts' flags,
first/last seen), paging, links to each indicator's page; on SQLite and PostgreSQL, in bounded queries."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from tests.support.console import (
    analyse_all,
    count_queries,
    email,
    page_csrf,
    put_in_campaign,
    report_email,
    signed_in,
)
from watchword.runtime import Runtime
from watchword.store.models import Indicator


def _values(html: str) -> list[str]:
    table = html.split('id="indicators"', 1)[1].split("</table>", 1)[0]
    # Shown defanged ("evil[.]com", "hxxps://"): compared here as the values they are.
    return [
        v.replace("[.]", ".").replace("[://]", "://").replace("hxxp", "http")
        for v in re.findall(r"<code>([^<]+)</code>", table)
    ]


def _id_of(rt: Runtime, value: str) -> int:
    with rt.db.session() as session:
        found = session.scalar(select(Indicator.id).where(Indicator.value == value))
    assert found is not None, value
    return int(found)


def test_indicator_list_searches_filters_and_pages(any_rt: Runtime) -> None:
    rt = any_rt
    bad = report_email(
        rt,
        email("Payroll update", "Confirm at https://payroll-update.fraud-example.com/login now"),
    )
    report_email(rt, email("Newsletter", "Read it on https://www.google.com/ today"))
    many = report_email(
        rt,
        email("Many links", " ".join(f"https://host{n}.spray-example.net/p{n}" for n in range(60))),
    )
    analyse_all(rt)
    put_in_campaign(rt, [bad], "Payroll phish", verdict="malicious")
    put_in_campaign(rt, [many], "Link spray")  # undecided
    client = signed_in(rt)

    # Search: a substring of the value, whatever its case; each row links to its indicator page.
    found = client.get("/console/indicators?q=PAYROLL-update").text
    values = _values(found)
    assert values and all("payroll-update" in v for v in values), values
    domain_id = _id_of(rt, "payroll-update.fraud-example.com")
    assert f'href="/console/indicators/{domain_id}"' in found
    assert client.get(f"/console/indicators/{domain_id}").status_code == 200

    # Type.
    domains = _values(client.get("/console/indicators?q=fraud-example&type=domain").text)
    assert sorted(domains) == ["fraud-example.com", "payroll-update.fraud-example.com"], domains

    # The verdict of its campaigns: malicious finds the payroll indicators only; undecided the spray.
    malicious = _values(client.get("/console/indicators?verdict=malicious").text)
    # (the sender of every test mail is in the payroll report too, so it is listed as well)
    assert "payroll-update.fraud-example.com" in malicious, malicious
    assert not any("spray-example" in v or "google" in v for v in malicious), malicious
    undecided = _values(client.get("/console/indicators?verdict=none&type=domain").text)
    assert "host7.spray-example.net" in undecided and "payroll-update.fraud-example.com" not in undecided

    # Known legitimate (a MISP warninglist): google.com is, the fraud domain is not.
    known = client.get("/console/indicators?known=yes&type=domain").text
    assert "www.google.com" in _values(known) and "known legitimate" in known
    assert "payroll-update.fraud-example.com" not in _values(known)
    unknown = _values(client.get("/console/indicators?known=no&q=o").text) + _values(
        client.get("/console/indicators?known=no&q=fraud").text
    )
    assert "payroll-update.fraud-example.com" in unknown and "www.google.com" not in unknown

    # Analysts' flags.
    csrf = page_csrf(client, f"/console/indicators/{domain_id}")
    client.post(f"/console/indicators/{domain_id}/flag", data={"csrf": csrf, "kind": "false_positive"})
    flagged = client.get("/console/indicators?flag=false_positive").text
    assert _values(flagged) == ["payroll-update.fraud-example.com"] and "False positive" in flagged
    assert _values(client.get("/console/indicators?flag=allowlisted").text) == []
    assert "payroll-update.fraud-example.com" not in _values(client.get("/console/indicators?flag=none").text)

    # First and last seen: an indicator last seen long ago drops out of a recent window.
    with rt.db.write() as session:
        old = dt.datetime(2024, 1, 10, tzinfo=dt.UTC)
        session.execute(
            update(Indicator).where(Indicator.id == domain_id).values(first_seen=old, last_seen=old + dt.timedelta(1))
        )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    recent = _values(client.get(f"/console/indicators?q=fraud-example&from={today}").text)
    assert "payroll-update.fraud-example.com" not in recent
    window = _values(client.get("/console/indicators?q=fraud-example&from=2024-01-01&to=2024-01-31").text)
    assert window == ["payroll-update.fraud-example.com"]

    # Paging: 60 spray hosts and their URLs, newest first, 50 a page, no row twice, filters kept.
    first = client.get("/console/indicators?q=spray-example&type=url").text
    next_link = re.search(r'rel="next" href="([^"]+)"', first)
    assert next_link, "no next page"
    assert "q=spray-example" in next_link.group(1) and "type=url" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    page_one, page_two = _values(first), _values(second)
    assert len(page_one) == 50 and len(page_two) == 10
    assert not set(page_one) & set(page_two)
    assert 'rel="next"' not in second

    # Bounded: a page costs the same few statements whatever it shows.
    for url in (
        "/console/indicators",
        "/console/indicators?verdict=malicious&flag=any&q=e",
        "/console/indicators?known=no",
    ):
        with count_queries(rt.db.engine) as seen:
            assert client.get(url).status_code == 200
        assert len(seen) <= 4, (url, seen)


def test_indicator_list_treats_like_wildcards_as_characters(rt: Runtime) -> None:
    report_email(rt, email("Promo", "Visit https://a-b.example.org/x and https://aXb.example.org/y"))
    analyse_all(rt)
    client = signed_in(rt)
    values = _values(client.get("/console/indicators?q=a_b&type=domain").text)
    assert values == []  # "_" is not "any character"
    assert _values(client.get("/console/indicators?q=%25&type=domain").text) == []
