"""SMTP intake throughput: N messages over M concurrent smtplib connections to 127.0.0.1.

Starts `watchword smtp` (no in-process worker: this measures intake, not
analysis) in its own process on a fresh SQLite store, delivers the messages,
then counts what was stored: every message that got "250" must be a stored
report and a recorded mail, or the run fails.

    .venv/bin/python bench/smtp_intake.py --messages 8000 --connections 64 --threads 64

Loopback only. Half the messages are forwarded-as-attachment reports, half
inline forwards, each one unique (so each is a new report, the costlier path).
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

REPORT_TO = "report@bench.test"


def message(n: int) -> bytes:
    original = EmailMessage()
    original["From"] = f"Payroll Team <payroll{n % 97}@hr-portal-update.top>"
    original["To"] = f"staff{n}@corp-mail.org"
    original["Subject"] = f"Action required: confirm your salary details ({n})"
    original["Message-ID"] = f"<bench-{n}@hr-portal-update.top>"
    body = (
        f"Dear colleague,\n\nOur records show your salary details are out of date (case {n}).\n"
        f"Confirm them today at https://hr-portal-update.top/confirm?case={n} or your next payment "
        "may be delayed.\n\n" + "Regards,\nPayroll\n" + "Thank you for your cooperation. " * 40 + "\n"
    )
    if n % 2:
        original.set_content(body)
        wrapper = EmailMessage()
        wrapper["From"] = f"Staff {n} <staff{n}@corp-mail.org>"
        wrapper["To"] = REPORT_TO
        wrapper["Subject"] = f"FW: {original['Subject']}"
        wrapper["Message-ID"] = f"<fwd-{n}@corp-mail.org>"
        wrapper.set_content("This looks like phishing.\n")
        wrapper.add_attachment(original.as_bytes(policy=SMTP_POLICY), maintype="message", subtype="rfc822")
        return wrapper.as_bytes(policy=SMTP_POLICY)
    inline = EmailMessage()
    inline["From"] = f"Staff {n} <staff{n}@corp-mail.org>"
    inline["To"] = REPORT_TO
    inline["Subject"] = f"Fwd: {original['Subject']}"
    inline["Message-ID"] = f"<inline-{n}@corp-mail.org>"
    inline.set_content(
        "Is this real?\n\n---------- Forwarded message ---------\n"
        f"From: Payroll Team <payroll{n % 97}@hr-portal-update.top>\nDate: Mon, Nov 10, 2025 at 9:14 AM\n"
        f"Subject: {original['Subject']}\nTo: <staff{n}@corp-mail.org>\n\n\n{body}"
    )
    return inline.as_bytes(policy=SMTP_POLICY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"listener exited early with {proc.returncode}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as probe:
                probe.noop()
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("listener did not start")


def deliver(port: int, batch: list[bytes], accepted: list[int], errors: list[str]) -> None:
    ok = 0
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120, local_hostname="bench.test") as client:
            for raw in batch:
                try:
                    client.sendmail("reporter@corp-mail.org", [REPORT_TO], raw)
                    ok += 1
                except smtplib.SMTPResponseException as exc:
                    errors.append(f"{exc.smtp_code} {exc.smtp_error!r}")
    except (OSError, smtplib.SMTPException) as exc:
        errors.append(f"connection: {exc}")
    accepted.append(ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=8000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=64, help="the listener's intake threads")
    args = parser.parse_args()

    messages = [message(n) for n in range(args.messages)]
    size = sum(map(len, messages)) / len(messages)
    with tempfile.TemporaryDirectory(prefix="watchword-bench-smtp-") as tmp:
        port = free_port()
        # A file, not a pipe: a pipe nobody reads fills up and blocks the listener.
        log = open(Path(tmp) / "listener.log", "wb")  # noqa: SIM115 - closed below, after the process
        env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHWORD_")}
        env.update(WATCHWORD_DATA_DIR=tmp, WATCHWORD_SMTP_ADDRESSES=REPORT_TO, WATCHWORD_SMTP_THREADS=str(args.threads))
        # Capacity, not the flood limits: every message here comes from one sender on one peer.
        env.update(
            WATCHWORD_SMTP_PER_SENDER_PER_MINUTE="100000000",
            WATCHWORD_SMTP_PER_PEER_PER_MINUTE="100000000",
            WATCHWORD_SMTP_GLOBAL_PER_MINUTE="100000000",
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from watchword.cli import main; main()",
                "smtp",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-worker",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_for(port, proc)
            batches = [messages[i :: args.connections] for i in range(args.connections)]
            accepted: list[int] = []
            errors: list[str] = []
            threads = [threading.Thread(target=deliver, args=(port, b, accepted, errors)) for b in batches]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)  # the listener's own orderly stop
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the listener, once it has exited
        listener_cpu = usage.ru_utime + usage.ru_stime
        stored_reports, stored_mails = count_stored(Path(tmp))
        log_tail = (Path(tmp) / "listener.log").read_text(errors="replace")[-2000:]

    got = sum(accepted)
    print(
        f"messages: {args.messages} (avg {size / 1024:.1f} KiB) over {args.connections} connections, "
        f"{args.threads} intake threads, {os.cpu_count()} CPUs"
    )
    print(f"accepted (250): {got}, refused/errors: {len(errors)}")
    print(f"elapsed: {elapsed:.2f} s -> {got / elapsed:.0f} messages/s sustained")
    print(f"listener CPU: {listener_cpu:.1f} s ({listener_cpu / elapsed:.2f} cores over the run, incl. start-up)")
    print(f"stored: {stored_reports} reports, {stored_mails} mails")
    if errors:
        print("first errors:", errors[:5])
        print("listener log (end):", log_tail)
    lost = got - min(stored_reports, stored_mails)
    print(f"loss: {lost}")
    if lost or got != args.messages:
        raise SystemExit(1)


def count_stored(data_dir: Path) -> tuple[int, int]:
    from sqlalchemy import func, select

    from watchword.store.db import Database
    from watchword.store.models import Report
    from watchword.store.models_mail import MailMessage

    db = Database(f"sqlite:///{data_dir / 'watchword.db'}")
    try:
        with db.session() as session:
            reports = int(session.scalar(select(func.count()).select_from(Report)) or 0)
            mails = int(session.scalar(select(func.count()).select_from(MailMessage)) or 0)
    finally:
        db.dispose()
    return reports, mails


if __name__ == "__main__":
    main()
