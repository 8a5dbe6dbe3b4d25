"""Sending the queued replies to mail reporters (`replies/outbox.py` queues them).

A sender loop delivers due `mail_outbox` rows through the configured SMTP
relay, checking at the last moment: opt-out, staleness, and the per-reporter
and global rate limits (see `replies/outbox.py`). Delivery is at least once,
with a stable Message-ID per row.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr

from sqlalchemy import func, or_, select, update

from watchword.config import Settings
from watchword.domain.states import MailStatus
from watchword.logsafe import mask
from watchword.replies.headers import header_text, is_plain_address, message_id
from watchword.replies.outbox import (
    ACK,
    LEASE,
    MAX_ATTEMPTS,
    OUTCOME,
    STALE_AFTER,
    is_opted_out,
    replies_enabled,
    written_in,
)
from watchword.runtime import Runtime
from watchword.security.sealing import unseal
from watchword.store.models import utcnow
from watchword.store.models_mail import MailOutbox
from watchword.translation import tag

log = logging.getLogger("watchword.mail.replies")


class Unsendable(ValueError):
    """This reply can never be built or sent (an address that is no address); trying again is pointless."""


def build_message(settings: Settings, row: MailOutbox, address: str) -> EmailMessage:
    """The reply as mail. Every value that came from a reported mail is cleaned again here, at the
    last moment, so a row queued before a fix (or by any other path) cannot inject a header."""
    if not is_plain_address(address):
        raise Unsendable("the reporter's address is not a plain address")
    sender = parseaddr(settings.reply_from)[1]
    domain = sender.rpartition("@")[2] or "localhost"
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = settings.reply_from
    msg["To"] = address
    msg["Subject"] = header_text(row.subject, 300) or "Your report has been received"
    msg["Date"] = formatdate(usegmt=True)
    # Stable per outbox row: a reply sent twice after a crash carries the same id.
    msg["Message-ID"] = f"<watchword.{row.id}.{row.dedupe[:16]}@{domain}>"
    in_reply_to = message_id(row.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    # Marks the mail as automatic (RFC 3834) so that vacation responders stay
    # quiet and no reply loop can start between two robots.
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["List-Unsubscribe"] = f"<mailto:{sender}?subject=STOP>"
    msg.set_content(row.body)
    language = written_in(row.body)
    if language:
        # The reporter's language (RFC 3282), for screen readers and mail clients' translation offers;
        # after set_content, which clears every Content-* header.
        msg["Content-Language"] = tag(language)
    return msg


class Relay:
    """One lazily opened connection to the configured relay, reused for a batch."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.conn is None:
            self.conn = self._open()
        self.conn.send_message(msg, from_addr=parseaddr(self.settings.reply_from)[1])

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.relay_security == "ssl":
            conn = smtplib.SMTP_SSL(
                s.relay_host,
                s.relay_port,
                timeout=30,
                context=ssl.create_default_context(),
                local_hostname=s.smtp_hostname,
            )
        else:
            conn = smtplib.SMTP(s.relay_host, s.relay_port, timeout=30, local_hostname=s.smtp_hostname)
            if s.relay_security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if s.relay_user:
            conn.login(s.relay_user, s.relay_password)
        return conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None


def _claim(rt: Runtime, batch: int, now: dt.datetime) -> list[MailOutbox]:
    with rt.db.write() as session:
        # A row whose lease ran out had its attempt counted when it was claimed; at the
        # limit it has had its chances (a crash mid-send, every time) and fails for good.
        session.execute(
            update(MailOutbox)
            .where(
                MailOutbox.status == MailStatus.SENDING,
                MailOutbox.locked_until < now,
                MailOutbox.attempts >= MAX_ATTEMPTS,
            )
            .values(status=MailStatus.FAILED, locked_until=None, last_error="attempt limit reached while sending")
        )
        rows = list(
            session.scalars(
                select(MailOutbox)
                .where(
                    or_(
                        (MailOutbox.status == MailStatus.QUEUED) & (MailOutbox.send_after <= now),
                        (MailOutbox.status == MailStatus.SENDING)
                        & (MailOutbox.locked_until < now)
                        & (MailOutbox.attempts < MAX_ATTEMPTS),
                    )
                )
                .order_by(MailOutbox.id)
                .limit(batch)
            )
        )
        for row in rows:
            row.status = MailStatus.SENDING
            row.attempts += 1
            row.locked_until = now + LEASE
        return rows


