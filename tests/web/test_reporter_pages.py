"""The reporter's journey through the pages, without a browser: forms, receipts, return, thread, outcome."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.reporter import fast_settings, receipt_of, report, text_of, token_of
from watchword.runtime import Runtime, open_runtime
from watchword.security import sealing
from watchword.services import followup
from watchword.store.models import AuditEvent, Campaign, Report, Submission
from watchword.store.models_reporter import ReporterFile, ReporterReceipt, RestrictedReport
from watchword.web.app import create_app
from watchword.web.reporter import challenge
from watchword.web.reporter.forms import FORMS, ORDER

PHISH = (
    "Dear user, your mailbox will be closed today. Verify your password now at "
    "http://micros0ft-login.example/owa/login or lose access."
)


@pytest.fixture(params=["sqlite", "postgresql"])
def frt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """Every journey on both store backends."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    with open_runtime(fast_settings(tmp_path, database_url=url)) as runtime:
        yield runtime


@pytest.fixture
def web(frt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(frt)) as test_client:
        yield test_client


def _answers(rt: Runtime, stored: Report) -> dict[str, str]:
    """A report's answers: sealed at rest, its plain `answers` column left empty."""
    assert stored.answers == {}
    assert stored.answers_sealed is not None
    found: dict[str, str] = sealing.unseal_json(rt.contact_key, stored.answers_sealed)
    return found


