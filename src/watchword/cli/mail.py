"""Mail commands: the SMTP report mailbox, the IMAP poller, replies and opt-outs."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from watchword import errors, logsafe
from watchword.cli.app import app
from watchword.cli.errors import Typer

if TYPE_CHECKING:
    # Only named in annotations: importing the runtime (the store, SQLAlchemy) here would make every
    # command, `watchword analyze` too, pay for it at start-up.
    from watchword.runtime import Runtime

mail_app = Typer(help="Replies to mail reporters: send what is due, opt-outs.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logsafe.install()  # no report content, no addresses in log lines
    # aiosmtpd logs every session and command at INFO: at hundreds of mails a
    # second that is most of the listener's output and a measurable cost.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (systemd, docker stop) and SIGINT end the run in order: open sessions finish,
    in-flight mail is committed or left for its sender to retry, nothing half-done."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())


def start_configured(rt: Runtime, stop: threading.Event) -> list[threading.Thread]:
    """Start what WATCHWORD_SMTP_IN_SERVE / WATCHWORD_IMAP_IN_SERVE ask for, plus the reply sender.

    For `watchword serve`: call it after opening the runtime, set `stop` on the
    way out and join the threads it returns.
    """
    from watchword.intake.imap import ImapPoller
    from watchword.intake.smtp import SmtpListener
    from watchword.replies.outbox import replies_enabled
    from watchword.services.mail_replies import run_sender

    threads: list[threading.Thread] = []
    s = rt.settings
    if s.smtp_in_serve:
        threads.append(threading.Thread(target=SmtpListener(rt).run, args=(stop,), name="smtp", daemon=True))
    if s.imap_in_serve:
        threads.append(threading.Thread(target=ImapPoller(rt).run_forever, args=(stop,), name="imap", daemon=True))
    if (s.smtp_in_serve or s.imap_in_serve) and replies_enabled(s):
        threads.append(threading.Thread(target=run_sender, args=(rt, stop), name="reply-sender", daemon=True))
    for thread in threads:
        thread.start()
    return threads


def _worker_thread(rt: Runtime, stop: threading.Event, enabled: bool) -> threading.Thread | None:
    if not (enabled and rt.settings.run_worker_in_process):
        return None
    from watchword.worker import Worker

    thread = threading.Thread(target=Worker(rt).run_forever, args=(stop,), name="worker", daemon=True)
    thread.start()
    return thread


@app.command()
def smtp(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (WATCHWORD_SMTP_HOST, default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (WATCHWORD_SMTP_PORT, default 2525).")] = None,
    address: Annotated[
        list[str] | None,
        typer.Option("--address", help="A report address to accept; repeat for several (WATCHWORD_SMTP_ADDRESSES)."),
    ] = None,
    worker: Annotated[bool, typer.Option(help="Also run the analysis worker in this process.")] = True,
) -> None:
    """Run the SMTP report mailbox: mail for the report addresses becomes reports.

    The sender gets "250" only once the report is durable; 550 for other
    recipients, 552 over the size limit, 451 when the store failed (it retries).
    STARTTLS is offered when WATCHWORD_SMTP_TLS_CERT is set. Acknowledgements
    are sent when WATCHWORD_REPLY_FROM and WATCHWORD_RELAY_HOST are set.
    """
    import dataclasses

    from watchword.intake.smtp import SmtpListener
    from watchword.runtime import open_runtime
    from watchword.services.mail_replies import sender_thread

    _logging()
    with open_runtime() as rt:
        if address:
            rt.settings = dataclasses.replace(rt.settings, smtp_addresses=tuple(a.strip().lower() for a in address))
        if not rt.settings.smtp_addresses:
            raise errors.Invalid("No report address: pass --address or set WATCHWORD_SMTP_ADDRESSES.")
        stop = threading.Event()
        _stop_on_signals(stop)
        work = _worker_thread(rt, stop, worker)
        try:
            with sender_thread(rt):
                SmtpListener(rt, host=host, port=port).run(stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            if work:
                work.join(timeout=10)


@app.command()
def imap(
    once: Annotated[bool, typer.Option(help="Take what is in the mailbox now, then exit.")] = False,
    worker: Annotated[bool, typer.Option(help="Also run the analysis worker in this process.")] = True,
) -> None:
    """Take reports from an IMAP mailbox (WATCHWORD_IMAP_HOST, _USER, _PASSWORD or _PASSWORD_FILE).

    Uses IDLE when the server offers it, else polls every WATCHWORD_IMAP_POLL_SECONDS.
    Processed mail gets the keyword $WatchwordDone, or is moved to
    WATCHWORD_IMAP_PROCESSED_FOLDER when that is set; it is marked only after
    its reports are durable, so a crash loses nothing and takes nothing twice.
    """
    from watchword.intake.imap import ImapPoller
    from watchword.runtime import open_runtime
    from watchword.services.mail_replies import sender_thread

    _logging()
    with open_runtime() as rt:
        try:
            poller = ImapPoller(rt)
        except ValueError as exc:  # no mailbox configured, or an unknown security mode
            raise errors.Invalid(str(exc)) from exc
        if once:
            try:
                typer.echo(f"{poller.run_once()} messages taken")
            finally:
                poller.close()
            return
        stop = threading.Event()
        _stop_on_signals(stop)
        work = _worker_thread(rt, stop, worker)
        try:
            with sender_thread(rt):
                poller.run_forever(stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            if work:
                work.join(timeout=10)


@mail_app.command("send")
def send(
    loop: Annotated[bool, typer.Option(help="Keep sending as replies fall due, until Ctrl-C.")] = False,
) -> None:
    """Send the replies that are due (acknowledgements, outcomes) through WATCHWORD_RELAY_HOST."""
    from watchword.replies.outbox import replies_enabled
    from watchword.runtime import open_runtime
    from watchword.services.mail_replies import deliver_due, run_sender

    _logging()
    with open_runtime() as rt:
        if not replies_enabled(rt.settings):
            raise errors.Invalid("Replies are off: set WATCHWORD_REPLY_FROM and WATCHWORD_RELAY_HOST.")
        if loop:
            stop = threading.Event()
            try:
                run_sender(rt, stop)
            except KeyboardInterrupt:
                stop.set()
            return
        done = deliver_due(rt, batch=1000)
        typer.echo(", ".join(f"{n} {what}" for what, n in sorted(done.items())) or "nothing due")


@mail_app.command("opt-out")
def opt_out_cmd(
    address: Annotated[str, typer.Argument(help="The reporter's address.")],
    undo: Annotated[bool, typer.Option("--undo", help="Allow replies to this address again.")] = False,
) -> None:
    """Stop (or, with --undo, allow again) every reply to one address. Only a keyed hash is stored."""
    from watchword.replies.outbox import opt_in, opt_out
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.write() as session:
        changed = (opt_in if undo else opt_out)(session, rt.contact_key, address, via="cli")
    state = "allowed again" if undo else "opted out"
    typer.echo(f"{state}" if changed else f"no change: already {state}")
