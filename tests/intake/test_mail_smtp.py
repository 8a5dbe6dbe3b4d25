"""The SMTP listener, driven by the standard library's smtplib over loopback."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.settings import make_settings
from watchword import clock
from watchword.intake import mail as mail_intake
from watchword.intake.smtp import SmtpListener
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Job, Report, Submission
from watchword.store.models_mail import MailMessage, MailMessageReport

REPORT_TO = "report@watchword.test"


def phish(n: int = 1, url: str = "https://login-micros0ft.example/verify") -> bytes:
    msg = EmailMessage()
    msg["From"] = "IT Helpdesk <helpdesk@micros0ft-support.example>"
    msg["To"] = "alice@corp.example"
    msg["Subject"] = f"Password expires today #{n}"
    msg["Message-ID"] = f"<phish-{n}@micros0ft-support.example>"
    msg.set_content(f"Your password expires today. Keep it here: {url}?n={n}\n")
    return msg.as_bytes(policy=SMTP_POLICY)


def forward_as_attachment(*originals: bytes, reporter: str = "alice@corp.example", n: int = 1) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Alice <{reporter}>"
    msg["To"] = REPORT_TO
    msg["Subject"] = f"FW: suspicious {n}"
    msg["Message-ID"] = f"<fwd-{n}@corp.example>"
    msg.set_content("Looks like phishing to me.\n")
    for original in originals:
        msg.add_attachment(original, maintype="message", subtype="rfc822")
    return msg.as_bytes(policy=SMTP_POLICY)


@pytest.fixture
def mail_rt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(
        make_settings(tmp_path, smtp_addresses=(REPORT_TO,), smtp_max_message_bytes=200_000), migrate=True
    ) as runtime:
        yield runtime


@pytest.fixture
def listener(mail_rt: Runtime) -> Iterator[SmtpListener]:
    server = SmtpListener(mail_rt, host="127.0.0.1", port=0).start()
    yield server
    server.stop()


def count(rt: Runtime, model: type) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_accepted_mail_is_durable_when_250_arrives(mail_rt: Runtime, listener: SmtpListener) -> None:
    """GIVEN the listener WHEN a mail is delivered THEN the report and its job exist as soon as 250 is seen."""
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        refused = client.sendmail("alice@corp.example", [REPORT_TO], forward_as_attachment(phish(1)))
    assert refused == {}
    assert count(mail_rt, Report) == 1
    assert count(mail_rt, Job) == 1
    assert count(mail_rt, MailMessage) == 1
    with mail_rt.db.session() as session:
        report = session.scalars(select(Report)).one()
        assert report.channel == "email"
        assert report.contact_sealed is not None  # the reporter's address, sealed
        assert b"alice@corp.example" not in report.contact_sealed
        assert mail_rt.blobs.get(report.raw_sha256 or "") == phish(1)  # the original, not the wrapper


def test_reply_text_carries_the_reference(mail_rt: Runtime, listener: SmtpListener) -> None:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("alice@corp.example")
        client.rcpt(REPORT_TO)
        code, text = client.data(forward_as_attachment(phish(2)))
    with mail_rt.db.session() as session:
        public_id = session.scalar(select(Report.public_id))
    assert code == 250
    assert public_id is not None and public_id.encode() in text


def test_unknown_recipient_is_refused_with_550(mail_rt: Runtime, listener: SmtpListener) -> None:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("alice@corp.example")
        code, text = client.rcpt("postmaster@watchword.test")
    assert code == 550
    assert b"not a report address" in text
    assert count(mail_rt, Report) == 0


def test_recipient_match_ignores_case(mail_rt: Runtime, listener: SmtpListener) -> None:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("alice@corp.example")
        code, _ = client.rcpt("Report@Watchword.TEST")
    assert code == 250


def test_too_large_is_refused_with_552_and_stores_nothing(mail_rt: Runtime, listener: SmtpListener) -> None:
    big = phish(3) + b"x" * 300_000
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        assert int(client.esmtp_features["size"]) == 200_000  # advertised, so clients can refuse early
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:
            client.sendmail("alice@corp.example", [REPORT_TO], big)  # SIZE=... in MAIL FROM
        assert declared.value.smtp_code == 552
        client.rset()
        client.mail("alice@corp.example")  # a client that does not declare the size
        client.rcpt(REPORT_TO)
        code, _ = client.data(big)
    assert code == 552
    assert count(mail_rt, Report) == 0


def test_store_failure_answers_451_so_the_sender_retries(
    mail_rt: Runtime, listener: SmtpListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr("watchword.intake.smtp.take_mail", broken)
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("alice@corp.example")
        client.rcpt(REPORT_TO)
        code, text = client.data(phish(4))
    assert code == 451
    assert b"try again later" in text
    monkeypatch.undo()
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:  # the sender's retry
        assert client.sendmail("alice@corp.example", [REPORT_TO], phish(4)) == {}
    assert count(mail_rt, Report) == 1


def test_redelivery_of_the_same_mail_counts_once(mail_rt: Runtime, listener: SmtpListener) -> None:
    """GIVEN a sender that never saw our 250 WHEN it sends the same bytes again THEN nothing is counted twice."""
    wrapper = forward_as_attachment(phish(5))
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            client.sendmail("alice@corp.example", [REPORT_TO], wrapper)
    with mail_rt.db.session() as session:
        assert session.scalar(select(Report.sightings)) == 1
        assert session.scalar(select(func.count()).select_from(Submission)) == 1
    assert count(mail_rt, MailMessage) == 1


def test_same_original_from_two_reporters_is_two_sightings_of_one_report(
    mail_rt: Runtime, listener: SmtpListener
) -> None:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.sendmail("alice@corp.example", [REPORT_TO], forward_as_attachment(phish(6), n=1))
        client.sendmail(
            "bob@corp.example", [REPORT_TO], forward_as_attachment(phish(6), reporter="bob@corp.example", n=2)
        )
    with mail_rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
        assert session.scalar(select(Report.sightings)) == 2
        assert session.scalar(select(func.count()).select_from(MailMessageReport)) == 2


def test_crash_before_the_commit_leaves_nothing_half_taken(mail_rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN intake that dies after the blobs are written but before the one commit WHEN the mail
    comes again THEN it is taken whole, once: its reports and its record commit together."""
    wrapper = forward_as_attachment(phish(7), phish(8))
    real_record = mail_intake._record

    def crash(*args: object, **kwargs: object) -> int:
        raise OSError("power cut")

    monkeypatch.setattr(mail_intake, "_record", crash)
    with pytest.raises(OSError, match="power cut"):
        mail_intake.take_mail(mail_rt, wrapper, via="smtp", envelope_from="alice@corp.example")
    monkeypatch.setattr(mail_intake, "_record", real_record)
    result = mail_intake.take_mail(mail_rt, wrapper, via="smtp", envelope_from="alice@corp.example")
    assert len(result.receipts) == 2
    with mail_rt.db.session() as session:
        assert list(session.scalars(select(Report.sightings))) == [1, 1]
    assert count(mail_rt, Job) == 2