def _count(rt: Runtime, model: Any) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_choice_screen_lists_every_guided_form(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    for key in ORDER:
        assert f'href="/report/{key}"' in page.text


@pytest.mark.parametrize("form", ORDER)
def test_every_form_is_labelled_and_self_contained(web: TestClient, form: str) -> None:
    """Every visible input has a label; nothing is loaded from anywhere else; no inline script."""
    html = web.get(f"/report/{form}").text
    ids = set(re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', html))
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids <= labelled, ids - labelled
    for radio_group in re.findall(r'<fieldset class="question">\s*<legend>', html):
        assert radio_group
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html)
    assert "<script>" not in html and 'src="/static/reporter.js"' in html


def test_pages_are_not_cached_and_set_no_cookie(web: TestClient) -> None:
    form = web.get("/report/email")
    assert form.headers["cache-control"] == "no-store"
    sent = report(web, "email", {"text": PHISH})
    assert sent.headers["cache-control"] == "no-store"
    assert "set-cookie" not in sent.headers


def test_email_report_in_three_screens_gives_receipt_guidance_and_first_look(web: TestClient, frt: Runtime) -> None:
    """GIVEN a first-time reporter WHEN they choose 'email', fill the form and send
    THEN screen 3 shows a receipt, what to do now and what the first look found, and the report is durable."""
    screens = [web.get("/")]  # 1: what happened?
    screens.append(web.get("/report/email"))  # 2: the form
    token = token_of(screens[1].text)
    screens.append(
        web.post(
            "/report/email",
            data={  # 3: the receipt
                "pow_token": token,
                "pow_solution": challenge.solve(token, 8),
                "wants": "sign_in",
                "did": "clicked",
                "text": PHISH,
            },
        )
    )
    assert len(screens) == 3
    thanks = screens[2]
    assert thanks.status_code == 201
    code, phrase = receipt_of(thanks.text)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert len(phrase.split()) == 5
    words = text_of(thanks.text)
    assert "Do not click links" in words
    assert "You said you clicked a link" in words and "tell your IT help desk today" in words  # they clicked
    assert "change that password now" not in words  # they typed no password
    assert "What a first look found" in words
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.approach_hint == "credential_phishing"
        assert _answers(frt, stored)["did"] == "clicked"
        receipt = session.scalars(select(ReporterReceipt)).one()
        assert receipt.report_id == stored.id
        assert receipt.passphrase_hash.startswith("$argon2id$")
        assert code.replace("-", "") not in receipt.code_hash


@pytest.mark.parametrize(
    ("form", "fields", "hint"),
    [
        (
            "email",
            {"wants": "pay", "text": "Please update our bank details before paying the invoice."},
            "invoice_or_payment_fraud",
        ),
        (
            "social",
            {
                "platform": "LinkedIn",
                "profile": "linkedin.com/in/recruiter-x",
                "wants": "job",
                "did": "replied",
                "text": "A recruiter offered paid consulting about our satellite project.",
            },
            "fake_recruitment",
        ),
        (
            "in_person",
            {
                "where": "Trade fair, hall 3",
                "when": "Tuesday 3 pm",
                "wants": "info",
                "claimed": "A journalist",
                "did": "nothing",
                "text": "He asked who works on the new radar and when the tests are.",
            },
            "elicitation",
        ),
        (
            "device",
            {
                "what": "found",
                "where": "Car park, this morning",
                "used": "no",
                "now": "Desk drawer",
                "text": "A USB stick labelled 'salaries 2025'.",
            },
            "technical_surveillance",
        ),
        (
            "visitor",
            {
                "what": "tailgating",
                "where": "Main entrance",
                "when": "08:40",
                "text": "A man followed me through the turnstile without a badge.",
            },
            "physical_approach",
        ),
        ("other", {"text": "Someone asked me to install a remote-access app to 'fix' my laptop."}, ""),
    ],
)
def test_every_report_type_is_stored_with_its_answers(
    web: TestClient, frt: Runtime, form: str, fields: dict[str, str], hint: str
) -> None:
    sent = report(web, form, fields)
    assert sent.status_code == 201, text_of(sent.text)
    receipt_of(sent.text)
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.approach_hint == hint
        assert stored.channel == "web"
        for key in FORMS[form].questions:
            if key.key in fields:
                assert _answers(frt, stored)[key.key] == fields[key.key]


def test_saved_email_becomes_the_raw_message_and_screenshots_are_kept(web: TestClient, frt: Runtime) -> None:
    eml = b"From: IT <it@micros0ft-login.example>\r\nTo: a@corp.example\r\nSubject: Verify\r\n\r\n" + PHISH.encode()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    sent = report(
        web,
        "email",
        {"wants": "sign_in"},
        files=[("files", ("verify.eml", eml, "message/rfc822")), ("files", ("shot.png", png, "image/png"))],
    )
    assert sent.status_code == 201, text_of(sent.text)
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.raw_sha256 is not None and stored.source_name == "verify.eml"
        kept = session.scalars(select(ReporterFile)).one()
        assert kept.filename == "shot.png" and frt.blobs.get(kept.sha256) == png
        assert "shot.png" in _answers(frt, stored)["files"]


def test_without_javascript_a_person_gets_through_and_a_too_fast_bot_does_not(
    tmp_path: Path, clock: ModuleType
) -> None:
    # The clock is the real one plus what a test advances it by: a minimum age of one second let a
    # loaded machine take longer than that between the bot's page and its post (failed once, at load
    # ~2 with the fast suite beside it). Thirty seconds no run takes; the person is as slow as that.
    settings = fast_settings(tmp_path, pow_nojs_min_age_seconds=30.0)
    with open_runtime(settings, migrate=True) as rt, TestClient(create_app(rt)) as web:
        too_fast = report(web, "other", {"text": "A stranger asked for my door code."}, solve=False)
        assert too_fast.status_code == 422
        assert "A stranger asked for my door code." in too_fast.text  # nothing the person typed is lost
        page = web.get("/report/other")
        clock.advance(30.5)  # a person reading and typing
        sent = web.post(
            "/report/other",
            data={
                "pow_token": token_of(page.text),
                "pow_solution": "",
                "text": "A stranger asked for my door code.",
            },
        )
        assert sent.status_code == 201
        assert _count(rt, Report) == 1


def test_forged_or_wrong_proof_is_refused_without_losing_the_text(web: TestClient, frt: Runtime) -> None:
    page = web.get("/report/other")
    token = token_of(page.text)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for data in (
        {"pow_token": forged, "pow_solution": ""},
        {"pow_token": token, "pow_solution": "not-a-number"},
        {"pow_token": "", "pow_solution": ""},
    ):
        refused = web.post("/report/other", data={**data, "text": "keep me"})
        assert refused.status_code == 422
        assert "keep me" in refused.text
    assert _count(frt, Report) == 0


def test_honeypot_stores_nothing_but_lets_a_person_resend(web: TestClient, frt: Runtime) -> None:
    trapped = report(web, "other", {"text": "A parcel I did not order, with a USB stick.", "website": "http://x"})
    assert trapped.status_code == 422
    assert "A parcel I did not order" in trapped.text
    assert 'name="website" type="text" tabindex="-1" autocomplete="off">' in trapped.text  # emptied again
    assert _count(frt, Report) == 0


def test_the_same_form_sent_twice_gives_one_report_and_shows_its_receipt_once(web: TestClient, frt: Runtime) -> None:
    """GIVEN a form sent and answered with its receipt WHEN the same form body is sent again (the back
    button and resend, a replayed request) THEN nothing is stored twice and the receipt is not shown
    again: whoever resends it must not learn the way into the report (issue 11, item 20)."""
    page = web.get("/report/other")
    token = token_of(page.text)
    data = {"pow_token": token, "pow_solution": challenge.solve(token, 8), "text": "Odd visitor questions."}
    first = web.post("/report/other", data=data)
    code, phrase = receipt_of(first.text)
    assert first.status_code == 201 and phrase
    for _ in range(2):
        again = web.post("/report/other", data=data)
        assert again.status_code == 200 and "already sent" in again.text
        assert code not in again.text and phrase not in again.text
        assert 'class="code' not in again.text
    assert _count(frt, Report) == 1 and _count(frt, Submission) == 1
    # The receipt shown the first time still works.
    assert "Report received" in _sign_in(web, code, phrase).text


def test_duplicate_content_from_two_people_is_one_report_with_two_receipts(web: TestClient, frt: Runtime) -> None:
    a = report(web, "email", {"text": PHISH})
    b = report(web, "email", {"text": PHISH})
    assert receipt_of(a.text)[0] != receipt_of(b.text)[0]
    assert "Others have reported this too" in b.text
    assert _count(frt, Report) == 1 and _count(frt, ReporterReceipt) == 2


def test_chosen_passphrase_is_checked_and_never_shown(web: TestClient) -> None:
    short = report(web, "other", {"text": "x asked for y", "passphrase": "short"})
    assert short.status_code == 422 and "at least 8 characters" in short.text
    page = web.get("/report/other")
    data = {
        "pow_token": token_of(page.text),
        "pow_solution": "",
        "text": "x asked for y",
        "passphrase": "my own secret phrase",
    }
    sent = web.post("/report/other", data=data)
    assert sent.status_code == 201
    assert "my own secret phrase" not in sent.text and "The one you chose." in sent.text
    again = web.post("/report/other", data={**data, "passphrase": ""})
    assert "already sent" in again.text and 'class="code passphrase"' not in again.text


def test_contact_is_sealed_and_every_view_is_audited(web: TestClient, frt: Runtime) -> None:
    report(web, "other", {"text": "Someone offered me a paid trip.", "contact": "signal: +41 79 000 00 00"})
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.contact_sealed and b"+41 79" not in stored.contact_sealed
    with frt.db.write() as session:
        assert followup.reveal_contact(session, frt.contact_key, stored.id, "analyst-ann") == [
            "signal: +41 79 000 00 00"
        ]
    with frt.db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.viewed")).one()
        assert event.actor == "analyst-ann" and "+41" not in str(event.detail)


def test_no_reporter_address_is_stored_anywhere(web: TestClient, frt: Runtime) -> None:
    """The test client connects as 'testclient'; no row of any table, nor the SQLite file, holds that."""
    from watchword.store.schema import metadata

    report(web, "email", {"text": PHISH, "contact": ""})
    with frt.db.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert "testclient" not in str(tuple(row)), table.name
    if frt.db.is_sqlite:
        db_file = Path(frt.settings.database_url.split("///", 1)[1])
        for path in (db_file, db_file.with_name(db_file.name + "-wal")):
            if path.exists():
                assert b"testclient" not in path.read_bytes()


def _sign_in(web: TestClient, code: str, phrase: str) -> Any:
    return web.post("/report/status", data={"code": code, "passphrase": phrase}, follow_redirects=True)


def test_receipt_and_passphrase_bring_the_reporter_back_and_the_thread_goes_both_ways(
    web: TestClient, frt: Runtime
) -> None:
    code, phrase = receipt_of(report(web, "in_person", {"wants": "gift", "text": "Offered a paid trip."}).text)
    assert _sign_in(web, code, "wrong words here").status_code == 401
    # Written down by hand: lower case, spaces instead of dashes, O for 0.
    typed = code.lower().replace("-", " ").replace("0", "o")
    view = _sign_in(web, typed, phrase.upper())
    assert view.status_code == 200 and "We have your report" in view.text
    receipt_id = int(re.search(r'name="receipt_id" value="(\d+)"', view.text).group(1))
    sent = web.post(
        "/report/status/message",
        data={"receipt_id": receipt_id, "text": "He also gave me his card."},
        follow_redirects=True,
    )
    assert "He also gave me his card." in sent.text and "has been sent" in sent.text
    with frt.db.write() as session:
        report_id = session.get(ReporterReceipt, receipt_id).report_id
        followup.post_analyst_message(
            session, report_id, "analyst-bo", "Thank you. Please keep the card.", to=f"r{receipt_id}"
        )
    with frt.db.write() as session:
        thread = followup.list_thread(session, report_id, actor="analyst-bo")
    assert [(m.author_kind, m.reporter_label) for m in thread] == [
        ("reporter", "Reporter 1 (web form)"),
        ("analyst", "Reporter 1 (web form)"),
    ]
    again = web.get("/report/status/view")
    assert "Please keep the card." in again.text and "analyst-bo" not in again.text
    web.post("/report/status/leave")
    assert web.get("/report/status/view", follow_redirects=False).status_code == 303


def test_a_reporter_sees_only_their_own_side_of_a_shared_report(web: TestClient, frt: Runtime) -> None:
    first = receipt_of(report(web, "email", {"text": PHISH}).text)
    second = receipt_of(report(web, "email", {"text": PHISH}).text)
    view = _sign_in(web, *first)
    rid = int(re.search(r'name="receipt_id" value="(\d+)"', view.text).group(1))
    web.post("/report/status/message", data={"receipt_id": rid, "text": "I clicked it, sorry."})
    web.post("/report/status/leave")
    other = _sign_in(web, *second)
    assert "I clicked it, sorry." not in other.text


def test_outcome_after_a_verdict_is_told_in_plain_words(web: TestClient, frt: Runtime) -> None:
    code, phrase = receipt_of(report(web, "email", {"text": PHISH}).text)
    with frt.db.write() as session:
        stored = session.scalars(select(Report)).one()
        campaign = Campaign(
            title="OWA lure",
            approach_type="credential_phishing",
            reporter_count=212,
            sighting_count=212,
            report_count=1,
            verdict="malicious",
            verdict_note="The link has been blocked.",
            status="closed",
        )
        session.add(campaign)
        session.flush()
        stored.campaign_id, stored.verdict = campaign.id, "malicious"
    view = text_of(_sign_in(web, code, phrase).text)
    # The campaign's stored counters say 212, but one person reported it: reporters are told what the
    # console shows (store.counts.Counts), never a number no page can account for (issue 15.4).
    assert "This was a phishing attempt. The link has been blocked." in view
    assert "212" not in view


def test_status_view_lists_several_receipts_of_one_reporter(web: TestClient) -> None:
    a = receipt_of(report(web, "email", {"text": PHISH}).text)
    b = receipt_of(report(web, "device", {"what": "found", "text": "USB stick in the lobby"}).text)
    _sign_in(web, *a)
    view = _sign_in(web, *b)
    assert view.text.count('class="receipt-status"') == 2


def test_out_of_scope_report_is_explained_kindly_and_kept_apart(web: TestClient, frt: Runtime) -> None:
    sent = report(
        web,
        "other",
        {
            "text": "My new neighbour is from another country and goes to the mosque "
            "every Friday. I find him suspicious."
        },
    )
    assert sent.status_code == 201
    words = text_of(sent.text)
    assert "outside what Watchword looks into" in words and "Where else to turn" in words
    assert "What to do now" not in words
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert session.get(RestrictedReport, stored.id).source == "instant"
        listed = followup.list_out_of_scope(session)
    assert [r.id for r, _reason in listed] == [stored.id]


def test_about_page_explains_scope_with_examples(web: TestClient) -> None:
    words = text_of(web.get("/about").text)
    assert "Not for Watchword" in words and "mosque" in words and "USB stick" in words


def test_out_of_scope_from_any_channel_is_kept_out_of_campaigns_and_listed_for_review(frt: Runtime) -> None:
    """GIVEN two identical out-of-scope reports by API (no instant check) WHEN the worker analyses them
    THEN neither joins a campaign and both wait in the separate review list with the guard's reason."""
    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import submit
    from watchword.worker import Worker

    words = "The family next door are foreigners and go to the mosque, I think they are spies."
    ids = [submit(frt, IncomingReport(channel=Channel.API, text=words + suffix)).report_id for suffix in ("", " !")]
    Worker(frt).run_until_idle()
    with frt.db.session() as session:
        for report_id in ids:
            stored = session.get(Report, report_id)
            assert stored is not None and stored.scope == "out_of_scope" and stored.campaign_id is None
        listed = {r.id: reason for r, reason in followup.list_out_of_scope(session)}
    assert set(listed) == set(ids) and all(listed.values())


def test_instant_restriction_sets_the_scope_before_the_worker_runs(web: TestClient, frt: Runtime) -> None:
    report(web, "other", {"text": "My colleague is Russian and reads Russian news. Please check him."})
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.status == "received" and stored.scope == "out_of_scope"


def test_verdict_through_the_campaign_service_reaches_every_reporter(web: TestClient, frt: Runtime) -> None:
    """GIVEN 212 people report the same phishing email (one by the page, the rest as sightings)
    WHEN the worker files it into a campaign and an analyst gives the campaign a verdict
    THEN the reporter who comes back reads the outcome in plain words."""
    from watchword.campaigns.services import recluster, set_verdict
    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import submit
    from watchword.worker import Worker

    eml = (
        b"From: IT Service Desk <it@micros0ft-login.example>\r\nTo: staff@corp.example\r\n"
        b"Subject: Mailbox closing today\r\n\r\n" + PHISH.encode() + b"\r\n"
    )
    sent = report(web, "email", {}, files=[("files", ("closing.eml", eml, "message/rfc822"))])
    code, phrase = receipt_of(sent.text)
    for _ in range(211):
        submit(frt, IncomingReport(channel=Channel.EMAIL, raw_email=eml))
    Worker(frt).run_until_idle()
    with frt.db.write() as session:
        recluster(session)  # the campaigns as the worker builds them, rebuilt from the stored analyses
    with frt.db.write() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.campaign_id is not None and stored.sightings == 212
        set_verdict(session, stored.campaign_id, "malicious", "analyst-cy", note="The link has been blocked.")
    view = text_of(_sign_in(web, code, phrase).text)
    assert "This was part of a phishing campaign reported by 212 people. The link has been blocked." in view
    assert "Outcome decided" in view


def test_first_look_names_the_imitated_sign_in_page(web: TestClient) -> None:
    eml = (
        b"From: Microsoft 365 <no-reply@micros0ft-support.com>\r\nTo: staff@corp.example\r\n"
        b"Subject: Action required: password expires today\r\nContent-Type: text/html\r\n\r\n"
        b"<p>Dear user, your password expires today. "
        b"<a href='https://login.micros0ft-support.com/owa'>Keep my password</a></p>\r\n"
    )
    sent = report(web, "email", {}, files=[("files", ("expires.eml", eml, "message/rfc822"))])
    words = text_of(sent.text)
    assert "This looks like an attempt to steal a password or login." in words
    assert "It links to login.micros0ft-support.com, which imitates Microsoft." in words
    assert 'href="https://login.micros0ft' not in sent.text  # named, never linked


INTERNAL_NOTE = "Escalated to Jan Novak (jan.novak@corp.example, ext. 4471); ticket SOC-2211."


def _verdict_form(html: str) -> tuple[str, dict[str, str]]:
    form = re.search(r'<form method="post" action="([^"]+)" class="stack" id="verdict-form">(.*?)</form>', html, re.S)
    assert form, "no verdict form on the page"
    return form.group(1), dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)))


