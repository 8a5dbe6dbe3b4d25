"""Reading reports as acts: types, scope in three outcomes, six languages, form context, quotes.

Two kinds of example. `reading_sample.jsonl` is a small fixture copied from the
tuning half of the blind evaluation set (bench/reading/tune): reports written by
people who never saw this code. The parametrised sentences below are written for
this suite, in wording the lexicon was not tuned on, to check that synonyms,
inflections and other phrasings are read too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from watchword.analysis.phrasematch import PhraseMatcher, expand, literal_start
from watchword.analysis.pipeline import analyze_email, analyze_report
from watchword.analysis.reading import detect_language, fold, read
from watchword.domain import ApproachType
from watchword.web.reporter.forms import FORMS

A = ApproachType
SAMPLE = [json.loads(line) for line in (Path(__file__).parent / "reading_sample.jsonl").read_text().splitlines()]


def _analyse(text: str, form: str = "", answers: dict[str, str] | None = None) -> tuple[str, str, list[str], str]:
    # As the reporter pages send it: the form's key, its answers, and the hint the form itself carries.
    hint = FORMS[form].approach if form in FORMS else ""
    result = analyze_report(text, None, hint, answers or {}, form=form)
    return result.scope, result.approach_type, result.also_types, result.language


@pytest.mark.parametrize("row", SAMPLE, ids=[r["id"] for r in SAMPLE])
def test_blind_sample_reports_are_read_as_labelled(row: dict[str, object]) -> None:
    form = "" if row["form"] == "none" else str(row["form"])
    scope, kind, _also, language = _analyse(str(row["text"]), form, dict(row.get("answers") or {}))  # type: ignore[call-overload]
    assert scope == row["scope"], row["note"]
    assert language == row["lang"]
    if row["scope"] == "in_scope":
        assert kind == row["type"], row["note"]
    elif row["scope"] == "needs_detail":
        assert kind == "undetermined"
    else:
        assert kind == "benign"


# Wording of our own, one act each, in every language.
TYPED = [
    ("The caller from 'the bank' wanted me to tell him the PIN of my company card.", A.CREDENTIAL_PHISHING),
    ("Ein angeblicher IT-Mitarbeiter bat mich am Telefon um mein Kennwort.", A.CREDENTIAL_PHISHING),
    ("Un supuesto técnico me pidió por teléfono la contraseña del correo.", A.CREDENTIAL_PHISHING),
    ("Quelqu'un se disant du support m'a demandé le code reçu par SMS.", A.CREDENTIAL_PHISHING),
    ("Звонивший попросил продиктовать код из СМС, якобы для отмены перевода.", A.CREDENTIAL_PHISHING),
    ("对方打电话让我把手机收到的验证码告诉他。", A.CREDENTIAL_PHISHING),
    ("A 'partner' sent me invoice_scan.iso and insisted I open it on my office PC.", A.MALWARE_DELIVERY),
    ("Mir wurde eine Datei Angebot.docm geschickt, ich sollte die Makros aktivieren.", A.MALWARE_DELIVERY),
    ("Our supplier's 'new' address asked us to wire the next payment to a different IBAN.", A.INVOICE_OR_PAYMENT_FRAUD),
    ("Le fournisseur nous demande de payer la facture sur un nouveau compte, RIB joint.", A.INVOICE_OR_PAYMENT_FRAUD),
    ("A headhunter offered me a well-paid advisory role if I first described our test programme.", A.FAKE_RECRUITMENT),
    ("Un cazatalentos me ofreció un puesto de asesor por 400 dólares la hora.", A.FAKE_RECRUITMENT),
    ("A man offered to cover my son's tuition abroad if I kept him informed about the tender.", A.INDUCEMENT),
    ("Мне предложили оплатить поездку в Дубай с семьёй, если я расскажу о переговорах.", A.INDUCEMENT),
    ("他说可以资助我去新加坡，机票酒店全包，条件是讲讲我们的项目进度。", A.INDUCEMENT),
    ("At the reception she kept quizzing me on which engineers hold clearance and their shift times.", A.ELICITATION),
    ("Auf der Messe fragte mich ein Besucher immer wieder nach unseren Kunden und Lieferanten.", A.ELICITATION),
    ("En el congreso un hombre me preguntó con insistencia por los plazos de entrega del contrato.", A.ELICITATION),
    (
        "Someone set up a fake LinkedIn account posing as our director and is messaging our staff.",
        A.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    ("Quelqu'un usurpe l'identité de notre directrice sur WhatsApp.", A.FAKE_PROFILE_OR_IMPERSONATION),
    ("I discovered a GPS tracker taped under my company car.", A.TECHNICAL_SURVEILLANCE),
    ("Под столом в переговорной нашли флешку, которую никто не оставлял.", A.TECHNICAL_SURVEILLANCE),
    ("会议室的插座上多了一个不明设备，还有指示灯在闪。", A.TECHNICAL_SURVEILLANCE),
    ("A man was photographing our gate and the guard hut from a parked car.", A.PHYSICAL_APPROACH),
    ("Un hombre intentó entrar detrás de mí en el laboratorio sin tarjeta.", A.PHYSICAL_APPROACH),
    ("He said he would send the pictures to my boss unless I gave him the visitor list.", A.EXTORTION),
    ("Er drohte, Fotos an meine Familie zu schicken, wenn ich nicht zahle.", A.EXTORTION),
    ("有人威胁我，如果不把客户名单发给他，就把照片发到公司群里。", A.EXTORTION),
    ("Congratulations texts say I have won a car, I only need to pay a processing fee.", A.SCAM_OR_SPAM),
    ("Encore un mail disant que j'ai gagné à la loterie, il faut payer des frais de dossier.", A.SCAM_OR_SPAM),
]


@pytest.mark.parametrize(("text", "kind"), TYPED)
def test_acts_in_new_wording_give_the_type(text: str, kind: ApproachType) -> None:
    scope, got, _also, _lang = _analyse(text)
    assert scope == "in_scope"
    assert got == kind


OUT = [
    "Please check this person, I just have a feeling about him.",
    "Our new analyst is from Belarus. Could security vet her before she gets access?",
    "Können Sie bitte den neuen Kollegen überprüfen? Er ist Iraner.",
    "¿Pueden investigar a mi compañero? Va a la mezquita todos los viernes.",
    "Pouvez-vous surveiller les réseaux sociaux de ce syndicaliste ?",
    "Прошу проверить нового сотрудника, у него родственники за границей.",
    "能不能查一下新来的同事？他家人都在国外。",
    "A journalist rang the press office asking for an interview about the layoffs. Should we look into her?",
    "Some staff went to a lawful protest on Saturday; should security monitor them?",
]


@pytest.mark.parametrize("text", OUT)
def test_requests_to_watch_a_person_are_out_of_scope_in_every_language(text: str) -> None:
    scope, kind, also, _lang = _analyse(text)
    assert scope == "out_of_scope"
    assert kind == "benign" and also == []


KEPT_DESPITE_GROUNDS = [
    "A Russian attaché at the fair asked me for the test dates of our radar and the names of the team.",
    "Nach dem Freitagsgebet fragte mich ein Mann aus der Moschee nach den Zugangscodes des Labors.",
    "Un militante del partido me ofreció dinero a cambio de los planos de la subestación.",
]


@pytest.mark.parametrize("text", KEPT_DESPITE_GROUNDS)
def test_an_act_stays_in_scope_whatever_nationality_faith_or_politics_is_mentioned(text: str) -> None:
    result = analyze_report(text, None)
    assert result.scope == "in_scope"
    assert "plays no part" in result.scope_reason


NEEDS_DETAIL = [
    "Something happened on my trip last week that I want to mention. Please call me.",
    "Etwas Seltsames ist beim Kundentermin passiert. Bitte rufen Sie mich an.",
    "出差时遇到了一件事，想跟你们说一下。",
]


@pytest.mark.parametrize("text", NEEDS_DETAIL)
def test_no_act_and_no_basis_needs_detail_never_benign(text: str) -> None:
    scope, kind, _also, _lang = _analyse(text)
    assert scope == "needs_detail"
    assert kind == "undetermined"


def test_a_report_keeps_its_secondary_types_and_quotes_the_reporter() -> None:
    text = (
        "A recruiter on LinkedIn offered me a paid consulting role at $300 per hour. "
        "Then she asked which customers we supply and who leads the radar programme."
    )
    result = analyze_report(text, None)
    assert result.approach_type == "fake_recruitment"
    assert "elicitation" in result.also_types
    # Reasons name the acts and quote the reporter's own words.
    assert any("offered a job" in r and '"' in r and "recruiter" in r.lower() for r in result.reasons)
    assert any(r.startswith("asked about work") and "customers" in r for r in result.reasons)


def test_the_form_context_tips_a_close_call() -> None:
    text = "He said he was a student, asked about our lab's projects and offered to buy me dinner."
    assert _analyse(text, form="in_person")[1] == "elicitation"


def test_negated_acts_are_not_acts() -> None:
    reading = read("He never asked me about the project and he didn't offer anything.")
    assert not reading.scores


def test_language_is_detected_and_mixed_reports_are_read_whole() -> None:
    assert [
        detect_language(t)
        for t in (
            "He asked me for my password.",
            "Er hat mich nach dem Passwort gefragt.",
            "Me pidió la contraseña.",
            "Il m'a demandé mon mot de passe.",
            "Он попросил пароль.",
            "他问我要密码。",
        )
    ] == ["en", "de", "es", "fr", "ru", "zh"]
    mixed = "我在LinkedIn上收到消息: 'We offer a paid consulting project, $500 per hour', 然后问我们的客户名单。"
    scope, kind, also, language = _analyse(mixed)
    assert (scope, kind, language) == ("in_scope", "fake_recruitment", "zh")
    assert "elicitation" in also


def test_transliterated_names_do_not_stop_the_reading() -> None:
    text = "Aleksandr Petrov iz 'Gazprom Konsalting' offered me 5,000 euros for the design drawings of the valve."
    assert _analyse(text)[1] == "inducement"


def test_folding_keeps_cyrillic_short_i_and_drops_accents() -> None:
    assert fold("Ёлка, Сейчас, Überweisung, Contraseña, Étranger") == "елка, сейчас, uberweisung, contrasena, etranger"


def test_phrase_index_expands_leading_groups_and_finds_every_match() -> None:
    assert sorted(expand("(paid|free) trip")) == ["free trip", "paid trip"]
    assert sorted(expand("(the )?code")) == ["code", "the code"]
    assert literal_start("passwords?") == "password"
    assert literal_start("colou?r") == "colo"
    matcher = PhraseMatcher([("a", "paid (trip|travel)", False), ("b", "\\d+ ?%", False), ("c", "验证码", True)])
    found = {(h.owner, h.start, h.end) for h in matcher.find("a paid trip, 30 % off, 验证码")}
    assert found == {("a", 2, 11), ("b", 13, 17), ("c", 23, 26)}


def test_emails_get_the_act_reading_too() -> None:
    raw = (
        b"From: Talent <talent@brightwater-advisory.example>\r\nSubject: Paid advisory work\r\n\r\n"
        b"We can offer you a paid advisory role, $400 per hour. To start, please describe which "
        b"customers your team supplies and the timeline of the radar programme.\r\n"
    )
    result = analyze_email(raw)
    assert result.scope == "in_scope"
    assert result.language == "en"
    assert result.approach_type in ("fake_recruitment", "inducement")


@pytest.mark.parametrize("text", ["", "x" * 100_000, "asked " * 20_000, "\x00\ufffd<script>" * 500, "密码" * 5000])
def test_odd_input_is_bounded_and_never_raises(text: str) -> None:
    started = time.process_time()  # CPU time: the machine is shared with other work
    read(text)
    assert time.process_time() - started < 1.0


# Serial: it times the reading, which the C tracer of coverage on Python 3.11 slows two- to threefold
# (it measured 140 reports/s there once, against the 200 asked of production code). In CPU time, so
# cpu_timed: on 3.12+ coverage's sys.monitoring barely slows it (1,127 and 1,284 reports/s covered
# against 1,373 and 1,411 uncovered, at load average 40) and the parallel pass runs it (see the Makefile).
@pytest.mark.serial
@pytest.mark.cpu_timed
def test_reading_is_fast_enough() -> None:
    texts = [str(r["text"]) for r in SAMPLE]
    for text in texts:  # what is built once per process (each language's matchers) is not per report
        read(text)
    started = time.process_time()  # per core: CPU time, not the shared machine's wall clock
    for _ in range(3):
        for text in texts:
            read(text)
    per_second = 3 * len(texts) / max(time.process_time() - started, 1e-6)
    assert per_second >= 200, per_second


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Ein Anrufer wollte mein Firmenpasswort wissen.", A.CREDENTIAL_PHISHING),
        ("Er hat das Labor abfotografiert.", A.PHYSICAL_APPROACH),
        ("Sie fragte nach unseren Konstruktionsunterlagen.", A.ELICITATION),
        ("Die Lieferantenrechnung kam mit neuer Bankverbindung.", A.INVOICE_OR_PAYMENT_FRAUD),
    ],
)
def test_german_compounds_are_read_inside_words(text: str, kind: ApproachType) -> None:
    assert _analyse(text)[1] == kind


def test_every_entry_of_the_data_files_compiles() -> None:
    """The matcher compiles an entry when a text first reaches it: a broken one must show here, not in a report."""
    from watchword.analysis.phrasematch import _PATTERNS
    from watchword.analysis.reading import lexicons

    matcher = lexicons().matcher
    matcher.warm()  # re.error for a broken entry
    assert len(_PATTERNS) > 1500


def test_a_quote_ends_and_starts_on_whole_words() -> None:
    """A reason read 'in the car park near entranc"': the quote's limit fell inside a word."""
    from watchword.analysis.reading_text import quote as _quote

    text = "Found a USB stick labelled 'Salaries 2026' in the car park near entrance B. Not plugged in."
    quote = _quote(text, text.index("USB"), text.index("USB") + 9)
    assert quote.startswith("Found") and not quote.endswith("entranc")
    words = "Somebody " + "longwordwithoutanyspace" * 6 + " asked about the project roadmap and budgets"
    start = words.index("asked")
    assert _quote(words, start, start + 5).split()[-1] in words.split()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Latin product words typed straight after or before Chinese characters, without a space.
        ("我在会议室桌子底下发现一个陌生的AirTag，不是我们的。", A.TECHNICAL_SURVEILLANCE),
        ("有人打电话自称IT部门，要我把Outlook密码告诉他。", A.CREDENTIAL_PHISHING),
        ("他发来一个Invoice.exe，让我马上打开。", A.MALWARE_DELIVERY),
    ],
)
def test_latin_words_run_into_chinese_text_are_read(text: str, kind: ApproachType) -> None:
    scope, got, _also, _lang = _analyse(text)
    assert (scope, got) == ("in_scope", kind)


def test_a_ground_without_script_change_starts_reads_text_without_cjk_the_same() -> None:
    """The scope model's masking of the answers uses the cheaper pattern for text without CJK
    (compiling the script-change word starts into every entry cost seconds a process)."""
    from watchword.analysis.reading import PROTECTED_GROUNDS, lexicons

    texts = [
        "He said he is a Muslim and asked for the door code.",
        "Она из Китая, православная; просила пароль.",
        "Er ist Katholik und Mitglied der Partei, wollte die Pläne.",
    ]
    for ground in (g for g in lexicons().grounds if g.name in PROTECTED_GROUNDS):
        for text in texts:
            plain = ground.pattern_for(text)
            assert plain is not ground.pattern and plain is ground.pattern_for(text)  # compiled once
            assert [m.span() for m in plain.finditer(text)] == [m.span() for m in ground.pattern.finditer(text)]
        assert ground.pattern_for("他是Muslim，要了密码") is ground.pattern