def test_starttls_is_offered_when_a_certificate_is_configured(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with open_runtime(
        make_settings(
            tmp_path, smtp_addresses=(REPORT_TO,), smtp_tls_cert=cert, smtp_tls_key=key, smtp_require_tls=True
        ),
        migrate=True,
    ) as runtime:
        server = SmtpListener(runtime, host="127.0.0.1", port=0).start()
        try:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                client.ehlo("client.test")
                assert client.has_extn("starttls")
                code, _ = client.mail("alice@corp.example")
                assert code == 530  # refused in the clear when TLS is required
                context = ssl.create_default_context(cafile=str(cert))
                context.check_hostname = False
                client.starttls(context=context)
                client.ehlo("client.test")
                assert client.sendmail("alice@corp.example", [REPORT_TO], phish(9)) == {}
            assert count(runtime, Report) == 1
        finally:
            server.stop()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "watchword.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_the_same_mail_taken_concurrently_is_recorded_once(mail_rt: Runtime) -> None:
    """GIVEN five deliveries of the same bytes at the same moment (a retrying MTA, two MX paths)
    WHEN they are taken in parallel THEN one mail and one sighting are recorded, and all get its receipt."""
    from concurrent.futures import ThreadPoolExecutor

    wrapper = forward_as_attachment(phish(10), phish(11))
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: mail_intake.take_mail(mail_rt, wrapper, via="smtp"), range(5)))
    assert len({tuple(r.public_id for r in res.receipts) for res in results}) == 1
    assert sum(not res.already_taken for res in results) == 1
    assert count(mail_rt, MailMessage) == 1
    with mail_rt.db.session() as session:
        assert list(session.scalars(select(Report.sightings))) == [1, 1]


