"""Replies to mail reporters, captured by a real local SMTP sink (aiosmtpd) standing in for the relay."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage, Message
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.settings import make_settings
from tests.support.smtp_sink import OUR_REPLY_HEADERS, REPORT_TO, Sink, replying_to
from watchword import clock
from watchword.intake.mail import take_mail
from watchword.intake.smtp import SmtpListener
from watchword.replies import outbox as reply_queue
from watchword.replies import outcomes
from watchword.runtime import Runtime, open_runtime
from watchword.services import mail_replies
from watchword.store.models import Campaign, Report
from watchword.store.models_mail import MailOptOut, MailOutbox

REPORTER = "alice@corp.example"


@pytest.fixture
def reply_rt(tmp_path: Path, sink: Sink) -> Iterator[Runtime]:
    with open_runtime(
        make_settings(
            tmp_path,
            **replying_to(sink),
            reply_per_reporter_per_hour=5,
            reply_global_per_minute=60,
        ),
        migrate=True,
    ) as runtime:
        yield runtime


def phish(n: int, sender: str = "helpdesk@micros0ft-support.example") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"IT Helpdesk <{sender}>"
    msg["To"] = REPORTER
    msg["Subject"] = f"Password expires today #{n}"
    msg["Message-ID"] = f"<phish-{n}@micros0ft-support.example>"
    msg.set_content(f"Keep your password: https://login-micros0ft.example/verify?n={n}\n")
    return msg.as_bytes(policy=SMTP_POLICY)


def forward(original: bytes, reporter: str = REPORTER, n: int = 1, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Reporter <{reporter}>"
    msg["To"] = REPORT_TO
    msg["Subject"] = f"FW: suspicious {n}"
    msg["Message-ID"] = f"<fwd-{n}-{reporter}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Is this real?\n")
    msg.add_attachment(original, maintype="message", subtype="rfc822")
    return msg.as_bytes(policy=SMTP_POLICY)


def plain(subject: str, body: str, sender: str = REPORTER) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = REPORT_TO
    msg["Subject"] = subject
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP_POLICY)


def outbox(rt: Runtime) -> list[MailOutbox]:
    with rt.db.session() as session:
        return list(session.scalars(select(MailOutbox).order_by(MailOutbox.id)))


def test_acknowledgement_reaches_the_reporter_with_the_receipt(reply_rt: Runtime, sink: Sink) -> None:
    """GIVEN a forwarded phish delivered over SMTP WHEN the sender runs THEN the reporter gets one
    automatic reply naming the report's reference, threaded on their mail."""
    listener = SmtpListener(reply_rt, host="127.0.0.1", port=0).start()
    try:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            client.sendmail(REPORTER, [REPORT_TO], forward(phish(1)))
    finally:
        listener.stop()
    assert mail_replies.deliver_due(reply_rt)["sent"] == 1
    [ack] = sink.to(REPORTER)
    with reply_rt.db.session() as session:
        public_id = session.scalar(select(Report.public_id))
    assert public_id and public_id in ack.get_content()
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == f"<fwd-1-{REPORTER}>"
    assert "STOP" in ack.get_content()
    assert sink.received[0][0] == REPORT_TO  # bounces come back to us, not to the reporter
    assert mail_replies.deliver_due(reply_rt) == {}  # nothing sent twice


def test_several_originals_give_one_acknowledgement_with_every_reference(reply_rt: Runtime, sink: Sink) -> None:
    msg = EmailMessage()
    msg["From"] = REPORTER
    msg["To"] = REPORT_TO
    msg["Subject"] = "three of these today"
    msg.set_content("All three came this morning.\n")
    for n in (2, 3, 4):
        msg.add_attachment(phish(n), maintype="message", subtype="rfc822")
    result = take_mail(reply_rt, msg.as_bytes(policy=SMTP_POLICY), via="smtp", envelope_from=REPORTER)
    assert len(result.receipts) == 3
    mail_replies.deliver_due(reply_rt)
    [ack] = sink.to(REPORTER)
    assert all(r.public_id in ack.get_content() for r in result.receipts)


