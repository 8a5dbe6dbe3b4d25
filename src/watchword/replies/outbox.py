"""Replies to reporters who wrote from an address, queued: acknowledgements, outcomes, messages.

Every reply is first a row in `mail_outbox`, written in the same transaction as
what causes it (the mail's intake record, the verdict), so a crash can delay a
reply but never lose one. The mail intake and the analysts' services both queue
here, so it sits below both. A sender loop (`services/mail_replies.py`) then
delivers due rows through the configured SMTP relay, checking at the last moment:

* opt-out: a reporter who replied STOP (or opted out on the web) gets nothing;
* stale: an acknowledgement that could not go out within two days is dropped;
* rate limits: per reporter per hour and globally per minute. Over the
  per-reporter limit an acknowledgement is dropped (someone reporting 50 mails
  an hour does not need 50 receipts) and an outcome waits. A forged sender
  address can therefore never turn Watchword into a mail cannon.

Delivery is at least once: a crash after the relay accepted a reply and before
it was marked sent sends it again, with the same Message-ID so that clients
can fold the two.

For the verdict code: call `notify_campaign_outcome(session, campaign_id)` (or
`notify_outcome(session, report_ids, text)` with a text of your own) in the
transaction that sets the verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watchword.config import Settings
from watchword.domain.states import MailKind, MailStatus
from watchword.replies import outcomes
from watchword.replies.headers import header_text, message_id
from watchword.security.sealing import seal
from watchword.store import audit
from watchword.store.counts import NO_COUNTS, campaign_counts
from watchword.store.models import Campaign, Report, utcnow
from watchword.store.models_mail import MailMessage, MailMessageReport, MailOptOut, MailOutbox
from watchword.store.upsert import insert_ignore
from watchword.translation import DEFAULT_LANGUAGE, N_, available_languages, gettext_for

ACK = MailKind.ACK
OUTCOME = MailKind.OUTCOME
MESSAGE = MailKind.MESSAGE
# Every language keeps the word STOP itself: intake/mail.py recognises only it (and START).
STOP_HINT = N_("To stop these messages, reply with the single word STOP.")
ACK_SUBJECT = N_("Your report has been received")
OUTCOME_SUBJECT = N_("The outcome of your report")
MESSAGE_SUBJECT = N_("About your report")
MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=2)
# A receipt is only useful while the reporter still remembers sending the mail;
# an outcome stays worth sending much longer.
STALE_AFTER: dict[str, dt.timedelta] = {
    ACK: dt.timedelta(days=2),
    OUTCOME: dt.timedelta(days=30),
    MESSAGE: dt.timedelta(days=30),
}


def written_in(body: str) -> str:
    """The language a queued reply is written in: the one whose STOP line closes it, "" if none.

    Every reply (acknowledgement, outcome, analyst's message) ends with `STOP_HINT` in the
    reporter's language, taken from the catalogue when the row was queued, so the line says which
    language the whole body is in, for rows queued before this was read too, with no column of its own.
    """
    last = body.rstrip().rpartition("\n\n")[2].strip()
    # English last: it is also what a catalogue falls back to.
    for language in (*(code for code in available_languages() if code != DEFAULT_LANGUAGE), DEFAULT_LANGUAGE):
        if last == gettext_for(language)(STOP_HINT):
            return language
    return ""


@dataclass(frozen=True, slots=True)
class Reporter:
    """A reporter's address as the store keeps it: sealed, plus a keyed hash for look-ups."""

    sealed: bytes
    hash: str


def normalise_address(address: str) -> str:
    return parseaddr(address)[1].strip().lower()


def reporter_hash(key: bytes, address: str) -> str:
    # Keyed, not a bare SHA-256: addresses are guessable, and a plain hash of
    # one would let anyone holding the database test whether a person opted out.
    return _keyed(key, normalise_address(address))


def reporter(key: bytes, address: str) -> Reporter:
    """`address` as a bare, already normalised address (as the mail intake finds it)."""
    return Reporter(sealed=seal(key, address), hash=_keyed(key, address))


def _keyed(key: bytes, normalised: str) -> str:
    return hmac.new(key, b"reporter\x00" + normalised.encode(), hashlib.sha256).hexdigest()


def replies_enabled(settings: Settings) -> bool:
    return bool(settings.reply_from and settings.relay_host)


def _dedupe(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def enqueue(
    session: Session, kind: str, who: Reporter, subject: str, body: str, dedupe: str, in_reply_to: str = ""
) -> bool:
    """Queue one reply in the caller's transaction; False if the same reply was queued before."""
    values = {
        "kind": kind,
        "dedupe": dedupe,
        "reporter_sealed": who.sealed,
        "reporter_hash": who.hash,
        "subject": header_text(subject, 300),
        "body": body,
        "in_reply_to": message_id(in_reply_to),
        "status": MailStatus.QUEUED,
        "attempts": 0,
        "send_after": utcnow(),
        "created_at": utcnow(),
        "last_error": "",
    }
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    stmt = insert_ignore(session, MailOutbox, "dedupe").values(**values).returning(MailOutbox.id)
    return session.execute(stmt).first() is not None


def _references(public_ids: Sequence[str], language: str = "") -> str:
    _ = gettext_for(language)
    if len(public_ids) == 1:
        return _("Your reference: %(reference)s") % {"reference": public_ids[0]}
    lines = [_("Messages you sent: %(count)s. Your references:") % {"count": len(public_ids)}]
    lines += [f"  {n}. {pid}" for n, pid in enumerate(public_ids, 1)]
    return "\n".join(lines)


def enqueue_ack(
    session: Session,
    who: Reporter,
    mail_id: int,
    public_ids: Sequence[str],
    *,
    subject: str = "",
    in_reply_to: str = "",
    language: str = "",
) -> bool:
    """The acknowledgement for one reporter's mail, with a receipt for each report it made,
    in the reporter's language (their mail's, see intake/mail.py; English when unknown)."""
    _ = gettext_for(language)
    clean = header_text(subject, 200)
    # "Re:" is what mail clients thread on, in every language.
    reply_subject = f"Re: {clean}" if clean else _(ACK_SUBJECT)
    body = (
        "\n\n".join(
            [
                _("Thank you. We have received your report."),
                _references(public_ids, language),
                _(outcomes.RECEIVED),
                _("We will write again when we know the outcome."),
                _(STOP_HINT),
            ]
        )
        + "\n"
    )
    return enqueue(session, ACK, who, reply_subject, body, _dedupe(ACK, str(mail_id)), in_reply_to)


def notify_outcome(
    session: Session,
    report_ids: Iterable[int],
    outcome_text: str | Callable[[str], str],
    subject: str = OUTCOME_SUBJECT,
    key: str | None = None,
) -> int:
    """Queue `outcome_text` for every mail reporter of these reports, in the caller's transaction.

    `outcome_text` is a text, or a function from a language to the text in it: each reporter
    is written to in the language their mail was in (the subject and the lines around the text
    follow it either way). One message per reporter, however many of the reports they sent,
    naming each of their references. Calling it again with the same `key` (by default the
    text itself) queues nothing new for a reporter already told; a new key (a verdict revised)
    is queued again. Returns the number of replies queued. Opt-outs and rate limits apply at sending.
    """
    ids = sorted(set(report_ids))
    per_reporter: dict[str, tuple[bytes, set[str], str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(MailMessage.reporter_hash, MailMessage.reporter_sealed, Report.public_id, MailMessage.language)
            .join(MailMessageReport, MailMessageReport.mail_message_id == MailMessage.id)
            .join(Report, Report.id == MailMessageReport.report_id)
            .where(MailMessageReport.report_id.in_(ids[start : start + 500]), MailMessage.reporter_hash.is_not(None))
        )
        for hash_, sealed, public_id, language in rows:
            if hash_ and sealed:
                known = per_reporter.get(hash_)
                # A reporter who wrote in several languages: the latest mail's, when it said one.
                per_reporter[hash_] = (sealed, known[1] if known else set(), language or (known[2] if known else ""))
                per_reporter[hash_][1].add(public_id)
    queued = 0
    for hash_, (sealed, public_ids, language) in sorted(per_reporter.items()):
        _ = gettext_for(language)
        text = (outcome_text(language) if callable(outcome_text) else outcome_text).strip()
        refs = sorted(public_ids)
        body = "\n\n".join([text, _references(refs, language), _(STOP_HINT)]) + "\n"
        dedupe = _dedupe(OUTCOME, hash_, key if key is not None else text, *refs)
        queued += enqueue(session, OUTCOME, Reporter(sealed, hash_), _(subject), body, dedupe)
    return queued


def enqueue_message(session: Session, report_id: int, reporter_hash_: str, message_id_: int, text: str) -> bool:
    """Queue an analyst's thread message for the one mail reporter whose thread it is in.

    Only to addresses that mailed this report (the caller checked); their
    references are the reports of theirs it concerns. Opt-outs and rate limits
    apply at sending, as for outcomes.
    """
    rows = session.execute(
        select(MailMessage.reporter_sealed, Report.public_id, MailMessage.language)
        .join(MailMessageReport, MailMessageReport.mail_message_id == MailMessage.id)
        .join(Report, Report.id == MailMessageReport.report_id)
        .where(MailMessageReport.report_id == report_id, MailMessage.reporter_hash == reporter_hash_)
    ).all()
    sealed = next((row[0] for row in rows if row[0]), None)
    if sealed is None:
        return False
    language = next((row[2] for row in reversed(rows) if row[2]), "")
    _ = gettext_for(language)
    refs = sorted({row[1] for row in rows})
    # The analyst's own words go as written; the lines around them are in the reporter's language.
    body = "\n\n".join(
        [_("A message from the analysts about your report:"), text.strip(), _references(refs, language), _(STOP_HINT)]
    )
    who = Reporter(sealed, reporter_hash_)
    return enqueue(session, MESSAGE, who, _(MESSAGE_SUBJECT), body + "\n", _dedupe(MESSAGE, str(message_id_)))


def notify_campaign_outcome(session: Session, campaign_id: int) -> int:
    """Queue the campaign's outcome, in the words of `replies.outcomes`, for all its mail reporters.

    Uses the campaign's verdict, approach type and reporter count; its
    verdict note, when there is one, is the sentence about what was done
    ("The link has been blocked."), so it must be written for reporters.
    Safe to call again whenever reports join a campaign that has a verdict:
    only their reporters are told, because a reporter already told of this
    verdict and note is not told again just because the count grew.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not campaign.verdict:
        return 0
    people = campaign_counts(session, [campaign_id]).get(campaign_id, NO_COUNTS).people

    def text(language: str) -> str:
        return outcomes.outcome_text(
            campaign.verdict,
            approach_type=campaign.approach_type,
            reporters=people,
            action=campaign.verdict_note,
            language=language,
        )

    report_ids = session.scalars(select(Report.id).where(Report.campaign_id == campaign_id)).all()
    return notify_outcome(session, report_ids, text, key=f"campaign\x00{campaign.verdict}\x00{campaign.verdict_note}")


# -- opt-out ----------------------------------------------------------------------


def opt_out(session: Session, key: bytes, address: str, via: str = "mail") -> bool:
    """Stop all replies to this address; already queued ones are dropped at sending."""
    hash_ = reporter_hash(key, address)
    added = (
        session.execute(
            insert_ignore(session, MailOptOut, "reporter_hash")
            .values(reporter_hash=hash_, created_at=utcnow(), via=via)
            .returning(MailOptOut.reporter_hash)
        ).first()
        is not None
    )
    if added:
        audit.record(
            session, actor=f"reporter:{via}", action="mail.opt_out", object_type="reporter", object_id=hash_[:16]
        )
    return added


def opt_in(session: Session, key: bytes, address: str, via: str = "mail") -> bool:
    hash_ = reporter_hash(key, address)
    removed = (
        session.execute(
            delete(MailOptOut).where(MailOptOut.reporter_hash == hash_).returning(MailOptOut.reporter_hash)
        ).first()
        is not None
    )
    if removed:
        audit.record(
            session, actor=f"reporter:{via}", action="mail.opt_in", object_type="reporter", object_id=hash_[:16]
        )
    return removed


def is_opted_out(session: Session, hash_: str) -> bool:
    return session.get(MailOptOut, hash_) is not None