def test_mail_intake_on_both_store_backends(any_rt: Runtime) -> None:
    """The same intake on SQLite and PostgreSQL: reports, record, sightings, a repeat recognised."""
    wrapper = forward_as_attachment(phish(20), phish(21))
    first = mail_intake.take_mail(any_rt, wrapper, via="smtp", envelope_from="alice@corp.example")
    again = mail_intake.take_mail(any_rt, wrapper, via="smtp", envelope_from="alice@corp.example")
    other = mail_intake.take_mail(
        any_rt, forward_as_attachment(phish(20), reporter="bob@corp.example", n=2), via="smtp"
    )
    assert len(first.receipts) == 2 and not first.already_taken
    assert again.already_taken and [r.public_id for r in again.receipts] == [r.public_id for r in first.receipts]
    assert other.receipts[0].report_id == first.receipts[0].report_id
    with any_rt.db.session() as session:
        assert sorted(session.scalars(select(Report.sightings))) == [1, 2]
        assert session.scalar(select(func.count()).select_from(MailMessage)) == 2


def test_serve_can_start_and_stop_the_configured_listener(tmp_path: Path) -> None:
    """What `watchword serve` calls: WATCHWORD_SMTP_IN_SERVE starts the listener beside the web app."""
    import threading

    from watchword.cli.mail import start_configured

    with open_runtime(
        make_settings(tmp_path, smtp_addresses=(REPORT_TO,), smtp_in_serve=True, smtp_port=0), migrate=True
    ) as runtime:
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            threads = start_configured(runtime, stop)
            assert [t.name for t in threads] == ["smtp"]
            assert all(t.is_alive() for t in threads)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)


def test_a_flood_from_one_sender_is_deferred_with_451_and_nothing_is_lost(tmp_path: Path) -> None:
    """GIVEN a limit of 3 mails a minute per sender WHEN one sender sends 6 THEN the last ones get
    451 (the sending server keeps them and retries), another sender still gets through, and every
    mail that got 250 is stored."""
    with open_runtime(
        make_settings(tmp_path, smtp_addresses=(REPORT_TO,), smtp_per_sender_per_minute=3), migrate=True
    ) as rt:
        server = SmtpListener(rt, host="127.0.0.1", port=0)
        # The limits' clock stands still: the bucket refills a mail every 20 s, and on a loaded machine
        # sending the first four could take that long, letting the fourth through. What is checked is
        # what a minute's limit allows, not how fast this machine sends.
        now = clock.monotonic()
        server.handler.per_sender.clock = server.handler.per_peer.clock = lambda: now
        server.start()
        codes: list[int] = []
        reasons: list[bytes] = []
        try:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                for n in range(6):
                    try:
                        client.sendmail("flood@corp.example", [REPORT_TO], forward_as_attachment(phish(100 + n), n=n))
                        codes.append(250)
                    except smtplib.SMTPDataError as exc:
                        codes.append(exc.smtp_code)
                        reasons.append(exc.smtp_error)
                assert client.sendmail("carol@corp.example", [REPORT_TO], forward_as_attachment(phish(200))) == {}
        finally:
            server.stop()
        assert codes == [250, 250, 250, 451, 451, 451]
        assert all(b"try again" in reason for reason in reasons)
        assert count(rt, MailMessage) == 4
        with rt.db.session() as session:
            assert not session.scalars(select(Submission).where(Submission.source_name.like("%127.0.0.1%"))).all()
