"""Requests to look into a person that are passed on, worded as our own request, or put through the
press office, in six languages (issue 17, ninth round).

A manager or HR who asks the reporter to report a colleague ("la direction m'a demandé de le
signaler", "заведующий просит узнать, можно ли его проверить") turned to the reporter, but did
nothing to them: the request is read as relayed (`basis.toml` [relay]) and the report by what it
passes on. The reporter's own request to us ("solicito que investiguen a mi vecino", "прошу ...
проверить") is no question put to them: its verb is not an elicitation verb. A journalist who went
through the press office or the communication department is lawful journalism, even when the
reporter asks "is there something we should do?". And some words that read as acts are not acts
here: a video call with family is no filming, a union petition about pay is no job offer, a
person "manipulated by a foreign power" is no device tampered with. The counterparts keep the
same wording around a real act, and stay in scope. Every sentence is written for this suite.
"""

from __future__ import annotations

import pytest

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

A = ApproachType

# A request to report a colleague, passed on by a manager or HR, about a union, faith or origin.
PASSED_ON = [
    "Notre collègue de la logistique est représentant CFDT et organise une réunion sur les primes. "
    "La direction m'a demandé de le signaler.",
    "Une technicienne porte le voile depuis la rentrée. Mon responsable voudrait qu'on le signale ici.",
    "Un compañero reparte octavillas del sindicato en la puerta. Mi jefa me pidió que lo denunciara.",
    "Наш программист вступил в профсоюз и агитирует коллег. Начальник отдела просит выяснить, нужно ли его проверить.",
]

# The same relayed request, with an act done to the reporter told after it: in scope.
PASSED_ON_WITH_AN_ACT = [
    (
        "La direction m'a demandé de le signaler : un homme m'a appelé hier et m'a demandé mon mot de passe "
        "de messagerie en se présentant comme le support informatique.",
        A.CREDENTIAL_PHISHING,
    ),
    (
        "Mi jefa me pidió que lo reportara: un desconocido me escribió y me pidió el código de verificación "
        "que me llegó por SMS.",
        A.CREDENTIAL_PHISHING,
    ),
]