def test_an_internal_note_with_a_verdict_never_reaches_the_reporter(web: TestClient, frt: Runtime) -> None:
    """GIVEN a reporter's report in a campaign WHEN an analyst saves a verdict from the report page with an
    internal note naming a colleague, and then writes a message to reporters on the campaign page
    THEN the reporter's status page shows the outcome and that message, never the internal note
    (issue 11, item 7: the report page's "Note (optional)" became the reporters' outcome text)."""
    from tests.support.console import put_in_campaign, signed_in
    from watchword.store.models_people import Note

    code, phrase = receipt_of(report(web, "email", {"text": PHISH}).text)
    with frt.db.session() as session:
        report_id = session.scalars(select(Report.id)).one()
    campaign_id = put_in_campaign(frt, [report_id], "OWA lure", approach_type="credential_phishing")
    analyst = signed_in(frt, "ana")
    action, hidden = _verdict_form(analyst.get(f"/console/reports/{report_id}").text)
    saved = analyst.post(action, data={**hidden, "verdict": "malicious", "note": INTERNAL_NOTE})
    assert saved.status_code == 303
    view = text_of(_sign_in(web, code, phrase).text)
    assert "phishing" in view  # the outcome is told
    for private in ("Novak", "jan.novak@corp.example", "4471", "SOC-2211"):
        assert private not in view
    with frt.db.session() as session:  # kept, for the analysts
        notes = session.scalars(select(Note.body).where(Note.object_type == "campaign")).all()
        assert notes == [INTERNAL_NOTE]
        assert session.get(Campaign, campaign_id).verdict_note == ""  # type: ignore[union-attr]
    # The campaign page has a separate, labelled field for what reporters are told.
    campaign_page = analyst.get(f"/console/campaigns/{campaign_id}").text
    assert "Message to reporters" in campaign_page and "Internal note" in campaign_page
    action, hidden = _verdict_form(campaign_page)
    told = "The link has been blocked."
    saved = analyst.post(
        action, data={**hidden, "verdict": "malicious", "reporter_message": told, "note": INTERNAL_NOTE}
    )
    assert saved.status_code == 303
    view = text_of(_sign_in(web, code, phrase).text)
    assert told in view and "Novak" not in view
    # A later verdict from the report page (no message field) keeps the message reporters were told.
    action, hidden = _verdict_form(analyst.get(f"/console/reports/{report_id}").text)
    analyst.post(action, data={**hidden, "verdict": "malicious", "note": "checked again"})
    assert told in text_of(_sign_in(web, code, phrase).text)