def _set(rt: Runtime, row_id: int, **values: object) -> None:
    with rt.db.write() as session:
        session.execute(update(MailOutbox).where(MailOutbox.id == row_id).values(locked_until=None, **values))


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _hold(rt: Runtime, row: MailOutbox, now: dt.datetime) -> tuple[str, dt.datetime | None]:
    """Why a claimed row must not go out now: ('', None) to send, ('suppressed', None) or ('wait', when)."""
    s = rt.settings
    if now - _aware(row.created_at) > STALE_AFTER.get(row.kind, STALE_AFTER[OUTCOME]):
        return "stale", None
    with rt.db.session() as session:
        if is_opted_out(session, row.reporter_hash):
            return "opted out", None
        minute_ago = now - dt.timedelta(minutes=1)
        sent_last_minute = (
            session.scalar(select(func.count()).select_from(MailOutbox).where(MailOutbox.sent_at > minute_ago)) or 0
        )
        if sent_last_minute >= s.reply_global_per_minute:
            return "wait", now + dt.timedelta(seconds=5)
        hour_ago = now - dt.timedelta(hours=1)
        recent = session.execute(
            select(func.count(), func.min(MailOutbox.sent_at)).where(
                MailOutbox.reporter_hash == row.reporter_hash, MailOutbox.sent_at > hour_ago
            )
        ).one()
    if recent[0] >= s.reply_per_reporter_per_hour:
        if row.kind == ACK:
            return "rate limit", None
        oldest = _aware(recent[1]) if recent[1] is not None else now
        return "wait", oldest + dt.timedelta(hours=1, seconds=1)
    return "", None


def deliver_due(rt: Runtime, batch: int = 50, now: dt.datetime | None = None) -> Counter[str]:
    """Send the replies that are due; returns how many were sent, suppressed, deferred, failed."""
    done: Counter[str] = Counter()
    if not replies_enabled(rt.settings):
        return done
    now = now or utcnow()
    rows = _claim(rt, batch, now)
    relay = Relay(rt.settings)
    try:
        for row in rows:
            why, when = _hold(rt, row, now)
            if why == "wait":
                # Not an attempt: give it back so it goes out when the limit allows.
                _set(rt, row.id, status=MailStatus.QUEUED, attempts=row.attempts - 1, send_after=when)
                done["deferred"] += 1
                continue
            if why:
                _set(rt, row.id, status=MailStatus.SUPPRESSED, last_error=why)
                done["suppressed"] += 1
                continue
            try:
                message = build_message(rt.settings, row, unseal(rt.contact_key, row.reporter_sealed))
            except Exception as exc:  # noqa: BLE001 - one reply that cannot be built fails alone
                _set(
                    rt, row.id, status=MailStatus.FAILED, last_error=f"cannot build: {type(exc).__name__}: {exc}"[:2000]
                )
                log.warning("reply %s cannot be built: %s", row.id, type(exc).__name__)
                done["failed"] += 1
                continue
            try:
                relay.send(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                permanent = _permanent(exc)
                _retry_or_fail(rt, row, now, f"{type(exc).__name__}: {exc}", permanent)
                done["failed" if permanent else "retry"] += 1
                relay.close()
            except (smtplib.SMTPException, OSError) as exc:
                # The relay is down or the connection broke: try this one later, stop the batch.
                _retry_or_fail(rt, row, now, f"{type(exc).__name__}: {exc}", False)
                done["retry"] += 1
                relay.close()
                for rest in rows[rows.index(row) + 1 :]:
                    _set(rt, rest.id, status=MailStatus.QUEUED, attempts=rest.attempts - 1)
                break
            except Exception as exc:  # noqa: BLE001 - e.g. an address the relay library rejects
                _retry_or_fail(rt, row, now, f"{type(exc).__name__}: {exc}", True)
                done["failed"] += 1
                relay.close()
            else:
                _set(rt, row.id, status=MailStatus.SENT, sent_at=utcnow(), last_error="")
                done["sent"] += 1
    finally:
        relay.close()
    return done


def _permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0)
    return isinstance(code, int) and code >= 500


def _retry_or_fail(rt: Runtime, row: MailOutbox, now: dt.datetime, error: str, permanent: bool) -> None:
    if permanent or row.attempts >= MAX_ATTEMPTS:
        _set(rt, row.id, status=MailStatus.FAILED, last_error=error[:2000])
        # A relay's refusal often quotes the recipient: the full text stays on the outbox row.
        log.warning("reply %s failed for good: %s", row.id, mask(error.splitlines()[0] if error else "", 160))
        return
    delay = dt.timedelta(seconds=min(3600, 30 * 2**row.attempts))
    _set(rt, row.id, status=MailStatus.QUEUED, send_after=now + delay, last_error=error[:2000])


def run_sender(rt: Runtime, stop: threading.Event, interval: float = 2.0) -> None:
    """Deliver due replies until `stop` is set; survives a relay or database outage."""
    log.info("reply sender started (relay %s:%s)", rt.settings.relay_host, rt.settings.relay_port)
    while not stop.is_set():
        try:
            worked = sum(deliver_due(rt).values())
        except Exception:  # e.g. the database restarting: wait and go on
            log.exception("reply sender error")
            worked = 0
        if not worked:
            stop.wait(interval)


@contextmanager
def sender_thread(rt: Runtime) -> Iterator[threading.Thread | None]:
    """Run the sender beside a listener or poller, when replies are configured."""
    if not replies_enabled(rt.settings):
        yield None
        return
    stop = threading.Event()
    thread = threading.Thread(target=run_sender, args=(rt, stop), name="reply-sender", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
