"""A reporter's mail -> reports, for both mail channels (the SMTP listener and the IMAP poller).

What is submitted. The reporter's whole mail (the "wrapper") is stored raw as
the source of truth, and then:

* each original attached to it (message/rfc822, a report button's .eml or
  .msg; see `analysis.forwarded.originals_in`) is submitted as a report of its
  own, its own bytes as `raw_email`. Several attached at once are several
  approaches, and deserve several reports; and the same phish forwarded by 500
  people is then byte-for-byte the same original, so the funnel counts 500
  sightings of one report instead of analysing 500 different wrappers. The
  reporter's address travels beside it (`reporter_address`, sealed by submit()),
  never inside the analysed bytes;
* a mail with no attached original (an inline forward from Outlook, Gmail,
  Apple Mail or Thunderbird, or a mail that is itself the suspicious message)
  is submitted whole: an inline forward has no separate original bytes, and the
  pipeline's unwrap stage cuts the reporter's comment, signature and
  disclaimer away from the original before any indicator is looked for.

Who the reporter is. The forwarding mail's From (the envelope sender when it
has none); never an address from the suspicious message. A mail that is not a
forward at all is taken to BE the suspicious message, so its From is the
suspect's: only a Resent-From (a client's "redirect") names a reporter there.
An address that also appears as the sender of an original (a phish spoofing
the reporter's own address) is not used either: a reply must never go to an
address the attacker chose.

Exactly once. A mail's reports go through the funnel (`submit_all`), and its
record, the links and the acknowledgement are the channel's own rows of the
same transaction (`also=`), committed by the process's one intake writer; the
record's unique wrapper hash marks the mail taken. So a mail processed again
after a crash (or re-sent by an SMTP client that never saw our "250") either
finds itself recorded and adds nothing, or finds nothing at all of itself and
is taken whole. Each submission's source name
("mail:<wrapper hash>#<position>") tells the analyst which mail it came from.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr
from functools import partial
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchword.analysis.forwarded import originals_in, unwrap_forwarded
from watchword.analysis.language import detect_language
from watchword.analysis.mime import parse_mime
from watchword.domain import Channel, Document, IncomingReport
from watchword.domain.states import DocumentKind
from watchword.intake import report_buttons
from watchword.intake import submit as funnel
from watchword.intake.submit import MESSAGE_TOO_LARGE, IntakeError, Receipt, TooLarge, megabytes
from watchword.intake.writer import Committed
from watchword.logsafe import describe
from watchword.replies import outbox
from watchword.store import audit
from watchword.store.models import Blob, Report, utcnow
from watchword.store.models_mail import MailMessage, MailMessageReport
from watchword.store.upsert import insert_ignore_per_dialect
from watchword.translation import supported

if TYPE_CHECKING:
    from watchword.runtime import Runtime

log = logging.getLogger("watchword.mail.intake")

_HEADERS = BytesParser(policy=compat32)
_KEYWORD = re.compile(
    r"^\s*(?:(?:re|aw|sv|antw)\s*:\s*)*\[?\s*(stop|unsubscribe|start)\s*\]?\s*[.!]?\s*$", re.IGNORECASE
)
_ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")
_SUSPECT_HEADERS = ("from", "reply-to", "sender", "return-path", "resent-from")
_SIMPLE_ADDRESS = re.compile(r'^\s*(?:[^<>",;@]*<([^<>\s",;@]+@[^<>\s",;@]+)>|([^<>\s",;@]+@[^<>\s",;@]+))\s*$')
# Cheap test before any body is parsed: most mail never says these words.
_MAY_BE_CONTROL = re.compile(rb"(?i)\b(?:stop|start|unsubscribe)\b")
_LANGUAGE_SAMPLE = 4000


def is_transient(exc: BaseException) -> bool:
    """A refusal that may pass (the store is busy or restarting): the mail must come again.

    Every other `IntakeError` is final for these bytes (too large, empty).
    `StoreUnavailable` is looked up by name so this module works with funnels
    that do not (yet) raise it.
    """
    unavailable = getattr(funnel, "StoreUnavailable", None)
    if unavailable is not None and isinstance(exc, unavailable):
        return True
    return not isinstance(exc, IntakeError)


@dataclass(slots=True)
class MailResult:
    mail_id: int
    receipts: list[Receipt] = field(default_factory=list)
    shape: str = ""
    reporter_known: bool = False
    already_taken: bool = False  # these exact bytes were taken before: nothing was added

    @property
    def reference(self) -> str:
        return ",".join(r.public_id for r in self.receipts)


@dataclass(frozen=True, slots=True)
class ImapRef:
    mailbox: str
    uidvalidity: int
    uid: int


def _one_address(value: str) -> str:
    # The common shapes ("Name <a@b>", "<a@b>", "a@b") without email.utils,
    # whose address parser is the costliest step of taking a mail.
    match = _SIMPLE_ADDRESS.match(value)
    if match:
        return (match.group(1) or match.group(2)).lower()
    return parseaddr(value)[1].strip().lower()


def _addresses(msg: Message, names: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for name in names:
        for value in msg.get_all(name, []) or []:
            text = str(value)
            if "," in text:
                found.update(addr.strip().lower() for _, addr in getaddresses([text]) if addr)
            elif address := _one_address(text):
                found.add(address)
    return found


def _plain_address(value: str | None) -> str:
    address = _one_address(value or "")
    return address if _ADDRESS.match(address) else ""


def _control_word(raw: bytes, headers: Message) -> str:
    """'stop' or 'start' when the mail says only that word (in its subject or first body line)."""
    match = _KEYWORD.match(str(headers.get("subject", "") or ""))
    # A one-word reply is small; a big mail is not one.
    if match is None and len(raw) <= 64_000 and _MAY_BE_CONTROL.search(raw):
        msg = _HEADERS.parsebytes(raw)
        body = b""
        for part in msg.walk():
            if part.get_content_type() == "text/plain" and not part.get_filename():
                payload = part.get_payload(decode=True)
                body = payload if isinstance(payload, bytes) else b""
                break
        text = body.decode("utf-8", "replace")
        first = next((line for line in text.splitlines() if line.strip()), "")
        match = _KEYWORD.match(first)
    return match.group(1).lower().replace("unsubscribe", "stop") if match else ""


def _is_automatic(msg: Message, envelope_from: str | None) -> bool:
    """Bounces, vacation notices and list traffic: never acknowledged, or two robots loop forever."""
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return True
    if str(msg.get("return-path", "") or "").strip() == "<>":  # a bounce, as an IMAP mailbox stores it
        return True
    auto = str(msg.get("auto-submitted", "no") or "no").strip().lower()
    precedence = str(msg.get("precedence", "") or "").strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply") or "list-id" in msg


def _examine(raw: bytes) -> tuple[list[bytes], str, set[str], str, str]:
    """The originals to submit on their own, how the original travelled, its sender's addresses,
    the reporter's comment above attached originals (kept with each of their submissions), and
    a sample of the words to guess the reporter's language from (their comment, else the text).

    The pipeline's own parse and unwrap stages decide what is a forward (one
    parse); `originals_in` is asked for the attached originals' bytes only
    when there are some (a second parse).
    """
    doc = Document(kind=DocumentKind.EMAIL, raw=raw)
    try:
        parse_mime(doc)
        unwrap_forwarded(doc)
    except Exception as exc:  # noqa: BLE001 - odd mail must still be taken; the worker records the details
        log.warning("mail could not be examined for a forward (%s); taken as the suspicious message", describe(exc))
        return [], "direct", set(), "", ""
    sample = " ".join(doc.text_parts)[:_LANGUAGE_SAMPLE]
    if doc.wrapper is None:
        return [], "direct", set(), "", sample
    suspects: set[str] = set()
    if doc.wrapper.shape == "attachment":
        originals = originals_in(raw)
        for original in originals:
            if not original.startswith(b"\xd0\xcf\x11\xe0"):  # an Outlook .msg has no RFC 5322 headers
                suspects |= _addresses(_HEADERS.parsebytes(original, headersonly=True), _SUSPECT_HEADERS)
        comment = doc.wrapper.reporter_comment if originals else ""
        return originals, ("attachment" if originals else "direct"), suspects, comment, comment or sample
    for name in ("from", "reply-to", "sender", "return-path"):
        suspects.update(addr.lower() for _, addr in getaddresses([doc.headers.get(name, "")]) if addr)
    # An inline forward is filed whole: the analysis keeps its comment apart (sealed at rest).
    return [], doc.wrapper.shape or "inline", suspects, "", doc.wrapper.reporter_comment or sample


def reporter_language(msg: Message, sample: str) -> str:
    """The language replies to this reporter are written in: what their mail declares
    (Content-Language, as RFC 3282 has clients set it), else a guess from their words, else ""."""
    for tag in str(msg.get("content-language", "") or "").split(",")[:5]:
        if found := supported(tag):
            return found
    return supported(detect_language(sample))


def _reporter_address(rt: Runtime, msg: Message, shape: str, suspects: set[str], envelope_from: str | None) -> str:
    if shape == "direct":
        # Not a forward: the mail is the suspicious message, its From the suspect's.
        candidate = _plain_address(str(msg.get("resent-from", "") or msg.get("resent-sender", "") or ""))
    else:
        candidate = _plain_address(str(msg.get("from", "") or "")) or _plain_address(envelope_from)
    ours = {a.lower() for a in rt.settings.smtp_addresses}
    ours.add(_plain_address(rt.settings.reply_from))
    if not candidate or candidate in suspects or candidate in ours:
        return ""
    return candidate


_FIND_MAIL = select(MailMessage.id, MailMessage.shape).where(MailMessage.wrapper_sha256 == bindparam("sha"))
_MAIL_REPORTS = (
    select(Report.id, Report.public_id, Report.sightings)
    .join(MailMessageReport, MailMessageReport.report_id == Report.id)
    .where(MailMessageReport.mail_message_id == bindparam("mid"))
    .order_by(MailMessageReport.position)
)


def _taken_before(rt: Runtime, sha: str) -> MailResult | None:
    # A plain connection, not an ORM session: this runs for every mail taken.
    with rt.db.engine.connect() as conn:
        found = conn.execute(_FIND_MAIL, {"sha": sha}).first()
        if found is None:
            return None
        rows = conn.execute(_MAIL_REPORTS, {"mid": found[0]}).all()
    receipts = [Receipt(report_id=r[0], public_id=r[1], duplicate=True, sightings=r[2]) for r in rows]
    return MailResult(mail_id=found[0], receipts=receipts, shape=found[1], already_taken=True)


def find_imap(rt: Runtime, ref: ImapRef) -> int | None:
    """The mail already taken from this mailbox UID, if any."""
    with rt.db.session() as session:
        return session.scalar(
            select(MailMessage.id)
            .where(
                MailMessage.imap_mailbox == ref.mailbox,
                MailMessage.imap_uidvalidity == ref.uidvalidity,
                MailMessage.imap_uid == ref.uid,
            )
            .limit(1)
        )


def take_mail(
    rt: Runtime,
    raw: bytes,
    *,
    via: str,
    source: str = "",
    envelope_from: str | None = None,
    imap: ImapRef | None = None,
) -> MailResult:
    """Take one reporter's mail: durable (reports, record, acknowledgement) when this returns.

    Raises `TooLarge` or `IntakeError` for mail that cannot be accepted, and
    lets store errors through: the caller answers 451 (SMTP) or leaves the
    message in the mailbox (IMAP), and the mail comes again.
    """
    limit = (
        min(rt.settings.max_upload_bytes, rt.settings.smtp_max_message_bytes)
        if via == "smtp"
        else rt.settings.max_upload_bytes
    )
    if len(raw) > limit:
        raise TooLarge(MESSAGE_TOO_LARGE, mb=megabytes(limit))
    sha = hashlib.sha256(raw).hexdigest()
    # No look-up for "taken before" here: repeats are rare, and the mail's
    # unique wrapper hash refuses them in the commit (see _write_record).
    msg = _HEADERS.parsebytes(raw, headersonly=True)
    automatic = _is_automatic(msg, envelope_from)
    # Delivery reports are no forwards (`originals_in` knows), so automatic mail
    # is examined like any other; it only never gets an answer.
    originals, shape, suspects, comment, sample = _examine(raw)
    if shape == "direct" and not automatic:
        word = _control_word(raw, msg)
        if word:
            return _take_control(rt, raw, sha, msg, word, via, source, envelope_from, imap)
    if shape == "attachment":
        comment = report_buttons.with_choice(msg, comment)  # a Report button's "phishing / junk / not junk"
    elif shape == "direct" and (copied := report_buttons.recognise_copy(msg)) is not None:
        comment = copied.context()  # a mail system's copy: its classification, for the analyst
    address = _reporter_address(rt, msg, shape, suspects, envelope_from)
    language = reporter_language(msg, sample)
    rt.blobs.put(raw)  # the wrapper itself, before anything that points to it commits
    reports = [
        IncomingReport(
            channel=Channel.EMAIL,
            raw_email=unit,
            reporter_address=address or None,
            source_name=f"mail:{sha[:32]}#{position}",
            comment=comment,
            language=language,
        )
        for position, unit in enumerate(originals or [raw], 1)
    ]
    who = outbox.reporter(rt.contact_key, address) if address else None
    ack = who if (who and not automatic and outbox.replies_enabled(rt.settings)) else None
    try:
        # Through the funnel (submit_all), the mail's record in the same transaction.
        mail_id, receipts = _record(
            rt,
            raw,
            sha,
            via=via,
            source=source,
            shape=shape,
            originals=len(originals),
            who=who,
            imap=imap,
            reports=reports,
            ack=ack,
            subject=str(msg.get("subject", "") or ""),
            message_id=str(msg.get("message-id", "") or "").strip(),
            language=language,
        )
    except IntegrityError:
        # The same bytes were taken concurrently (two deliveries racing): theirs counts.
        taken = _taken_before(rt, sha)
        if taken is None:
            raise
        return taken
    return MailResult(mail_id=mail_id, receipts=receipts, shape=shape, reporter_known=who is not None)


@dataclass(slots=True)
class _Record:
    size: int
    sha: str
    via: str
    source: str
    shape: str
    originals: int
    who: outbox.Reporter | None
    imap: ImapRef | None
    ack: outbox.Reporter | None
    subject: str
    message_id: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What the audit event of a commit says about one mail."""

    mail_id: int
    via: str
    shape: str
    reporter: bool


