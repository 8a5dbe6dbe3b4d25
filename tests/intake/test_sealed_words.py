"""Every submission keeps its reporter's words (issue #11.3), and reporters' words are sealed at
rest (issue #11.17): sightings' words, free-text answers, thread messages, the forwarding comment."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.support import mailbuilders as mb
from tests.support.console import add_user, console_client, sign_in
from tests.support.reporter import fast_settings, report, text_of
from tests.support.settings import make_settings
from watchword.domain import Channel, IncomingReport
from watchword.intake import mail as mail_intake
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.services import followup, receipts
from watchword.store.migrate import downgrade, upgrade
from watchword.store.models import AuditEvent, Report, Submission
from watchword.web.app import create_app
from watchword.worker import Worker

EML = (
    b"From: IT <it@micros0ft-login.example>\r\nTo: a@corp.example\r\nSubject: Verify your mailbox\r\n"
    b"Message-ID: <sealed-1@micros0ft-login.example>\r\n\r\n"
    b"Your mailbox will be closed. Verify at http://micros0ft-login.example/owa now.\r\n"
)
FIRST_WORDS = "I got this on Monday and ignored it"
SECOND_WORDS = "I clicked the link and typed my password, then my phone rang from +44 20 7946 0001"
THIRD_WORDS = "Same mail, my whole team got it; the caller said he was from Contoso IT"


@pytest.fixture(params=["sqlite", "postgresql"])
def wrt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    url = request.getfixturevalue("pg_database_url") if request.param == "postgresql" else None
    with open_runtime(
        fast_settings(tmp_path, database_url=url, smtp_addresses=("report@watchword.test",)), migrate=True
    ) as runtime:
        yield runtime


def _analyst(rt: Runtime) -> TestClient:
    add_user(rt, "ana", "analyst")
    client = console_client(rt)
    assert sign_in(client, "ana").status_code == 303
    return client


def test_a_sighting_through_the_web_form_and_the_api_keeps_every_reporters_words(wrt: Runtime) -> None:
    """GIVEN one message reported three times (web form, web form with a screenshot, API), each with
    its own words WHEN an analyst opens the report THEN all three reporters' words are there."""
    with TestClient(create_app(wrt)) as web:
        first = report(
            web, "email", {"text": FIRST_WORDS, "did": "ignored"}, files=[("files", ("a.eml", EML, "message/rfc822"))]
        )
        assert first.status_code == 201, text_of(first.text)
        png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 80
        second = report(
            web,
            "email",
            {"text": SECOND_WORDS, "did": "clicked", "contact": "desk 4411"},
            files=[("files", ("b.eml", EML, "message/rfc822")), ("files", ("phone.png", png, "image/png"))],
        )
        assert second.status_code == 201, text_of(second.text)
    api = console_client(wrt).post(
        "/api/v1/reports",
        json={"text": THIRD_WORDS, "raw_email_base64": base64.b64encode(EML).decode(), "answers": {"team": "finance"}},
    )
    assert api.status_code == 201 and api.json()["duplicate"] is True and api.json()["sightings"] == 3
    with wrt.db.session() as session:
        stored = session.scalars(select(Report)).one()
        assert stored.sightings == 3
        assert all(s.words_sealed for s in session.scalars(select(Submission)))
    analyst = _analyst(wrt)
    report_page = analyst.get(f"/console/reports/{stored.id}").text
    assert "What each reporter wrote (3 submissions)" in report_page
    page = analyst.get(f"/console/reports/{stored.id}/submissions")
    assert page.status_code == 200
    shown = text_of(page.text)
    for words in (FIRST_WORDS, THIRD_WORDS, "finance", "clicked", "phone.png"):
        assert words in shown, words
    assert "I clicked the link and typed my password" in shown  # the phone number is shown defanged or not
    with wrt.db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "submissions.viewed")).first()