def test_never_replies_to_the_suspicious_sender(reply_rt: Runtime, sink: Sink) -> None:
    """A phish delivered straight to the report address (not forwarded) is reported, but its From
    and envelope sender are the attacker's: nobody is answered."""
    result = take_mail(reply_rt, phish(5), via="smtp", envelope_from="bounce@micros0ft-support.example")
    assert len(result.receipts) == 1
    assert not result.reporter_known
    assert outbox(reply_rt) == []


def test_never_replies_when_the_original_claims_the_reporters_own_address(reply_rt: Runtime) -> None:
    spoofed = phish(6, sender=REPORTER)  # CEO-fraud style: the phish pretends to come from the reporter
    result = take_mail(reply_rt, forward(spoofed), via="smtp", envelope_from=REPORTER)
    assert not result.reporter_known
    assert outbox(reply_rt) == []


def test_a_redirected_message_answers_the_redirecting_reporter(reply_rt: Runtime, sink: Sink) -> None:
    redirected = b"Resent-From: Alice <alice@corp.example>\r\n" + phish(7)
    take_mail(reply_rt, redirected, via="smtp", envelope_from=REPORTER)
    mail_replies.deliver_due(reply_rt)
    assert len(sink.to(REPORTER)) == 1
    assert sink.to("helpdesk@micros0ft-support.example") == []


def test_automatic_mail_is_taken_but_never_answered(reply_rt: Runtime) -> None:
    take_mail(reply_rt, forward(phish(8), Auto_Submitted="auto-replied"), via="smtp", envelope_from=REPORTER)
    take_mail(reply_rt, forward(phish(9), n=2), via="smtp", envelope_from="")  # a bounce: null sender
    take_mail(reply_rt, b"Return-Path: <>\r\n" + forward(phish(13), n=3), via="imap")  # a bounce in a mailbox
    with reply_rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 3
    assert outbox(reply_rt) == []


def test_outcome_goes_to_every_reporter_of_the_campaign(reply_rt: Runtime, sink: Sink) -> None:
    """GIVEN one phish forwarded by two people and a campaign verdict WHEN the verdict code calls
    notify_campaign_outcome THEN each reporter gets the web's outcome text once."""
    first = take_mail(reply_rt, forward(phish(10), n=1), via="smtp", envelope_from=REPORTER)
    take_mail(
        reply_rt, forward(phish(10), reporter="bob@corp.example", n=2), via="smtp", envelope_from="bob@corp.example"
    )
    report_id = first.receipts[0].report_id
    with reply_rt.db.write() as session:
        campaign = Campaign(
            title="fake helpdesk",
            approach_type="credential_phishing",
            verdict="malicious",
            verdict_note="The link has been blocked",
            reporter_count=2,
        )
        session.add(campaign)
        session.flush()
        session.get(Report, report_id).campaign_id = campaign.id  # type: ignore[union-attr]
        assert reply_queue.notify_campaign_outcome(session, campaign.id) == 2
        assert reply_queue.notify_campaign_outcome(session, campaign.id) == 0  # set twice, sent once
        campaign.reporter_count = 3  # someone else joined: the count in the text grows, no one is told twice
        assert reply_queue.notify_campaign_outcome(session, campaign.id) == 0
    mail_replies.deliver_due(reply_rt)
    expected = outcomes.outcome_text(
        "malicious", approach_type="credential_phishing", reporters=2, action="The link has been blocked"
    )
    assert expected.startswith("This was part of a phishing campaign reported by 2 people. The link has been blocked.")
    for who in (REPORTER, "bob@corp.example"):
        outcome = [m for m in sink.to(who) if m["Subject"] == "The outcome of your report"]
        assert len(outcome) == 1
        assert expected in " ".join(outcome[0].get_content().split())