def _record(
    rt: Runtime,
    raw: bytes,
    sha: str,
    *,
    via: str,
    source: str,
    shape: str,
    originals: int,
    who: outbox.Reporter | None,
    imap: ImapRef | None,
    reports: list[IncomingReport],
    ack: outbox.Reporter | None,
    subject: str,
    message_id: str,
    language: str = "",
) -> tuple[int, list[Receipt]]:
    """Submit the mail's reports through the funnel, with its record, links and acknowledgement
    as the channel's own rows of the same transaction: all or none."""
    item = _Record(
        size=len(raw),
        sha=sha,
        via=via,
        source=source,
        shape=shape,
        originals=originals,
        who=who,
        imap=imap,
        ack=ack,
        subject=subject,
        message_id=message_id,
        language=language,
    )
    committed = funnel.submit_all(rt, reports, also=[partial(_write_record, item)], summary=_audit_mails)
    recorded: _Recorded = committed.also[0]
    return recorded.mail_id, committed.receipts


_MAILS = cast(Table, MailMessage.__table__)
_NEW_MAIL = insert(_MAILS).returning(_MAILS.c.id)
_NEW_LINK = insert(cast(Table, MailMessageReport.__table__))
_BLOBS = cast(Table, Blob.__table__)
_NEW_BLOB = insert_ignore_per_dialect(_BLOBS, "sha256")