def _detail_token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the thank-you page asks no question"
    return found.group(1)


def test_a_report_that_says_no_act_asks_one_question_and_the_answer_joins_the_same_report(
    web: TestClient, frt: Runtime
) -> None:
    """GIVEN a report that says something happened but not what WHEN it is sent
    THEN the reporter is asked "What did they do or ask you for?", the answer is added to the same
    report, and the worker's analysis reads the whole of it: in scope, typed by the act."""
    from watchword.worker import Worker

    sent = report(web, "in_person", {"text": "Something odd happened at the trade fair last week. Not sure what."})
    assert sent.status_code == 201
    assert "What did they do or ask you for?" in text_of(sent.text)
    token = _detail_token(sent.text)
    with frt.db.session() as session:
        from watchword.services.processing import answers_of

        stored = session.scalars(select(Report)).one()
        assert answers_of(frt, stored).get("form") == "in_person"  # kept (sealed) with the answers
    Worker(frt).run_until_idle()
    with frt.db.session() as session:
        assert session.scalars(select(Report)).one().scope == "needs_detail"

    added = web.post(
        "/report/detail",
        data={
            "token": token,
            "text": "A man from a 'consultancy' asked which customers we supply and offered 2,000 euros.",
        },
    )
    assert added.status_code == 200
    assert "added to your report" in text_of(added.text)
    Worker(frt).run_until_idle()
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.text.startswith("Something odd happened at the trade fair")
        assert "What did they do or ask you for?" in stored.text and "offered 2,000 euros" in stored.text
        assert stored.scope == "in_scope"
        assert stored.approach_type in ("inducement", "elicitation")
        assert _count(frt, Report) == 1