def test_stop_reply_opts_out_and_is_not_a_report(reply_rt: Runtime, sink: Sink) -> None:
    first = take_mail(reply_rt, forward(phish(11)), via="smtp", envelope_from=REPORTER)
    stop = take_mail(
        reply_rt,
        plain("Re: Your report has been received", "STOP\n\n> Thank you..."),
        via="smtp",
        envelope_from=REPORTER,
    )
    assert stop.shape == "opt-out" and stop.receipts == []
    with reply_rt.db.write() as session:
        assert session.scalar(select(func.count()).select_from(MailOptOut)) == 1
        assert session.scalar(select(func.count()).select_from(Report)) == 1
        reply_queue.notify_outcome(session, [first.receipts[0].report_id], "Outcome text.")
    done = mail_replies.deliver_due(reply_rt)
    assert done["suppressed"] == 2  # the queued ack and the outcome
    assert sink.received == []
    with reply_rt.db.session() as session:
        stored = session.scalars(select(MailOptOut.reporter_hash)).one()
    assert REPORTER not in stored and len(stored) == 64  # only a keyed hash is kept
    take_mail(reply_rt, plain("START", "start again please"), via="smtp", envelope_from=REPORTER)
    take_mail(reply_rt, forward(phish(12), n=3), via="smtp", envelope_from=REPORTER)
    mail_replies.deliver_due(reply_rt)
    assert len(sink.to(REPORTER)) == 1


def test_per_reporter_limit_drops_extra_acknowledgements(reply_rt: Runtime, sink: Sink) -> None:
    for n in range(20, 27):
        take_mail(reply_rt, forward(phish(n), n=n), via="smtp", envelope_from=REPORTER)
    done = mail_replies.deliver_due(reply_rt)
    assert done == {"sent": 5, "suppressed": 2}
    assert {row.last_error for row in outbox(reply_rt) if row.status == "suppressed"} == {"rate limit"}


def test_per_reporter_limit_delays_an_outcome_instead_of_dropping_it(reply_rt: Runtime, sink: Sink) -> None:
    results = [take_mail(reply_rt, forward(phish(n), n=n), via="smtp", envelope_from=REPORTER) for n in range(30, 35)]
    mail_replies.deliver_due(reply_rt)
    with reply_rt.db.write() as session:
        reply_queue.notify_outcome(session, [results[0].receipts[0].report_id], "Outcome text.")
    assert mail_replies.deliver_due(reply_rt) == {"deferred": 1}
    later = clock.now() + dt.timedelta(hours=1, minutes=1)
    assert mail_replies.deliver_due(reply_rt, now=later) == {"sent": 1}


def test_global_limit_defers_the_rest(tmp_path: Path, sink: Sink) -> None:
    with open_runtime(
        make_settings(
            tmp_path,
            smtp_addresses=(REPORT_TO,),
            reply_from=REPORT_TO,
            relay_host="127.0.0.1",
            relay_port=sink.port,
            reply_global_per_minute=3,
        ),
        migrate=True,
    ) as runtime:
        for n in range(40, 45):
            take_mail(runtime, forward(phish(n), reporter=f"r{n}@corp.example", n=n), via="smtp")
        assert mail_replies.deliver_due(runtime) == {"sent": 3, "deferred": 2}
        assert len(sink.received) == 3


def test_relay_down_keeps_the_reply_for_later(tmp_path: Path, closed_port: int) -> None:
    with open_runtime(
        make_settings(
            tmp_path, smtp_addresses=(REPORT_TO,), reply_from=REPORT_TO, relay_host="127.0.0.1", relay_port=closed_port
        ),
        migrate=True,
    ) as runtime:
        take_mail(runtime, forward(phish(50)), via="smtp", envelope_from=REPORTER)
        assert mail_replies.deliver_due(runtime) == {"retry": 1}
        [row] = outbox(runtime)
        assert row.status == "queued" and row.attempts == 1 and "Connection" in row.last_error


def test_outcome_texts_are_plain_and_name_no_one() -> None:
    one = outcomes.outcome_text("malicious", approach_type="credential_phishing", reporters=1)
    assert one.startswith("This was a phishing attempt.")
    many = outcomes.outcome_text(
        "malicious", approach_type="fake_recruitment", reporters=1200, action="the profile has been reported"
    )
    assert "part of a fake recruitment campaign reported by 1,200 people. The profile has been reported." in many
    assert "genuine" in outcomes.outcome_text("benign")
    assert outcomes.status_text("received") == outcomes.RECEIVED