def _write_record(item: _Record, session: Session, receipts: list[Receipt]) -> _Recorded:
    """One mail's rows beside its reports, in the funnel's transaction.

    The mail's unique wrapper hash refuses a second record of the same bytes
    (another delivery of the mail, in this commit or another process's): the
    `IntegrityError` takes this mail's reports out of the commit with it, and
    `take_mail` answers with what the first delivery recorded. Core statements: this runs
    once per mail on the intake's hot path.
    """
    conn = session.connection()
    now = utcnow()
    conn.execute(_NEW_BLOB[conn.dialect.name], {"sha256": item.sha, "size": item.size, "created_at": now})
    imap = item.imap
    mail_id = int(
        conn.execute(
            _NEW_MAIL,
            {
                "wrapper_sha256": item.sha,
                "via": item.via,
                "source": item.source[:500],
                "received_at": now,
                "shape": item.shape,
                "originals": item.originals,
                "reporter_sealed": item.who.sealed if item.who else None,
                "reporter_hash": item.who.hash if item.who else None,
                "language": item.language,
                "imap_mailbox": imap.mailbox if imap else None,
                "imap_uidvalidity": imap.uidvalidity if imap else None,
                "imap_uid": imap.uid if imap else None,
            },
        ).scalar_one()
    )
    links: dict[int, int] = {}
    for position, receipt in enumerate(receipts, 1):
        links.setdefault(receipt.report_id, position)  # the same original attached twice: one link
    if links:
        conn.execute(
            _NEW_LINK, [{"mail_message_id": mail_id, "report_id": rid, "position": pos} for rid, pos in links.items()]
        )
        _tell_outcomes_already_known(session, receipts)
    if item.ack is not None:
        outbox.enqueue_ack(
            session,
            item.ack,
            mail_id,
            [r.public_id for r in receipts],
            subject=item.subject,
            in_reply_to=item.message_id,
            language=item.language,
        )
    return _Recorded(mail_id=mail_id, via=item.via, shape=item.shape, reporter=item.who is not None)


