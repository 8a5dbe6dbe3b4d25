"""Requests to look into a person, and approaches told beside who someone is: the twelfth round.

Written here, in six languages, for the constructions (none is copied from the evaluation set; some
restate, shortened, a construction the tuning half showed the reader missing): a
request put politely, indirectly or officially ("for security reasons please look into", "could
your team keep an eye on", "verify who he really is", passed on by a manager or HR, asked as a
question) is turned away by the rules alone; an act told beside a nationality, faith or party is
kept, and so is an act whose reporter asks who the approacher really was. The rules are read
without the learned scope reading (`read`), so each case rests on the wording lists and the scope
decision, not on a model's weights.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.analysis.reading_text import concessive, quoted_spans
from watchword.domain import ApproachType, Scope

REQUESTS = [
    "For security reasons, please look into our new lab technician. He is from Pakistan and keeps to himself.",
    "Could somebody quietly look at who our finance officer is meeting after work? Just to be safe.",
    "I am writing on behalf of our head of department, who would like your office to verify a new "
    "researcher's affiliations.",
    "HR asked me to find out whether our new cleaner, who is from Eritrea, can be trusted with keys.",
    "Is there any way to find out if my coworker is still in touch with people in Iran?",
    "Könnten Sie bitte ein Auge auf unseren Kollegen werfen? Er ist oft in China.",
    "Ich möchte, dass Sie prüfen, wer er wirklich ist. Er sagt, er kommt aus Kasachstan.",
    "J'aimerais que vous vérifiiez qui il est vraiment. Il dit venir de Russie.",
    "Ma responsable m'a demandé de vous transmettre une demande : vérifier les fréquentations d'un agent du service.",
    "Recursos Humanos me pide que les traslade una solicitud: comprobar los contactos de un empleado nuevo.",
    "Mi jefa me pidió que les pregunte si pueden investigar a un técnico nuevo que es de Irán.",
    "¿Es posible saber con quién se reúne mi vecino? Es chino y recibe muchas visitas.",
    "Отдел кадров просит провести проверку кандидата, который ходит в мечеть.",
    "Хотелось бы, чтобы вы выяснили, кто он на самом деле. Говорит, что из Минска.",
    "人事部让我转达：希望对一名新员工做个背景了解，他信伊斯兰教。",
    "有没有办法知道我们部门那个同事是不是还和境外的人有联系？",
    "De acuerdo con nuestra política de seguridad, solicitamos una revisión del empleado R. Ortega, "
    "cuya esposa es cubana.",
    "Serait-il possible que quelqu'un regarde avec qui notre nouveau collègue échange en ligne ? "
    "Il est très pratiquant.",
    "能不能请人看看我们新同事平时在网上都跟谁联系？他很信教。",
    "Just asking: would your team be able to see who my neighbour talks to online? He is very religious.",
    "Our new engineer always carries a USB stick and talks Russian on the phone. Could security keep an eye on him?",
    "My manager asked me to submit this because she has no login. A contractor on our team is Chinese and "
    "works late. He hasn't asked either of us about anything sensitive. She'd like someone to look into him.",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_a_request_to_look_into_a_person_is_turned_away(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


APPROACHES = [
    # A conditional threat, an ethnicity and "spy" beside it: the threat is the act.
    (
        "I'm Uyghur. An anonymous account sent me a photo of my parents' house and said that if I don't "
        "withdraw from the panel they'll make sure everyone thinks I am a spy.",
        ApproachType.EXTORTION,
    ),
    # The approacher's own words, quoted: their "needed for a check" is no request of the reporter's.
    (
        "В Telegram сотрудникам написал аккаунт с фото и именем нашего директора: «Это мой новый номер. "
        "Срочно пришлите список сотрудников с паспортными данными, нужно для проверки». Директор ничего не писал.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    # "The gathering itself was normal. But then he kept asking me ...": a concession, not "nothing happened".
    (
        "在教会认识一个人，约我去他们的聚会。聚会本身挺正常的。但之后他私下总问我公司疫苗研发到哪一步了、临床试验在哪几家医院做。",
        ApproachType.ELICITATION,
    ),
    # Two described acts outweigh "... to check the guy" read across a clause.
    (
        "A man in a vest saying POLICE asked our guard for the rota and the names of the control room staff; "
        "when our guard said he'd call the station to check the guy left. The station said they sent nobody.",
        None,
    ),
    (
        "Ein Anrufer wollte von mir die Namen unserer Schichtleiter wissen. "
        "Können Sie herausfinden, wer er wirklich ist?",
        None,
    ),
    ("有人打电话问我要我们车间主任的名单和手机号。麻烦你们核实一下他到底是什么人。", None),
    # The approacher asking whom the reporter meets is the act, whatever nationality is named beside it.
    ("Un ruso en la recepción me preguntó con quién me reúno y quería saber con quién habla mi jefe.", None),
    (
        "Ein Chinese auf der Messe wollte wissen, mit wem ich im Ministerium spreche "
        "und mit wem mein Chef telefoniert.",
        None,
    ),
    (
        "Иранец на приёме расспрашивал меня, с кем я переписываюсь в министерстве и с кем встречается мой начальник.",
        None,
    ),
    ("A Russian at the reception wanted to know who my boss is meeting next week and who he talks to.", None),
]


@pytest.mark.parametrize(("text", "kind"), APPROACHES)
def test_an_act_is_kept_whatever_is_said_beside_it(text: str, kind: ApproachType | None) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    if kind is not None:
        assert reading.primary == kind


LAWFUL = [
    "Someone from the union has been at the staff entrance handing out leaflets and asking people to sign up. "
    "Is that allowed on a site like ours? Who is going to have these lists?",
    "A patient wearing a headscarf asked the receptionist if there was a quiet room she could pray in, and asked "
    "about our opening hours during Ramadan. A nurse said we should report it.",
]


@pytest.mark.parametrize("text", LAWFUL)
def test_union_sign_up_and_a_place_to_pray_are_no_questions_about_work(text: str) -> None:
    assert read(text).scope == Scope.OUT_OF_SCOPE


TYPES = [
    (
        "На конференции мужчина расспрашивал, как устроена охрана на подстанции. "
        "Я перевёл разговор, а он опять вернулся.",
        ApproachType.ELICITATION,
    ),
    (
        "Подрядчик предложил мне бесплатную путёвку, а потом попросил показать заявки конкурентов до вскрытия.",
        ApproachType.INDUCEMENT,
    ),
    (
        "一家投标单位安排我们全家去三亚玩了五天，机票酒店都是他们订的。这周他让我把其他几家的报价透露一下。",
        ApproachType.INDUCEMENT,
    ),
    (
        "邮件显示发件人是王总：“今天下班前把供应商货款转到新账户，原账户冻结了，别声张”。",
        ApproachType.INVOICE_OR_PAYMENT_FRAUD,
    ),
    (
        "He kept asking how our datacentre access works, if it's badge + PIN or biometrics, and who has the keys.",
        ApproachType.ELICITATION,
    ),
]


@pytest.mark.parametrize(("text", "kind"), TYPES)
def test_false_friends_do_not_decide_the_type(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == kind


def test_quoted_speech_needs_a_pair_of_one_kind() -> None:
    text = 'he wrote «send it now» and "call me", then 「好的」 but a stray " opens nothing'
    spans = [text[a:b] for a, b in quoted_spans(text)]
    assert spans == ["«send it now»", '"call me"', "「好的」"]
    assert quoted_spans("no quotes at all") == []


def test_a_concession_is_a_contrast_right_after() -> None:
    text = "nothing happened at first. but then he asked"
    assert concessive(text, len("nothing happened")) > 0
    assert concessive("nothing happened. i went home and slept well that night, but", len("nothing happened")) == -1