def test_a_forged_or_empty_detail_changes_nothing(web: TestClient, frt: Runtime) -> None:
    sent = report(
        web, "other", {"text": "Please call me about the thing on Tuesday, I would rather not write it down."}
    )
    token = _detail_token(sent.text)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    refused = web.post("/report/detail", data={"token": forged, "text": "He asked for my password."})
    assert refused.status_code == 422 and "expired" in text_of(refused.text)
    empty = web.post("/report/detail", data={"token": token, "text": "   "})
    assert empty.status_code == 422
    with frt.db.session() as session:
        assert session.scalars(select(Report)).one().text.startswith("Please call me about the thing")
        assert "He asked" not in session.scalars(select(Report)).one().text


def test_an_act_reported_with_a_mention_of_faith_is_not_refused_and_asks_nothing(web: TestClient) -> None:
    sent = report(
        web,
        "in_person",
        {"text": "After Friday prayers a man from the mosque kept asking which labs work on the navy project."},
    )
    words = text_of(sent.text)
    assert "outside what Watchword looks into" not in words
    assert "What did they do or ask you for?" not in words


def test_a_returning_reporter_is_asked_the_question_and_their_message_joins_the_report(
    web: TestClient, frt: Runtime
) -> None:
    """GIVEN a needs-detail report already analysed WHEN its reporter comes back with the receipt
    THEN the status asks what was done, and the message they send is added to the report's words."""
    from watchword.worker import Worker

    code, phrase = receipt_of(report(web, "other", {"text": "Something strange happened at the airport."}).text)
    Worker(frt).run_until_idle()
    view = _sign_in(web, code, phrase)
    assert "What did they do or ask you for?" in text_of(view.text)
    receipt_id = int(re.search(r'name="receipt_id" value="(\d+)"', view.text).group(1))
    web.post(
        "/report/status/message",
        data={"receipt_id": receipt_id, "text": "Border officers took my laptop away for an hour."},
        follow_redirects=True,
    )
    Worker(frt).run_until_idle()
    with frt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert "Border officers took my laptop away" in stored.text
        assert stored.scope == "in_scope" and stored.approach_type == "technical_surveillance"
