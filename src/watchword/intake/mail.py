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

Exactly once. Every submission carries a tag derived from the wrapper's hash
and the original's position; before submitting, the tag is looked up, so a
mail processed again after a crash (or re-sent by an SMTP client that never
saw our "250") adds no second sighting. The mail's own record, the links to
its reports and the acknowledgement are committed last, in one transaction;
its unique wrapper hash marks the mail done.
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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from watchword.analysis.forwarded import originals_in, unwrap_forwarded
from watchword.analysis.mime import parse_mime
from watchword.domain import Channel, Document, IncomingReport
from watchword.intake import submit as funnel
from watchword.intake.submit import IntakeError, Receipt, TooLarge, dedupe_key, submit
from watchword.runtime import Runtime
from watchword.services import mail_replies
from watchword.store import audit
from watchword.store.models import Blob, Report, Submission
from watchword.store.models_mail import MailMessage, MailMessageReport

log = logging.getLogger("watchword.mail.intake")

_HEADERS = BytesParser(policy=compat32)
_KEYWORD = re.compile(r"^\s*(?:(?:re|aw|sv|antw)\s*:\s*)*\[?\s*(stop|unsubscribe|start)\s*\]?\s*[.!]?\s*$",
                      re.IGNORECASE)
_ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")
_SUSPECT_HEADERS = ("from", "reply-to", "sender", "return-path", "resent-from")


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