def _audit_mails(session: Session, committed: list[Committed]) -> None:
    """One audit event per commit, naming every mail in it: the chain's head is a
    serial point, and one link per mail would cost more than the mail's own rows."""
    mails = [(c.also[0], c.receipts) for c in committed]
    audit.record(
        session,
        actor="mail",
        action="mail.received",
        object_type="mail_message",
        object_id=mails[0][0].mail_id,
        detail={
            "mails": [
                {
                    "id": rec.mail_id,
                    "via": rec.via,
                    "shape": rec.shape,
                    "reporter": rec.reporter,
                    "reports": [r.report_id for r in receipts],
                }
                for rec, receipts in mails
            ]
        },
    )


def _tell_outcomes_already_known(session: Session, receipts: list[Receipt]) -> None:
    """A repeat of a report whose campaign already has a verdict is not analysed again, so
    no after-analysis step will see it: its reporter is told the outcome here, in the same
    transaction (the outbox keys by outcome, so nobody is told twice)."""
    repeats = {r.report_id for r in receipts if r.duplicate}
    if not repeats:
        return
    campaigns = set(
        session.scalars(
            select(Report.campaign_id).where(
                Report.id.in_(repeats), Report.verdict.is_not(None), Report.campaign_id.is_not(None)
            )
        )
    )
    for campaign_id in campaigns:
        if campaign_id is not None:
            outbox.notify_campaign_outcome(session, campaign_id)


def _take_control(
    rt: Runtime,
    raw: bytes,
    sha: str,
    msg: Message,
    word: str,
    via: str,
    source: str,
    envelope_from: str | None,
    imap: ImapRef | None,
) -> MailResult:
    """A STOP (or START) reply: change the opt-out, record the mail, submit no report."""
    before = _taken_before(rt, sha)
    if before is not None:  # a STOP delivered twice must not undo a START sent in between
        return before
    address = _plain_address(str(msg.get("from", "") or "")) or _plain_address(envelope_from)
    rt.blobs.put(raw)
    shape = "opt-out" if word == "stop" else "opt-in"
    with rt.db.write() as session:
        if address:
            if word == "stop":
                outbox.opt_out(session, rt.contact_key, address, via="mail")
            else:
                outbox.opt_in(session, rt.contact_key, address, via="mail")
    try:
        mail_id, _ = _record(
            rt,
            raw,
            sha,
            via=via,
            source=source,
            shape=shape,
            originals=0,
            who=None,
            imap=imap,
            reports=[],
            ack=None,
            subject="",
            message_id="",
        )
    except IntegrityError:
        taken = _taken_before(rt, sha)
        if taken is None:
            raise
        return taken
    return MailResult(mail_id=mail_id, shape=shape)
