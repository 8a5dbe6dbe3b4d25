"""Mail reporters are answered in their own language: the Content-Language of their mail, else a
guess from their words; the acknowledgement, the outcome and an analyst's message all follow it."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.settings import make_settings
from tests.support.smtp_sink import REPORT_TO, Sink, replying_to
from watchword.analysis.language import detect_language
from watchword.intake.mail import take_mail
from watchword.replies import outbox, outcomes
from watchword.runtime import Runtime, open_runtime
from watchword.services import mail_replies
from watchword.store.models import Campaign, Report
from watchword.store.models_mail import MailMessage

ANNA = "anna@corp.example"
BOB = "bob@corp.example"
OLGA = "olga@corp.example"


@pytest.fixture
def reply_rt(tmp_path: Path, sink: Sink) -> Iterator[Runtime]:
    with open_runtime(
        make_settings(
            tmp_path,
            **replying_to(sink),
        ),
        migrate=True,
    ) as runtime:
        yield runtime


def phish() -> bytes:
    msg = EmailMessage()
    msg["From"] = "IT Helpdesk <helpdesk@micros0ft-support.example>"
    msg["To"] = ANNA
    msg["Subject"] = "Password expires today"
    msg["Message-ID"] = "<phish-lang@micros0ft-support.example>"
    msg.set_content("Keep your password: https://login-micros0ft.example/verify\n")
    return msg.as_bytes(policy=SMTP_POLICY)


def forward(reporter: str, comment: str, content_language: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = reporter
    msg["To"] = REPORT_TO
    msg["Subject"] = "FW: Password expires today"
    msg["Message-ID"] = f"<fwd-{reporter}>"
    msg.set_content(comment + "\n")
    msg.add_attachment(phish(), maintype="message", subtype="rfc822")
    if content_language:  # on the whole mail, as Outlook sets it (after add_attachment, which moves Content-*)
        msg["Content-Language"] = content_language
    return msg.as_bytes(policy=SMTP_POLICY)


def body(message: EmailMessage) -> str:
    return " ".join(message.get_content().split())


def test_the_guess_knows_each_shipped_language() -> None:
    samples = {
        "en": "I got this mail and it asks for my password, is this real? Please check it for me.",
        "de": "Ich habe diese Mail bekommen und sie will mein Passwort, ist das echt? Bitte prüfen Sie das.",
        "es": "Recibí este correo y me pide la contraseña, ¿es real? Por favor revisen si es para mí.",
        "fr": "J'ai reçu ce message et il me demande mon mot de passe, est-ce vrai ? Pouvez-vous vérifier pour moi.",
        "ru": "Мне пришло это письмо, в нём просят пароль. Это настоящее письмо?",
        "zh": "我收到这封邮件，要求我输入密码，这是真的吗？",
        "ar": "وصلتني هذه الرسالة وتطلب كلمة المرور، هل هي حقيقية؟",
    }
    for language, text in samples.items():
        assert detect_language(text) == language, language
    assert detect_language("FYI") == "" and detect_language("https://x.example 12345") == ""


def test_each_reporter_is_answered_in_their_own_language(reply_rt: Runtime, sink: Sink) -> None:
    """GIVEN one phish forwarded by a German client (Content-Language: de-DE), by someone writing
    Russian without the header, and by someone writing English WHEN the acknowledgements and the
    campaign's outcome go out THEN each reads their own language, and STOP still works in all."""
    take_mail(reply_rt, forward(ANNA, "Ist das echt?", "de-DE"), via="smtp", envelope_from=ANNA)
    take_mail(
        reply_rt, forward(OLGA, "Мне пришло это письмо, в нём просят пароль. Это настоящее?"), via="smtp",
        envelope_from=OLGA,
    )  # fmt: skip
    result = take_mail(reply_rt, forward(BOB, "Is this real? It asks for my password."), via="smtp", envelope_from=BOB)
    with reply_rt.db.session() as session:
        languages = dict(session.execute(select(MailMessage.id, MailMessage.language)).all())
        report = session.get(Report, result.receipts[0].report_id)
        assert report is not None
    assert sorted(languages.values()) == ["de", "en", "ru"]
    assert report.language == "de"  # the report's first words were German

    assert mail_replies.deliver_due(reply_rt)["sent"] == 3
    [anna_ack] = sink.to(ANNA)
    [olga_ack] = sink.to(OLGA)
    [bob_ack] = sink.to(BOB)
    assert "Vielen Dank. Wir haben Ihre Meldung erhalten." in body(anna_ack)
    assert "Спасибо. Мы получили ваше сообщение." in body(olga_ack)
    assert "Thank you. We have received your report." in body(bob_ack)
    assert all("STOP" in body(ack) for ack in (anna_ack, olga_ack, bob_ack))
    # The header says the language the mail is in, as the sink received it over SMTP.
    assert (anna_ack["Content-Language"], olga_ack["Content-Language"], bob_ack["Content-Language"]) == (
        "de",
        "ru",
        "en",
    )

    with reply_rt.db.write() as session:
        campaign = Campaign(title="fake helpdesk", approach_type="credential_phishing", verdict="malicious")
        campaign.reporter_count = 3
        session.add(campaign)
        session.flush()
        session.get(Report, result.receipts[0].report_id).campaign_id = campaign.id  # type: ignore[union-attr]
        assert outbox.notify_campaign_outcome(session, campaign.id) == 3
    mail_replies.deliver_due(reply_rt)
    expected = {
        ANNA: ("Das Ergebnis Ihrer Meldung", outcomes.outcome_text("malicious", approach_type="credential_phishing",
                                                                    reporters=3, language="de")),
        OLGA: ("Итог по вашему сообщению", outcomes.outcome_text("malicious", approach_type="credential_phishing",
                                                                  reporters=3, language="ru")),
        BOB: ("The outcome of your report", "This was part of a phishing campaign reported by 3 people."),
    }  # fmt: skip
    for who, (subject, text) in expected.items():
        [outcome] = [m for m in sink.to(who) if m["Subject"] == subject]
        assert " ".join(text.split()) in body(outcome)
        assert outcome["Content-Language"] == {ANNA: "de", OLGA: "ru", BOB: "en"}[who]
    assert "Personen, die sie gemeldet haben: 3." in body(next(m for m in sink.to(ANNA) if "Ergebnis" in m["Subject"]))


def test_chinese_and_arabic_replies_name_their_language_and_a_foreign_body_names_none(
    reply_rt: Runtime, sink: Sink
) -> None:
    """GIVEN a reporter writing Chinese (Content-Language zh-CN) and one writing Arabic WHEN their
    acknowledgements go out THEN each mail's Content-Language is its language's full tag; a body not
    closed by any catalogue's STOP line (a row from an older wording) claims no language."""
    take_mail(reply_rt, forward(ANNA, "这是真的吗？", "zh-CN"), via="smtp", envelope_from=ANNA)
    take_mail(
        reply_rt, forward(OLGA, "وصلتني هذه الرسالة وتطلب كلمة المرور، هل هي حقيقية؟"), via="smtp", envelope_from=OLGA
    )
    assert mail_replies.deliver_due(reply_rt)["sent"] == 2
    [chinese] = sink.to(ANNA)
    [arabic] = sink.to(OLGA)
    assert chinese["Content-Language"] == "zh-Hans" and "我们已收到" in body(chinese)
    assert arabic["Content-Language"] == "ar"
    assert outbox.written_in("Thank you.\n\nSome older closing line.\n") == ""
    assert outbox.written_in(outbox.STOP_HINT) == "en"