def _addresses(msg: Message, names: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for name in names:
        for value in msg.get_all(name, []) or []:
            found.update(addr.strip().lower() for _, addr in getaddresses([str(value)]) if addr)
    return found


def _plain_address(value: str | None) -> str:
    address = parseaddr(value or "")[1].strip().lower()
    return address if _ADDRESS.match(address) else ""


def _control_word(raw: bytes, headers: Message) -> str:
    """'stop' or 'start' when the mail says only that word (in its subject or first body line)."""
    match = _KEYWORD.match(str(headers.get("subject", "") or ""))
    if match is None and len(raw) <= 64_000:  # a one-word reply is small; a big mail is not one
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
    auto = str(msg.get("auto-submitted", "no") or "no").strip().lower()
    precedence = str(msg.get("precedence", "") or "").strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply") or "list-id" in msg


def _shape_and_suspects(raw: bytes, originals: list[bytes]) -> tuple[str, set[str]]:
    """How the original travelled, and the addresses that belong to the suspicious message."""
    suspects: set[str] = set()
    if originals:
        for original in originals:
            if not original.startswith(b"\xd0\xcf\x11\xe0"):
                suspects |= _addresses(_HEADERS.parsebytes(original, headersonly=True), _SUSPECT_HEADERS)
        return "attachment", suspects
    doc = Document(kind="email", raw=raw)
    try:
        parse_mime(doc)
        unwrap_forwarded(doc)
    except Exception:  # odd mail must still be taken; the worker records the details
        log.warning("mail could not be examined for a forward; taken as the suspicious message", exc_info=True)
        return "direct", suspects
    if doc.wrapper is None:
        return "direct", suspects
    for name in ("from", "reply-to", "sender", "return-path"):
        suspects.update(addr.lower() for _, addr in getaddresses([doc.headers.get(name, "")]) if addr)
    return doc.wrapper.shape or "inline", suspects


def _reporter_address(rt: Runtime, msg: Message, shape: str, suspects: set[str],
                      envelope_from: str | None) -> str:
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


def _already_submitted(rt: Runtime, unit: bytes, tag: str) -> Receipt | None:
    key = dedupe_key(IncomingReport(channel=Channel.EMAIL, raw_email=unit))
    with rt.db.session() as session:
        row = session.execute(
            select(Report.id, Report.public_id, Report.sightings)
            .join(Submission, Submission.report_id == Report.id)
            .where(Report.dedupe_key == key, Submission.source_name == tag)
            .limit(1)
        ).first()
    if row is None:
        return None
    return Receipt(report_id=row[0], public_id=row[1], duplicate=True, sightings=row[2])


def _taken_before(rt: Runtime, sha: str) -> MailResult | None:
    with rt.db.session() as session:
        found = session.execute(
            select(MailMessage.id, MailMessage.shape).where(MailMessage.wrapper_sha256 == sha)
        ).first()
        if found is None:
            return None
        rows = session.execute(
            select(Report.id, Report.public_id, Report.sightings)
            .join(MailMessageReport, MailMessageReport.report_id == Report.id)
            .where(MailMessageReport.mail_message_id == found[0])
            .order_by(MailMessageReport.position)
        ).all()
    receipts = [Receipt(report_id=r[0], public_id=r[1], duplicate=True, sightings=r[2]) for r in rows]
    return MailResult(mail_id=found[0], receipts=receipts, shape=found[1], already_taken=True)


def find_imap(rt: Runtime, ref: ImapRef) -> int | None:
    """The mail already taken from this mailbox UID, if any."""
    with rt.db.session() as session:
        return session.scalar(select(MailMessage.id).where(
            MailMessage.imap_mailbox == ref.mailbox, MailMessage.imap_uidvalidity == ref.uidvalidity,
            MailMessage.imap_uid == ref.uid).limit(1))


def take_mail(rt: Runtime, raw: bytes, *, via: str, source: str = "", envelope_from: str | None = None,
              imap: ImapRef | None = None) -> MailResult:
    """Take one reporter's mail: durable (reports, record, acknowledgement) when this returns.

    Raises `TooLarge` or `IntakeError` for mail that cannot be accepted, and
    lets store errors through: the caller answers 451 (SMTP) or leaves the
    message in the mailbox (IMAP), and the mail comes again.
    """
    limit = min(rt.settings.max_upload_bytes, rt.settings.smtp_max_message_bytes) if via == "smtp" \
        else rt.settings.max_upload_bytes
    if len(raw) > limit:
        raise TooLarge(f"The message is larger than the {limit // (1024 * 1024)} MB limit.")
    sha = hashlib.sha256(raw).hexdigest()
    before = _taken_before(rt, sha)
    if before is not None:
        return before
    msg = _HEADERS.parsebytes(raw, headersonly=True)
    automatic = _is_automatic(msg, envelope_from)
    originals = [] if automatic else originals_in(raw)
    if not originals and not automatic:
        word = _control_word(raw, msg)
        if word:
            return _take_control(rt, raw, sha, msg, word, via, source, envelope_from, imap)
    shape, suspects = _shape_and_suspects(raw, originals)
    address = _reporter_address(rt, msg, shape, suspects, envelope_from)
    rt.blobs.put(raw)  # the wrapper itself, before anything that points to it commits
    receipts = []
    for position, unit in enumerate(originals or [raw], 1):
        tag = f"mail:{sha[:32]}#{position}"
        receipt = _already_submitted(rt, unit, tag) or submit(rt, IncomingReport(
            channel=Channel.EMAIL, raw_email=unit, source_name=tag, reporter_address=address or None))
        receipts.append(receipt)
    who = mail_replies.reporter(rt.contact_key, address) if address else None
    ack = who if (who and not automatic and mail_replies.replies_enabled(rt.settings)) else None
    try:
        mail_id = _record(rt, raw, sha, via=via, source=source, shape=shape, originals=len(originals),
                          who=who, imap=imap, receipts=receipts, ack=ack,
                          subject=str(msg.get("subject", "") or ""),
                          message_id=str(msg.get("message-id", "") or "").strip())
    except IntegrityError:
        # The same bytes were taken concurrently (two deliveries racing): theirs counts.
        taken = _taken_before(rt, sha)
        if taken is None:
            raise
        return taken
    return MailResult(mail_id=mail_id, receipts=receipts, shape=shape, reporter_known=who is not None)


def _record(rt: Runtime, raw: bytes, sha: str, *, via: str, source: str, shape: str, originals: int,
            who: mail_replies.Reporter | None, imap: ImapRef | None, receipts: list[Receipt],
            ack: mail_replies.Reporter | None, subject: str, message_id: str) -> int:
    with rt.db.write() as session:
        if session.get(Blob, sha) is None:
            session.add(Blob(sha256=sha, size=len(raw)))
        mail = MailMessage(
            wrapper_sha256=sha, via=via, source=source[:500], shape=shape, originals=originals,
            reporter_sealed=who.sealed if who else None, reporter_hash=who.hash if who else None,
            imap_mailbox=imap.mailbox if imap else None, imap_uidvalidity=imap.uidvalidity if imap else None,
            imap_uid=imap.uid if imap else None,
        )
        session.add(mail)
        session.flush()
        seen: set[int] = set()
        for position, receipt in enumerate(receipts, 1):
            if receipt.report_id not in seen:  # the same original attached twice: one link
                seen.add(receipt.report_id)
                session.add(MailMessageReport(mail_message_id=mail.id, report_id=receipt.report_id,
                                              position=position))
        if ack is not None:
            mail_replies.enqueue_ack(session, ack, mail.id, [r.public_id for r in receipts],
                                     subject=subject, in_reply_to=message_id)
        audit.record(session, actor=f"mail:{via}", action="mail.received", object_type="mail_message",
                     object_id=mail.id, detail={"shape": shape, "reports": [r.report_id for r in receipts],
                                                "reporter": who is not None})
        return mail.id


def _take_control(rt: Runtime, raw: bytes, sha: str, msg: Message, word: str, via: str, source: str,
                  envelope_from: str | None, imap: ImapRef | None) -> MailResult:
    """A STOP (or START) reply: change the opt-out, record the mail, submit no report."""
    address = _plain_address(str(msg.get("from", "") or "")) or _plain_address(envelope_from)
    rt.blobs.put(raw)
    shape = "opt-out" if word == "stop" else "opt-in"
    with rt.db.write() as session:
        if address:
            if word == "stop":
                mail_replies.opt_out(session, rt.contact_key, address, via="mail")
            else:
                mail_replies.opt_in(session, rt.contact_key, address, via="mail")
    try:
        mail_id = _record(rt, raw, sha, via=via, source=source, shape=shape, originals=0, who=None, imap=imap,
                          receipts=[], ack=None, subject="", message_id="")
    except IntegrityError:
        taken = _taken_before(rt, sha)
        if taken is None:
            raise
        return taken
    return MailResult(mail_id=mail_id, shape=shape)
