"""Demo reports for `make run`: a small, made-up week of reporting.

Every message and name here is invented for the demo. They go through the real
funnel and the real worker, so the console shows what Watchword really makes of them.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, select

from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.store.models import Report

_RECIPIENTS = ["alex.morgan", "sam.okafor", "lee.chen", "maria.rossi", "jo.nowak", "priya.shah"]


def _mail(sender: str, to: str, subject: str, html: str, reply_to: str = "", auth: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 23, 9, 14, tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="mail.example")
    if reply_to:
        msg["Reply-To"] = reply_to
    if auth:
        msg["Authentication-Results"] = auth
    msg.set_content("This message needs an HTML viewer.")
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def demo_reports() -> list[IncomingReport]:
    reports: list[IncomingReport] = []
    for n, who in enumerate(_RECIPIENTS):
        html = (
            f"<p>Dear {who.split('.')[0].title()},</p><p>Your password for {who}@example.org expires today. "
            f'Keep your current password: <a href="https://login-microsoftonline.example-secure.top/keep?u={who}&t={n}7731">'
            "https://login.microsoftonline.com/keep</a></p><p>IT Service Desk</p>"
        )
        raw = _mail(
            "IT Service Desk <it-support@office365-helpdesk.top>",
            f"{who}@example.org",
            "Action required: password expires today",
            html,
            auth="mx.example.org; spf=fail smtp.mailfrom=office365-helpdesk.top; dkim=none; dmarc=fail",
        )
        reports.append(IncomingReport(channel=Channel.EMAIL, raw_email=raw, text="Looks fake, reporting."))
    invoice = _mail(
        "Accounts <accounts@northwind-supplies.example>",
        "finance@example.org",
        "Updated bank details for invoice 4471",
        "<p>Please note our bank details have changed. Pay invoice 4471 (EUR 18,400) to "
        "IBAN GB82 WEST 1234 5698 7654 32 today. Reply only to this address.</p>",
        reply_to="northwind.accounts@mailbox-secure.example",
    )
    reports.append(IncomingReport(channel=Channel.EMAIL, raw_email=invoice))
    # An advance-fee ("419") scam: a nuisance to mark as spam, not espionage (issue 15.5).
    scam = _mail(
        "Barrister James Okoro <j.okoro.chambers@freemail.example>",
        "j.smith@example.org",
        "URGENT: unclaimed inheritance of USD 12,500,000",
        "<p>Dear Beneficiary,</p><p>I am the personal attorney of the late engineer who died without a will. "
        "You are entitled to USD 12,500,000 from his estate. To release the funds, send your full name, "
        "bank account and a processing fee of USD 950 by Western Union. Reply in strict confidence.</p>",
        auth="mx.example.org; spf=pass smtp.mailfrom=freemail.example; dkim=pass; dmarc=none",
    )
    reports.append(IncomingReport(channel=Channel.EMAIL, raw_email=scam, text="Obvious scam, reporting anyway."))
    recruiter = (
        "A recruiter called 'Helen Park' from 'Bridgewater Talent Partners' contacted me on LinkedIn "
        "(linkedin.com/in/helen-park-btp) offering a paid consulting role, $500 an hour, if I write a short "
        "report on our satellite ground-station project. She wants to move to Telegram @helenpark_btp."
    )
    reports.append(IncomingReport(channel=Channel.WEB, text=recruiter, approach_hint="fake_recruitment"))
    reports.append(
        IncomingReport(
            channel=Channel.WEB,
            approach_hint="fake_recruitment",
            text="Same 'Bridgewater Talent Partners' headhunter (Telegram @helenpark_btp) asked me for our team's "
            "org chart before an interview, and offered travel to Vienna paid for by them.",
        )
    )
    reports.append(
        IncomingReport(
            channel=Channel.WEB,
            approach_hint="technical_surveillance",
            text="Found a USB stick labelled 'Salaries 2026' in the car park near entrance B. Not plugged in; "
            "handed it to reception.",
        )
    )
    reports.append(
        IncomingReport(
            channel=Channel.WEB,
            approach_hint="elicitation",
            text="At the industry conference a man who said he was a journalist kept asking which labs work on "
            "our encryption module, who leads them, and when the next test campaign is. He offered dinner.",
        )
    )
    reports.append(
        IncomingReport(
            channel=Channel.WEB,
            approach_hint="physical_approach",
            text="Someone without a badge followed staff through the side door on floor 2 and photographed "
            "the server room door before leaving.",
        )
    )
    reports.append(
        IncomingReport(
            channel=Channel.WEB,
            text="My new colleague is from abroad and prays at lunchtime, I think we should keep an eye on him.",
        )
    )
    return reports


def load_demo(rt: Runtime) -> int:
    """Submit the demo reports if the store has no reports yet; return how many."""
    with rt.db.session() as session:
        if session.scalar(select(func.count()).select_from(Report)):
            return 0
    reports = demo_reports()
    for incoming in reports:
        submit(rt, incoming)
    return len(reports)
