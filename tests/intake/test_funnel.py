"""One funnel, one writer (issue #12.1): every channel's rows commit with its reports, through submit()."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.support.reporter import fast_settings, report
from watchword.domain import Channel, IncomingReport
from watchword.intake import mail as mail_intake
from watchword.intake.submit import Receipt, dedupe_key, submit
from watchword.runtime import Runtime, open_runtime
from watchword.services import receipts
from watchword.store.models import Job, Report, Submission
from watchword.store.models_mail import MailMessage
from watchword.store.models_reporter import ReporterReceipt
from watchword.web.app import create_app


def _mail(n: int) -> bytes:
    original = EmailMessage()
    original["From"] = "IT Helpdesk <helpdesk@micros0ft-support.example>"
    original["To"] = "alice@corp.example"
    original["Subject"] = f"Password expires today #{n}"
    original["Message-ID"] = f"<funnel-{n}@micros0ft-support.example>"
    original.set_content(f"Keep your password here: https://login-micros0ft.example/verify?n={n}\n")
    wrapper = EmailMessage()
    wrapper["From"] = "Alice <alice@corp.example>"
    wrapper["To"] = "report@watchword.test"
    wrapper["Subject"] = f"FW: suspicious {n}"
    wrapper["Message-ID"] = f"<funnel-fwd-{n}@corp.example>"
    wrapper.set_content("Looks like phishing to me.\n")
    wrapper.add_attachment(original.as_bytes(policy=SMTP_POLICY), maintype="message", subtype="rfc822")
    return wrapper.as_bytes(policy=SMTP_POLICY)


def _count(rt: Runtime, model: type) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def frt(tmp_path: Path) -> Runtime:
    with open_runtime(fast_settings(tmp_path, smtp_addresses=("report@watchword.test",)), migrate=True) as runtime:
        yield runtime  # type: ignore[misc]


def test_mail_web_and_api_share_the_one_writer_thread(frt: Runtime) -> None:
    """GIVEN mail, the web form and the API taking reports at once THEN one writer thread commits them all."""
    # Threads another test of this process left behind are not this runtime's.
    earlier = set(threading.enumerate())
    with ThreadPoolExecutor(max_workers=6) as pool:
        mails = list(pool.map(lambda n: mail_intake.take_mail(frt, _mail(n), via="smtp"), range(6)))
        api = list(
            pool.map(
                lambda n: submit(frt, IncomingReport(channel=Channel.API, text=f"a stranger called me {n}")), range(6)
            )
        )
    with TestClient(create_app(frt)) as web:
        assert report(web, "other", {"text": "a recruiter asked about my project"}).status_code == 201
    writers = [t.name for t in set(threading.enumerate()) - earlier if t.name in ("intake-writer", "mail-recorder")]
    assert writers == ["intake-writer"]
    assert all(len(m.receipts) == 1 for m in mails) and all(not r.duplicate for r in api)
    assert _count(frt, Report) == 13 and _count(frt, MailMessage) == 6 and _count(frt, Job) == 13


def test_a_failing_channel_row_takes_its_report_with_it(frt: Runtime) -> None:
    """GIVEN a channel row that fails inside the commit WHEN the report is submitted THEN neither
    the report, nor its submission, nor its job is stored, and other callers are unaffected."""

    def broken(session: Session, written: list[Receipt]) -> None:
        raise RuntimeError("the channel's own row could not be written")

    with pytest.raises(Exception, match="could not be stored"):
        submit(frt, IncomingReport(channel=Channel.WEB, text="this must not stay half-stored"), also=[broken])
    kept = submit(frt, IncomingReport(channel=Channel.WEB, text="this one is fine"))
    assert not kept.duplicate
    assert _count(frt, Report) == 1 and _count(frt, Submission) == 1 and _count(frt, Job) == 1


def test_a_receipt_code_sent_twice_is_no_second_sighting(frt: Runtime) -> None:
    """GIVEN the same form (receipt code) sent twice WHEN the second commit meets the code
    THEN it is refused whole: the report counts one sighting, not two."""
    settings = frt.settings
    code = "ABCDEFGHJKMNPQRSTVWXYZ23"
    phrase = receipts.hash_passphrase(settings, "correct horse battery staple")

    def receipt_row(session: Session, written: list[Receipt]) -> None:
        receipts.create(session, written[0].report_id, code, phrase, "other", generated=False)

    words = IncomingReport(channel=Channel.WEB, text="someone asked for my badge number")
    first = submit(frt, words, also=[receipt_row])
    with pytest.raises(IntegrityError):
        submit(frt, words, also=[receipt_row])
    with frt.db.session() as session:
        assert session.scalar(select(Report.sightings).where(Report.id == first.report_id)) == 1
    assert _count(frt, Submission) == 1 and _count(frt, ReporterReceipt) == 1


def test_one_failing_unit_in_a_busy_moment_fails_only_its_caller(frt: Runtime) -> None:
    """GIVEN 24 callers at once, every fourth with a channel row that fails WHEN they commit
    (together, in whatever batches form) THEN exactly those six fail and the others are stored whole."""

    def broken(session: Session, written: list[Receipt]) -> None:
        raise RuntimeError("this channel row cannot be written")

    def one(n: int) -> bool:
        incoming = IncomingReport(channel=Channel.API, text=f"a caller asked for my badge number, case {n}")
        try:
            submit(frt, incoming, also=[broken] if n % 4 == 0 else [])
        except Exception:  # noqa: BLE001 - counted below
            return False
        return True

    with ThreadPoolExecutor(max_workers=24) as pool:
        stored = list(pool.map(one, range(24)))
    assert stored.count(False) == 6
    assert _count(frt, Report) == 18 and _count(frt, Submission) == 18 and _count(frt, Job) == 18


def test_a_repeat_whose_bytes_differ_only_in_line_endings_leaves_no_unreferenced_blob(frt: Runtime) -> None:
    """GIVEN an email stored once WHEN the same message comes again with LF instead of CRLF (a sighting:
    its dedupe key is the same, its bytes are not) THEN it counts as a sighting and every blob row
    still belongs to a report (a row nobody references would never be removed by retention)."""
    from watchword.store.models import Blob

    raw = b"From: a@evil.example\r\nSubject: verify\r\n\r\nSign in at https://evil.example/login\r\n"
    first = submit(frt, IncomingReport(channel=Channel.API, raw_email=raw))
    again = submit(frt, IncomingReport(channel=Channel.API, raw_email=raw.replace(b"\r\n", b"\n")))
    assert again.report_id == first.report_id and again.duplicate
    with frt.db.session() as session:
        blobs = set(session.scalars(select(Blob.sha256)))
        referenced = set(session.scalars(select(Report.raw_sha256).where(Report.raw_sha256.is_not(None))))
    assert blobs == referenced


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@example.net\nSubject: offer\n\nA job.\n\n",
        b"From: a@example.net\r\nSubject: offer\r\n\r\nA job.\r\n\r\n",
        b"From: a@example.net\r\nSubject: offer\n\nA lone \r stays.\n",
    ],
)
def test_a_messages_dedupe_key_is_its_bytes_with_crlf_as_lf_and_no_trailing_newlines(raw: bytes) -> None:
    """The key stored reports are found by: the same for the same bytes whatever path computes it
    (a message without "\r" skips the replace), and the same for a CRLF copy and its LF one."""
    expected = hashlib.sha256(raw.replace(b"\r\n", b"\n").rstrip(b"\n")).hexdigest()
    key = dedupe_key(IncomingReport(channel=Channel.API, raw_email=raw))
    assert key == expected
    lf = raw.replace(b"\r\n", b"\n")
    assert dedupe_key(IncomingReport(channel=Channel.API, raw_email=lf)) == key