def test_outbox_and_opt_out_on_both_store_backends(any_rt: Runtime) -> None:
    """Queueing (with its on-conflict dedupe) and opt-outs work the same on SQLite and PostgreSQL."""
    import dataclasses

    any_rt.settings = dataclasses.replace(
        any_rt.settings, smtp_addresses=(REPORT_TO,), reply_from=REPORT_TO, relay_host="127.0.0.1"
    )
    result = take_mail(any_rt, forward(phish(60)), via="smtp", envelope_from=REPORTER)
    with any_rt.db.write() as session:
        assert reply_queue.notify_outcome(session, [result.receipts[0].report_id], "Outcome.") == 1
        assert reply_queue.notify_outcome(session, [result.receipts[0].report_id], "Outcome.") == 0
        assert reply_queue.opt_out(session, any_rt.contact_key, f"Alice <{REPORTER.upper()}>")
        assert not reply_queue.opt_out(session, any_rt.contact_key, REPORTER)
    assert [row.kind for row in outbox(any_rt)] == ["ack", "outcome"]


def test_a_verdict_set_by_an_analyst_reaches_mail_reporters_now_and_later(reply_rt: Runtime, sink: Sink) -> None:
    """GIVEN a phish forwarded by one reporter, analysed and clustered by the real worker
    WHEN an analyst sets the campaign's verdict THEN that reporter is sent the outcome,
    AND a second reporter whose forward joins the campaign afterwards is sent it too."""
    from watchword.services import decisions
    from watchword.worker import Worker

    first = take_mail(reply_rt, forward(phish(20), n=1), via="smtp", envelope_from=REPORTER)
    Worker(reply_rt).run_until_idle()
    with reply_rt.db.write() as session:
        campaign_id = session.get(Report, first.receipts[0].report_id).campaign_id  # type: ignore[union-attr]
        assert campaign_id is not None
        decisions.set_verdict(session, campaign_id, "malicious", actor="analyst", note="The link has been blocked.")
    late = "late@corp.example"
    take_mail(reply_rt, forward(phish(20), reporter=late, n=2), via="smtp", envelope_from=late)
    Worker(reply_rt).run_until_idle()
    mail_replies.deliver_due(reply_rt)
    for who in (REPORTER, late):
        outcome = [m for m in sink.to(who) if m["Subject"] == "The outcome of your report"]
        assert len(outcome) == 1, who
        assert "The link has been blocked." in " ".join(outcome[0].get_content().split())


INJECTED_SUBJECT = (
    # "Invoice\r\nReply-To: it-help@evil-recruit.top\r\n\r\nYour password expires: call +1 555 0100"
    "=?utf-8?q?Invoice=0D=0AReply-To:_it-help@evil-recruit.top=0D=0A=0D=0AYour_password_expires:_call_+1_555_0100?="
)


def _hostile_original(subject: str, message_id: str = "<phish-77@micros0ft-support.example>") -> bytes:
    return (
        "From: IT Helpdesk <helpdesk@micros0ft-support.example>\r\n"
        f"To: {REPORTER}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Keep your password: https://login-micros0ft.example/verify\r\n"
    ).encode()


def _assert_only_our_headers(ack: Message) -> None:
    assert {name.lower() for name in ack} <= OUR_REPLY_HEADERS, list(ack)
    assert ack["Reply-To"] is None
    assert len(ack.get_all("From") or []) == 1 and len(ack.get_all("To") or []) == 1
    assert "\r" not in str(ack["Subject"]) and "\n" not in str(ack["Subject"])
    body = ack.get_content()
    assert body.startswith("Thank you. We have received your report.")
    assert "password expires" not in body.lower() and "555 0100" not in body


@pytest.mark.parametrize("how", ["redirected", "forwarded"])
def test_an_encoded_subject_with_crlf_cannot_inject_headers_into_the_acknowledgement(
    reply_rt: Runtime, sink: Sink, how: str
) -> None:
    """Issue 11, item 1: the acknowledgement went out with the attacker's Reply-To and text as its body."""
    original = _hostile_original(INJECTED_SUBJECT)
    if how == "redirected":
        take_mail(
            reply_rt, b"Resent-From: Alice <alice@corp.example>\r\n" + original, via="smtp", envelope_from=REPORTER
        )
    else:
        wrapper = forward(original)  # the reporter's own subject is benign here...
        # ...so the hostile subject is also put on the wrapper, as a client that keeps the original's does.
        wrapper = wrapper.replace(b"Subject: FW: suspicious 1", b"Subject: FW: " + INJECTED_SUBJECT.encode(), 1)
        take_mail(reply_rt, wrapper, via="smtp", envelope_from=REPORTER)
    assert mail_replies.deliver_due(reply_rt)["sent"] == 1
    [(_, _, ack)] = [r for r in sink.received if REPORTER in r[1]]
    _assert_only_our_headers(ack)
    assert "evil-recruit" not in "".join(f"{k}:{v}" for k, v in ack.items() if k.lower() != "subject")