@pytest.mark.parametrize("text", PASSED_ON)
def test_a_relayed_request_about_a_colleague_is_turned_away(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [a.name for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason
    assert analyze_report(text, None).scope == "out_of_scope"


@pytest.mark.parametrize(("text", "kind"), PASSED_ON_WITH_AN_ACT)
def test_a_relayed_report_of_an_act_stays_in_scope(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == kind


# The reporter's own request to us: its verb ("solicito", "demande", "прошу") is not a question put
# to the reporter by someone.
OUR_OWN_REQUEST = [
    "Solicito que investiguen a mi compañero de despacho, es de Marruecos y reza en el almacén.",
    "Прошу в связи с режимом секретности проверить нашего программиста, у него родственники в Турции.",
    "Прошу по соображениям безопасности проверить нашу переводчицу.",
]


@pytest.mark.parametrize("text", OUR_OWN_REQUEST)
def test_our_own_request_is_no_question_asked_of_the_reporter(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [a.name for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


def test_a_question_asked_of_the_reporter_is_still_read() -> None:
    reading = read(
        "Un hombre me pidió la lista de ingenieros del proyecto y sus teléfonos. ¿Pueden averiguar quién es?"
    )
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.ELICITATION


# Journalism put through the press office or the communication department: out of scope, even beside
# "is there something to do?".
PRESS = [
    "Un journaliste d'un hebdomadaire régional a écrit au service communication pour interviewer notre "
    "directrice. La demande est passée par le canal habituel. Y a-t-il quelque chose à faire ?",
    "Una periodista contactó con el departamento de comunicación para entrevistar al rector. "
    "¿Tenemos que hacer algo raro al respecto?",
    "Журналист областной газеты обратился в пресс-центр и попросил интервью у директора. Что-то странное в этом есть?",
]


@pytest.mark.parametrize("text", PRESS)
def test_journalism_through_the_press_office_is_turned_away(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


def test_a_journalist_who_bypassed_the_press_office_is_not_turned_away() -> None:
    text = (
        "Un soi-disant journaliste m'a appelé directement sur mon portable, sans passer par le service "
        "communication, et m'a demandé la liste des ingénieurs habilités."
    )
    assert read(text).scope == Scope.IN_SCOPE


# A video call with family is no filming; a union petition about pay no job offer; a person
# "manipulated" by a foreign power no device tampered with.
NO_SUCH_ACT = [
    "Мой коллега часто разговаривает по видео с матерью в Армении прямо в офисе. Не опасно ли это?",
    "Ma collègue passe des appels vidéo avec sa sœur en Algérie pendant la pause. Est-ce dangereux ?",
    "Un colega hace videollamadas con su familia en Cuba desde la oficina. ¿Es un peligro?",
    "Le délégué CGT fait signer une pétition sur les salaires à la cantine. Il faudrait le surveiller.",
    "Je crois que notre collègue est manipulée par une puissance étrangère. Il faudrait enquêter sur elle.",
]


@pytest.mark.parametrize("text", NO_SUCH_ACT)
def test_words_that_are_no_act_here(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [a.name for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


SUCH_ACTS = [
    ("Un homme nous a filmés en vidéo devant la grille du site pendant une heure.", A.PHYSICAL_APPROACH),
    ("Мужчина снимал нас на видео у проходной завода.", A.PHYSICAL_APPROACH),
    ("Un cabinet m'a proposé un poste de directeur technique avec un salaire de 9000 euros.", A.FAKE_RECRUITMENT),
    ("Mon ordinateur portable a été manipulé dans ma chambre d'hôtel pendant la mission.", A.TECHNICAL_SURVEILLANCE),
]


# The reporter's doubt worded as a danger ("не угроза ли это?", "¿es un peligro?", "est-ce une
# menace ?"), about a colleague and nothing done: a request about a person, not a vague report.
DOUBT_ABOUT_A_COLLEAGUE = [
    "Наша сотрудница каждый вечер допоздна сидит в лаборатории одна. Не угроза ли это?",
    "Mi compañera se queda sola en el laboratorio cada noche hasta tarde. ¿Es un peligro?",
    "Ma collègue reste seule au labo tous les soirs très tard. Est-ce une menace ?",
]


@pytest.mark.parametrize("text", DOUBT_ABOUT_A_COLLEAGUE)
def test_a_doubt_about_a_colleague_is_a_request_about_a_person(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE
    assert reading.scope_reason.startswith("the report asks about a person")


@pytest.mark.parametrize(("text", "kind"), SUCH_ACTS)
def test_the_same_words_about_a_real_act_are_read(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == kind


# Words that are no act beside a request about a person: "which I won't name" is no prize won, having
# access to the transfers or invoices that "are fine" no payment asked for.
NOT_A_SCAM_OR_A_PAYMENT = [
    "Please keep an eye on our new buyer: he is active in a party I won't name and sits on the tender board.",
    "My coworker sends money to his parents in Lebanon every month and has access to the bank transfers. "
    "Is that a risk?",
    "Su jefe de compras es de Argelia y tiene acceso a las transferencias de la empresa. "
    "¿Pueden revisar sus antecedentes?",
    "Notre comptable est d'origine russe et a accès aux virements. Pouvez-vous vérifier son passé ?",
    "Could you look into our caterer? He is Iranian. His invoices are fine and he never asks about anything.",
]


@pytest.mark.parametrize("text", NOT_A_SCAM_OR_A_PAYMENT)
def test_no_scam_or_payment_in_a_request_about_a_person(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [a.name for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


def test_a_prize_won_and_a_payment_asked_for_are_still_read() -> None:
    assert read("A text says I won 5,000 euros in a lottery and must pay a 90 euro fee to get it.").primary == (
        A.SCAM_OR_SPAM
    )
    reading = read("Un supuesto proveedor nos pidió cambiar la cuenta bancaria y hacer la transferencia hoy mismo.")
    assert reading.primary == A.INVOICE_OR_PAYMENT_FRAUD


# Requests about a person in their own wording: "帮我查查这些人", "对他做个审查", "kann man da mal
# schauen?", a feeling "bei unserer neuen Kollegin", "il valait mieux le signaler".
REQUESTS_IN_OTHER_WORDS = [
    "隔壁新搬来的一家人经常很晚才回家，能不能帮我查查这些人？",
    "我们组新来的博士后妈妈在国外，要不要对她做个审查？",
    "Ich habe ein ungutes Gefühl bei unserer neuen Kollegin aus der Buchhaltung, kann man da mal schauen?",
    "Mon voisin de bureau prie dans la salle de réunion le midi. Je me suis dit qu'il valait mieux le signaler.",
]


@pytest.mark.parametrize("text", REQUESTS_IN_OTHER_WORDS)
def test_requests_about_a_person_in_other_words(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE
    assert reading.scope_reason.startswith("the report asks about a person"), reading.scope_reason


def test_a_link_to_check_is_no_request_about_a_person() -> None:
    reading = read("有人冒充IT部门发给我一个链接让我输入密码，帮我查一下这个链接。")
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.CREDENTIAL_PHISHING


# A manager named with a modifier ("the site director wants to know whether"), and a "shared drive",
# are no question asked: no act is read beside a request about a colleague.
NO_QUESTION_ASKED = [
    "The site director wants to know whether our security guard, who joined the union last month, is a problem.",
    "Our colleague from Syria still has access to the shared folder with the tender data. "
    "Shouldn't his access be reviewed?",
]


@pytest.mark.parametrize("text", NO_QUESTION_ASKED)
def test_no_question_asked_in_a_relayed_or_access_request(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [a.name for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE


# What the reporter says was never done: "he's never asked me for anything odd", "他没找我问过工作上
# 的事" (a negated turning-to in Chinese). The act's words are there; the act is not.
NEVER_DONE = [
    "我们科室有个同事每周去清真寺。他没找我问过工作上的事，但是要不要关注一下？",
    "我们实验室的博士生是藏族，常去寺庙。她没跟我问过项目的数据，我只是有点担心。",
    "Our driver spends his weekends at the Kurdish cultural centre. He's never asked me for anything odd, "
    "I just thought you should know.",
    "My colleague is a Tamil activist. She's never asked us for anything unusual. Thought I'd mention it.",
]


@pytest.mark.parametrize("text", NEVER_DONE)
def test_what_was_never_done_keeps_no_report_in_scope(text: str) -> None:
    assert read(text).scope == Scope.OUT_OF_SCOPE


def test_a_question_asked_in_chinese_is_still_read() -> None:
    reading = read("有个自称校友的人找我问我们课题组的经费和合作单位，还问外审专家是谁。")
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.ELICITATION


# Relayed by construction (sixteenth round): the manager's request with words between the manager and
# the asking ("领导有点担心，让我问一下"), the administration asking the reporter whether to file it
# ("行政问我要不要报备"), a pronoun and "faire" before the verb ("m'a demandé de le faire remonter"),
# a manager who told the reporter to note it ("me dijo que lo registrara"; beside "llamar", which alone
# asks for detail), and the reporter wondering aloud ("me preguntaba si sería conveniente"), no question put to them.
# A union named by its folded name ("ver.di") is lawful activity as "Gewerkschaft" is.
RELAYED_BY_CONSTRUCTION = [
    "我们部门一位回族同事每天中午做礼拜。行政那边问我要不要报备，所以在这里说一下。",
    "我们所有位同事在网上联名支持一个环保倡议。领导有些担心，叫我问一下是不是该报上来。",
    "Une collègue de l'accueil est déléguée syndicale et distribue des tracts. "
    "Ma cheffe m'a demandé de le faire remonter.",
    "Einige Kolleginnen treffen sich mit einer Vertreterin von ver.di wegen der Tarifrunde. "
    "Mein Chef bat mich, dies hier zu melden.",
    "Una compañera de contabilidad sale en manifestaciones de un partido. Es muy seria en el trabajo, "
    "pero me preguntaba si sería conveniente revisar sus redes.",
    "Mi jefe me dijo que lo registrara por si hay que llamar a alguien: un compañero va a huelgas.",
]


@pytest.mark.parametrize("text", RELAYED_BY_CONSTRUCTION)
def test_a_request_relayed_or_wondered_about_a_colleague_is_turned_away(text: str) -> None:
    reading = read(text)
    assert not reading.scores, [(a.name, a.quote) for a in reading.acts]
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


# The same constructions around an act done to the reporter: still in scope.
RELAYED_BESIDE_AN_ACT = [
    "主任叫我问一下：昨天有个陌生人打电话给我，自称信息中心的，要我把邮箱密码告诉他。",
    "Ma cheffe m'a demandé de le faire remonter : un inconnu m'a envoyé un lien et m'a demandé mon mot de passe.",
]


@pytest.mark.parametrize("text", RELAYED_BESIDE_AN_ACT)
def test_a_relayed_report_with_an_act_done_to_the_reporter_stays_in_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.CREDENTIAL_PHISHING


# The reporter's own judgement that someone is a threat or a risk ("Считаю, что это угроза
# безопасности", "I think she is a security risk") names no threat made; an open letter signed is
# lawful activity in every language, as "open letter" and "открытое письмо" were. A manager's
# question passed on with words between ("La direction du site me demande si ...") is relayed too.
JUDGED_OR_SIGNED = [
    "Коллега из бухгалтерии пишет в соцсетях посты в поддержку оппозиции. Считаю, что это угроза безопасности, "
    "прошу разобраться.",
    "My colleague in payroll posts in support of a protest movement. I think she is a security risk, "
    "please look into it.",
    "Ein Kollege aus der Verwaltung hat einen offenen Brief gegen das Rüstungsprojekt unterschrieben. "
    "Können Sie das vermerken?",
    "Des salariés distribuent des tracts devant l'entrée. La direction du site me demande si cela doit être signalé.",
]


@pytest.mark.parametrize("text", JUDGED_OR_SIGNED)
def test_a_judgement_or_a_signature_about_a_colleague_is_turned_away(text: str) -> None:
    test_a_request_relayed_or_wondered_about_a_colleague_is_turned_away(text)


def test_a_threat_made_is_still_read_beside_the_reporters_judgement() -> None:
    text = "Он написал мне, что если я не заплачу, он опубликует мои фото. Считаю, что это угроза."
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.EXTORTION
