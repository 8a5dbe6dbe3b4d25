"""The SMTP listener: a report mailbox that mail servers and report buttons deliver to.

aiosmtpd speaks the protocol on one asyncio loop; the blocking intake (blob
fsync, database commit) runs on a small thread pool so that one slow commit
never stalls the other sessions. The "250" for a message is sent only after
`take_mail()` returned, that is after the reports it made are durable: a
sender that sees our 250 may delete its copy.

Replies: 550 for a recipient that is not a report address (said at RCPT, so
nothing is transferred), 552 for a message over the size limit (advertised
with SIZE and enforced by aiosmtpd while reading DATA), 451 when the store
failed in a way that may pass (the sender retries; nothing is lost), 554 for
mail that can never be accepted.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from watchword.config import Settings
from watchword.intake.mail import is_transient, take_mail
from watchword.intake.submit import IntakeError, TooLarge
from watchword.security.ratelimit import ClientNamer, Limiter

if TYPE_CHECKING:
    from watchword.runtime import Runtime

log = logging.getLogger("watchword.mail.smtp")


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.smtp_tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(settings.smtp_tls_cert), str(settings.smtp_tls_key or settings.smtp_tls_cert))
    return context


class ReportSMTP(SMTP):
    # RFC 5321 caps a line at 1,000 octets and aiosmtpd refuses longer ones with
    # 500, but real senders (and phishing kits above all) emit HTML on one long
    # line. We are the final destination, not a relay: refusing would bounce the
    # report back to the reporter. The total size limit still bounds memory.
    line_length_limit = 1024 * 1024


class ReportHandler:
    """aiosmtpd handler: accepts mail for the report addresses and hands it to the funnel."""

    def __init__(self, rt: Runtime, executor: ThreadPoolExecutor) -> None:
        self.rt = rt
        self.executor = executor
        self.addresses = frozenset(a.lower() for a in rt.settings.smtp_addresses)
        s = rt.settings
        # Keys are in-memory HMACs of the sender address and the peer's address: never stored.
        self.namer = ClientNamer()
        self.per_sender = Limiter("smtp-sender", s.smtp_per_sender_per_minute, s.smtp_global_per_minute)
        self.per_peer = Limiter("smtp-peer", s.smtp_per_peer_per_minute, None)

    def _deferred(self, peer: str, mail_from: str) -> str | None:
        """451 with a reason when this mail is over a limit, else None (and the buckets are charged)."""
        wait = self.per_peer.check(self.namer("peer:" + peer))
        if not wait:
            wait = self.per_sender.check(self.namer("from:" + mail_from.strip().lower()))
        if wait:
            return f"451 4.7.1 Too many reports at once; please try again in {max(1, round(wait))} seconds"
        return None

    async def handle_RCPT(  # noqa: N802 - aiosmtpd finds its hooks by these names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() not in self.addresses:
            return f"550 5.1.1 <{address}>: not a report address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # only when decode_data=True, which we never set
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        mail_from = envelope.mail_from if envelope.mail_from is not None else ""
        deferred = self._deferred(peer, mail_from)
        if deferred:
            return deferred
        # The source names the channel only: a connecting address is not kept with the report.
        job = partial(take_mail, self.rt, raw, via="smtp", source="smtp", envelope_from=mail_from)
        try:
            result = await asyncio.get_running_loop().run_in_executor(self.executor, job)
        except TooLarge as exc:
            return f"552 5.3.4 {exc}"
        except Exception as exc:
            if isinstance(exc, IntakeError) and not is_transient(exc):
                return f"554 5.6.0 {exc}"
            # A store error may pass (disk full, database restarting). Better a
            # retry by the sender than a loss: 4xx keeps the mail in its queue.
            log.exception("intake failed for a mail")
            return "451 4.3.0 The report could not be stored just now; please try again later"
        if result.already_taken:
            return "250 2.0.0 OK: already received"
        return f"250 2.0.0 OK: received, reference {result.reference[:200]}"


class SmtpListener:
    """The listener on its own event loop, in this thread (`run`) or a background one (`start`)."""

    def __init__(self, rt: Runtime, host: str | None = None, port: int | None = None) -> None:
        self.rt = rt
        self.host = host or rt.settings.smtp_host
        self.port = rt.settings.smtp_port if port is None else port
        self.executor = ThreadPoolExecutor(
            max_workers=max(1, rt.settings.smtp_threads), thread_name_prefix="smtp-intake"
        )
        self.handler = ReportHandler(rt, self.executor)
        self.tls = tls_context(rt.settings)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None

    def _factory(self) -> SMTP:
        s = self.rt.settings
        return ReportSMTP(
            self.handler,
            data_size_limit=min(s.smtp_max_message_bytes, s.max_upload_bytes),
            # SMTPUTF8: report buttons and modern clients send UTF-8 addresses and headers.
            enable_SMTPUTF8=True,
            decode_data=False,
            # Explicit, so that aiosmtpd never looks up the host's FQDN in DNS.
            hostname=s.smtp_hostname,
            ident="Watchword report mailbox",
            tls_context=self.tls,
            require_starttls=bool(self.tls and s.smtp_require_tls),
            timeout=120,
        )

    async def _serve(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._factory, host=self.host, port=self.port, reuse_address=True)
        sockets: Any = self.server.sockets
        self.port = sockets[0].getsockname()[1]
        log.info("SMTP listener on %s:%s for %s", self.host, self.port, ", ".join(sorted(self.handler.addresses)))
        self._ready.set()
        try:
            await stop.wait()
        finally:
            self.server.close()
            # From Python 3.12 this waits for every open session to end; a
            # client idling in a session must not hold the shutdown hostage.
            try:
                await asyncio.wait_for(self.server.wait_closed(), timeout=5)
            except TimeoutError:
                log.warning("SMTP sessions still open at shutdown; closing them")

    def run(self, stop: threading.Event | None = None) -> None:
        """Serve until `stop` is set (or Ctrl-C)."""
        if not self.handler.addresses:
            raise ValueError("no report addresses configured: set WATCHWORD_SMTP_ADDRESSES")
        loop = asyncio.new_event_loop()
        self.loop = loop
        done = asyncio.Event()
        watcher: threading.Thread | None = None
        if stop is not None:

            def _watch() -> None:
                stop.wait()
                if not loop.is_closed():
                    loop.call_soon_threadsafe(done.set)

            watcher = threading.Thread(target=_watch, name="smtp-stop", daemon=True)
            watcher.start()
        try:
            loop.run_until_complete(self._serve(done))
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        finally:
            self._close_loop(loop)
            self.executor.shutdown(wait=True)

    @staticmethod
    def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    def start(self) -> SmtpListener:
        """Start in a background thread; returns once the port is bound."""
        self._thread = threading.Thread(target=self._run_quietly, name="smtp-listener", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise RuntimeError("SMTP listener failed to start") from self._error
        return self

    def _run_quietly(self) -> None:
        try:
            self.run(self._stop)
        except BaseException:  # recorded in self._error for start() to raise
            log.debug("listener stopped with an error", exc_info=True)

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=30)
            self._thread = None