def test_a_nested_encoded_word_is_not_decoded_twice(reply_rt: Runtime, sink: Sink) -> None:
    # Decodes to the literal text "=?utf-8?q?a=0D=0AReply-To:_x@evil-recruit.top?=": an encoded word
    # that a header factory would decode again on the way out.
    nested = "=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0D=3D0AReply-To:=5Fx@evil-recruit.top=3F=3D?="
    take_mail(
        reply_rt,
        b"Resent-From: Alice <alice@corp.example>\r\n" + _hostile_original(nested),
        via="smtp",
        envelope_from=REPORTER,
    )
    assert mail_replies.deliver_due(reply_rt)["sent"] == 1
    [(_, _, ack)] = [r for r in sink.received if REPORTER in r[1]]
    _assert_only_our_headers(ack)


def _raw_row(rt: Runtime, n: int, address: str, in_reply_to: str = "", **fields: Any) -> int:
    """An outbox row written as it stands, as rows queued before a fix or by another path may be."""
    who = reply_queue.reporter(rt.contact_key, address)
    values: dict[str, Any] = {
        "kind": reply_queue.ACK,
        "dedupe": f"row-{n}",
        "reporter_sealed": who.sealed,
        "reporter_hash": who.hash,
        "subject": f"Re: report {n}",
        "body": f"Thank you. We have received your report.\n\nrow {n}\n",
        "in_reply_to": in_reply_to,
        "status": "queued",
        "attempts": 0,
        "send_after": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        "created_at": dt.datetime.now(dt.UTC),
        "last_error": "",
    }
    with rt.db.write() as session:
        row = MailOutbox(**{**values, **fields})
        session.add(row)
        session.flush()
        return row.id


def test_one_bad_reply_fails_alone_and_the_attempt_limit_holds(reply_rt: Runtime, sink: Sink) -> None:
    """Issue 11, item 10: a Message-ID with CRLF raised ValueError in deliver_due, every later reply
    waited behind it, and one acknowledgement stayed 'sending' with 13 attempts (limit 8)."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    stuck = _raw_row(reply_rt, 1, "dave@corp.example", status="sending", attempts=13, locked_until=past)
    crlf_id = _raw_row(reply_rt, 2, "bob@corp.example", in_reply_to="<x@evil.example>\r\nBcc: carol@corp.example")
    bad_address = _raw_row(reply_rt, 3, "erin@corp.example\r\nBcc: carol@corp.example")
    good = _raw_row(reply_rt, 4, "frank@corp.example", in_reply_to="<ok-4@corp.example>")

    done = mail_replies.deliver_due(reply_rt)
    assert done == {"sent": 2, "failed": 1}
    rows = {row.id: row for row in outbox(reply_rt)}
    assert rows[stuck].status == "failed" and rows[stuck].attempts == 13 and "attempt limit" in rows[stuck].last_error
    assert rows[crlf_id].status == "sent"
    assert rows[bad_address].status == "failed" and "cannot build" in rows[bad_address].last_error
    assert rows[good].status == "sent"
    # The message id with a line break is left out; nothing reached anyone else.
    [to_bob] = sink.to("bob@corp.example")
    assert to_bob["In-Reply-To"] is None and to_bob["Bcc"] is None
    [to_frank] = sink.to("frank@corp.example")
    assert to_frank["In-Reply-To"] == "<ok-4@corp.example>"
    assert sink.to("carol@corp.example") == [] and sink.to("dave@corp.example") == []
    assert all(len(rcpts) == 1 for _, rcpts, _ in sink.received)
    # Nothing is left to claim: the failed rows stay failed.
    assert mail_replies.deliver_due(reply_rt) == {}