def _raw_database(rt: Runtime) -> bytes:
    """Every byte the store holds, as a thief with the disk would read it."""
    with rt.db.engine.connect() as conn:
        if rt.db.is_sqlite:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(rt.settings.database_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_reporters_words_are_sealed_at_rest_and_the_database_is_owner_only(tmp_path: Path) -> None:
    with open_runtime(fast_settings(tmp_path, smtp_addresses=("report@watchword.test",)), migrate=True) as rt:
        db_file = Path(rt.settings.database_url.split("///", 1)[1])
        assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
        answer = "my manager Dana Whitfield approved the transfer"
        first = submit(
            rt, IncomingReport(channel=Channel.WEB, raw_email=EML, text=FIRST_WORDS, answers={"who": answer})
        )
        submit(rt, IncomingReport(channel=Channel.API, raw_email=EML, text=SECOND_WORDS))
        with rt.db.write() as session:
            code = "ABCDEFGHJKMNPQRSTVWXYZ23"
            receipt = receipts.create(session, first.report_id, code, "x", "email", generated=False)
            followup.post_reporter_message(session, receipt.id, "My colleague Priya Raman got one too")
            followup.post_analyst_message(
                session, first.report_id, "ana", "Thank you, please delete it", to=f"r{receipt.id}"
            )
        # An inline forward: the pipeline cuts the reporter's comment from the original.
        forwarded = mail_intake.take_mail(rt, mb.thunderbird_forward(), via="smtp", envelope_from=mb.REPORTER)
        Worker(rt).run_until_idle()
        at_rest = _raw_database(rt)
        # The report's own text stays readable (analysis and search read it, like the message
        # itself); a sighting's words, answers, the thread and the forwarding comment do not.
        for words in (SECOND_WORDS, answer, "Priya Raman", "please delete it", mb.REPORTER_COMMENT):
            assert words.encode() not in at_rest, words
        with rt.db.session() as session:
            thread = followup.list_thread(session, first.report_id)
        assert [m.body for m in thread] == ["My colleague Priya Raman got one too", "Thank you, please delete it"]
        analyst = _analyst(rt)
        shown = text_of(analyst.get(f"/console/reports/{forwarded.receipts[0].report_id}").text)
        assert "Reporter's comment when forwarding" in shown
        assert mb.REPORTER_COMMENT.replace("?", "") in shown.replace("?", "")
        for name in ("watchword.db", "watchword.db-wal", "watchword.db-shm"):
            if (tmp_path / name).exists():
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    db_file = tmp_path / "watchword.db"
    db_file.touch(mode=0o644)
    os.chmod(db_file, 0o644)
    with open_runtime(make_settings(tmp_path), migrate=True):
        pass  # opening the store is what mends its mode
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0004_seals_what_older_versions_stored_in_plain_text(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """GIVEN a store at 0002 with plain-text answers, thread messages and a forwarding comment
    WHEN it is upgraded THEN none of them is left in plain text, and the console still shows them."""
    url = request.getfixturevalue("pg_database_url") if backend == "postgresql" else None
    with open_runtime(make_settings(tmp_path, url), migrate=True) as rt:
        downgrade(rt.db, "0002")
        with rt.db.write() as session:
            conn = session.connection()
            conn.execute(
                text(
                    "INSERT INTO reports (id, public_id, created_at, channel, status, dedupe_key, text, approach_hint,"
                    " answers, source_name, sightings, last_sighted_at, subject, approach_type, scope, risk)"
                    " VALUES (1, 'p1', CURRENT_TIMESTAMP, 'web', 'analysed', 'k1', 'the old words', '',"
                    " :answers, '', 1, CURRENT_TIMESTAMP, 's', '', 'in_scope', 0)"
                ),
                {"answers": '{"who": "old free-text answer naming Dana"}'},
            )
            conn.execute(
                text(
                    "INSERT INTO submissions (report_id, received_at, channel, source_name)"
                    " VALUES (1, CURRENT_TIMESTAMP, 'web', '')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reporter_messages (report_id, author_kind, author, body, created_at)"
                    " VALUES (1, 'reporter', '', 'an old thread message from Priya', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO analyses (report_id, version, created_at, result) VALUES (1, 1, CURRENT_TIMESTAMP, :r)"
                ),
                {"r": '{"kind": "email", "wrapper": {"reporter_comment": "old comment by Alice", "shape": "x"}}'},
            )
        upgrade(rt.db)
        with rt.db.engine.connect() as conn:
            answers, sealed = conn.execute(text("SELECT answers, answers_sealed FROM reports")).one()
            body, body_sealed = conn.execute(text("SELECT body, body_sealed FROM reporter_messages")).one()
            result = str(conn.execute(text("SELECT result FROM analyses")).scalar_one())
            words = conn.execute(text("SELECT words_sealed FROM submissions")).scalar_one()
        assert "Dana" not in str(answers) and sealed is not None and words is not None
        assert body == "" and body_sealed is not None
        assert "old comment by Alice" not in result and "reporter_comment_sealed" in result
        analyst = _analyst(rt)
        assert "old comment by Alice" in analyst.get("/console/reports/1").text
        assert "old free-text answer naming Dana" in analyst.get("/console/reports/1/submissions").text
        assert "an old thread message from Priya" in analyst.get("/console/reports/1/thread").text
        downgrade(rt.db, "0002")
        with rt.db.engine.connect() as conn:
            assert "Dana" in str(conn.execute(text("SELECT answers FROM reports")).scalar_one())
            assert (
                conn.execute(text("SELECT body FROM reporter_messages")).scalar_one()
                == "an old thread message from Priya"
            )
        upgrade(rt.db)


def test_each_forwarder_of_an_attached_original_keeps_their_comment(tmp_path: Path) -> None:
    """GIVEN the same phish forwarded as an attachment by two colleagues, each with a comment
    WHEN an analyst reads the report's submissions THEN both comments are there, sealed at rest."""
    with open_runtime(fast_settings(tmp_path, smtp_addresses=("report@watchword.test",))) as rt:
        comments = ["Got this twice today, the link looks off", "My assistant nearly clicked this one"]
        for n, comment in enumerate(comments):
            wrapper = EmailMessage()
            wrapper["From"] = f"Colleague {n} <colleague{n}@corp.example>"
            wrapper["To"] = "report@watchword.test"
            wrapper["Subject"] = "FW: Verify your mailbox"
            wrapper["Message-ID"] = f"<fwd-{n}@corp.example>"
            wrapper.set_content(comment + "\n")
            wrapper.add_attachment(EML, maintype="message", subtype="rfc822")
            mail_intake.take_mail(rt, wrapper.as_bytes(policy=SMTP_POLICY), via="smtp")
        with rt.db.session() as session:
            stored = session.scalars(select(Report)).one()
        assert stored.sightings == 2
        for comment in comments:
            assert comment.encode() not in _raw_database(rt)
        shown = text_of(_analyst(rt).get(f"/console/reports/{stored.id}/submissions").text)
        for comment in comments:
            assert comment in shown
