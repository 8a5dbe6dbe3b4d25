"""The approach type on act structures told in the reporter's words (issue 17, types round four).

Hand-written cases, one structure each, in six languages (none taken from the evaluation set):
the pretence in the reporter's own verb ("se faisait passer pour", "gab sich als ... aus"), a
threat that names who will be sent what, money offered for a handover of data or in cash (which
the paid-work cover does not outrank), the pretext of a bank-fraud call, a password that opens an
archive, a persona named in the form's answer, and the channel a scam or a question came by.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType

A_PRETENCE_IN_THE_REPORTERS_WORDS = [
    "Un homme se faisait passer pour le technicien de la mairie et voulait les plans du réseau.",
    "Ein Anrufer gab sich als Mitarbeiter unserer IT aus und verlangte die Zugangsliste des Labors.",
    "Una mujer se hacía pasar por la auditora del ministerio; el ministerio no tiene ninguna auditora con ese nombre.",
    "Мужчина выдавал себя за сотрудника нашего банка-партнёра, хотя такого сотрудника у них нет.",
    "有人冒充我们处长给同事打电话，要项目经费明细。",
    "A caller claimed to be from IT and asked for the rota of the server room; our IT says it never calls staff.",
    "Un homme s'est présenté comme contrôleur fiscal et a demandé nos contrats ; le fisc dit n'avoir appelé personne.",
    "Someone claimed to be from facilities and asked for the alarm codes schedule; facilities say nobody called.",
]


THREATS = [
    ("de", "Im Brief steht, sonst gehen die Fotos an meine Frau und an meinen Chef."),
    ("en", "He said the photos of me would go to my wife unless I copied the test results for him."),
    ("es", "Me dijeron que tienen fotos de tu hija a la salida del colegio, que lo pensara bien."),
    ("fr", "Il a dit que les photos iraient à ma femme si je ne lui donnais pas les plans."),
    ("ru", "Написали, что фото отправят жене, если я не передам им отчёт."),
    ("zh", "对方说如果我不配合，就把照片发给我老婆。"),
]


@pytest.mark.parametrize(("lang", "text"), THREATS)
def test_a_threat_that_names_who_will_be_sent_what_is_extortion(lang: str, text: str) -> None:
    assert read(text).primary == "extortion", lang


def test_money_for_a_handover_of_data_outranks_the_side_job_it_is_dressed_as() -> None:
    job = "A recruiter offered me a side job as a consultant."
    bribe = job + " He would pay 3,000 EUR in exchange for a copy of our customer database."
    assert read(job).primary == "fake_recruitment"
    reading = read(bribe)
    assert reading.primary == "inducement"
    assert "fake_recruitment" in reading.secondary
    assert {"exchange", "job_offer"} <= {act.name for act in reading.acts}


def test_cash_offered_for_a_note_is_a_bribe_not_paid_expertise() -> None:
    paid = read("A think tank offered me 800 EUR for a short paper on energy policy.")
    cash = read("He offered 800 EUR for a short paper on our internal planning, paid in cash if I prefer.")
    assert paid.primary == "fake_recruitment"
    assert cash.primary == "inducement"


def test_the_suspicious_transaction_of_a_bank_call_is_its_pretext_not_a_payment() -> None:
    text = (
        "Ein Anrufer von der Bank sagte, es gebe eine verdächtige Überweisung; zur Stornierung solle "
        "ich ihm den TAN-Code vorlesen."
    )
    reading = read(text)
    assert reading.primary == "credential_phishing"
    assert "payment" not in {act.name for act in reading.acts}


def test_a_password_that_opens_an_archive_is_no_credential_asked_for() -> None:
    text = "He emailed invoice_tool.exe in a zip, password 4711, and asked me to run it on the lab PC."
    reading = read(text)
    assert reading.primary == "malware_delivery"
    assert "credential" not in {act.name for act in reading.acts}


def test_source_code_is_no_code_to_read_out() -> None:
    text = "Une société propose de financer notre équipe à condition qu'on leur donne accès au code source."
    reading = read(text)
    assert reading.primary == "inducement"
    assert "credential" not in {act.name for act in reading.acts}


def test_the_persona_in_the_forms_answer_is_no_act_of_its_own() -> None:
    text = "A man at my running club keeps asking which satellites our team is testing and who leads the programme."
    answers = {"claimed": "said he is a freelance consultant"}
    assert read(text, "in_person", answers).primary == "elicitation"
    # A pretence named in the answer still adds to one the text shows.
    shown = read(
        "Someone using our director's name asked staff for the budget list.",
        "social",
        {"claimed": "fake profile of our director"},
    )
    assert shown.primary == "fake_profile_or_impersonation"


def test_a_dating_app_is_the_channel_the_questions_or_the_money_decide() -> None:
    questions = read("I met a woman on a dating app; she keeps asking which shifts the guards at our plant work.")
    money = read("I met a woman on a dating app; after a month she asked for money for a flight.")
    assert questions.primary == "elicitation"
    assert money.primary == "scam_or_spam"


@pytest.mark.parametrize(
    "text",
    [
        "The cleaner found a small voice recorder taped under the boardroom table.",
        "Уборщик нашёл под столом в переговорной диктофон.",
        "Encontramos una minicámara con tarjeta microSD dentro del detector de humo.",
    ],
)
def test_a_recorder_or_a_tiny_camera_found_is_technical_surveillance(text: str) -> None:
    assert read(text).primary == "technical_surveillance"


def test_followed_up_is_no_one_followed() -> None:
    assert "physical" not in {act.name for act in read("Has anyone followed up on the visitor from Tuesday?").acts}


def test_the_reasons_name_the_primary_types_acts_first() -> None:
    text = (
        "The 'director' emailed from a gmail address asking for an urgent transfer of 40,000 EUR to a new "
        "account. The director says he sent nothing."
    )
    reading = read(text)
    assert reading.primary == "invoice_or_payment_fraud"
    assert reading.acts[0].type == "invoice_or_payment_fraud"
    assert reading.scope_reason.startswith("the report describes an act (asked for a payment")


def test_the_type_model_was_trained_on_the_tuning_half_only() -> None:
    from io import BytesIO
    from pathlib import Path

    import numpy as np

    from watchword.analysis import reading, typemodel

    learned = typemodel.model()
    assert learned is not None
    assert sorted(learned.types) == sorted(t.value for t in reading._PRECEDENCE)
    data = reading.resources.files("watchword.analysis") / "data" / typemodel.MODEL_FILE
    with np.load(BytesIO(data.read_bytes())) as npz:
        names = [str(n) for n in npz["trained_on"]]
    tune = Path(__file__).resolve().parents[2] / "bench" / "reading" / "tune"
    assert names and all((tune / name).is_file() for name in names)


def test_the_tie_breaker_chooses_only_among_the_close_types_of_a_long_report() -> None:
    text = (
        "A man who said he worked for a consultancy met me after the conference and offered 2,000 EUR "
        "for a short paper on our supplier base, and added that he could also pay for a weekend in "
        "Vienna for my wife and me as a thank-you. He asked which subcontractors make the sensor "
        "housings and when the next delivery to the ministry is due. I said no and left."
    )
    assert len(text) >= 250
    reading = read(text, "in_person")
    assert reading.primary in set(reading.scores)
    assert {"fake_recruitment", "inducement"} <= {t.value for t in [reading.primary, *reading.secondary]}


# Round five: our own organisation impersonated decides over the scam, job ads or questions it
# then puts to the people it reaches; a payment it asks of our own staff keeps its precedence.
OUR_NAME_USED = [
    "A Facebook page is impersonating our school's admissions office and asking parents for enrolment fees.",
    "Jemand gibt sich auf Instagram als unsere Stiftung aus und verschickt Stellenangebote mit Bewerbungsgebühr.",
    "Un compte LinkedIn se fait passer pour notre laboratoire et publie de fausses offres d'emploi.",
    "Alguien se hace pasar por nuestro ayuntamiento en WhatsApp y pide una tasa por el certificado.",
    "Кто-то выдаёт себя за наш колледж во ВКонтакте и берёт деньги за «запись на курсы».",
    "有个公众号冒充我们学院发招聘广告，让应聘者交报名费。",
]


def test_a_transfer_asked_under_our_directors_name_stays_payment_fraud() -> None:
    text = "Someone pretending to be our director emailed accounts asking for an urgent transfer to a new account."
    assert read(text).primary == "invoice_or_payment_fraud"


TASK_SCAMS = [
    "A WhatsApp 'job': earn 200 dollars a day by rating hotels, then a deposit to unlock the next task level.",
    "Telegram: Videos liken für 50 Euro am Tag, dann eine Einzahlung zum Freischalten der nächsten Aufgabe.",
    "有人拉我进群刷单，说给商品点赞就返钱，后来要我先充值解锁任务。",
    "Мне предложили ставить лайки видео за деньги, а потом попросили депозит для следующего уровня заданий.",
]


THREATS_IN_THE_FIRST_PERSON = [
    "The email says: pay 3,000 euros in bitcoin or we will put everything online.",
    "Zahlen Sie bis Freitag, sonst stellen wir die Unterlagen ins Netz.",
    "Versez la somme avant lundi, sinon nous publions vos échanges.",
    "Transfieran el dinero; si no, publicamos los contratos.",
    "Переведите деньги до пятницы, иначе выложим переписку в сеть.",
    "对方说要我们转钱，不然就把合同发到网上。",
]


# A persona and the body named saying it sent no one or does not know them: the pretence is shown
# (claim + denial), in each language's own verb for both.
PERSONA_DENIED = [
    "Eine Frau, die sich als Prüferin der Aufsicht vorstellte, wollte die Kundenliste. Dort kennt sie niemand.",
    "Un homme se présentant comme contrôleur du ministère voulait nos contrats ; le ministère n'a envoyé personne.",
    "Un señor que dijo ser inspector de Hacienda pidió nuestros contratos; en Hacienda no lo conocen.",
    "Звонил человек, назвавшийся аудитором банка, просил список клиентов; в банке такого сотрудника нет.",
    "有人自称是总部审计处的，打电话要客户名单，总部说查无此人。",
]


WANTED_TO_GET_IN = [
    "A man who said he was from the water company wanted to get into the plant room; nobody had booked anything.",
    "Ein Mann in Arbeitsjacke wollte in den Technikraum, es gab keinen Auftrag.",
    "Мужчина в спецовке пытался пройти в щитовую, заявки не было.",
    "一个穿工作服的人非要进机房，物业说没有派单。",
]


FOLLOWED_OR_A_BLINKING_BOX = [
    ("physical_approach", "Al salir de la feria dos hombres nos siguieron hasta el aparcamiento."),
    ("physical_approach", "Двое мужчин шли за нами от вокзала до офиса."),
    ("technical_surveillance", "Behind the whiteboard we found a small device with a blinking LED."),
    ("technical_surveillance", "Derrière l'écran, un petit boîtier qui clignotait, que personne ne connaît."),
    ("technical_surveillance", "В переговорной под столом была коробочка с мигающим огоньком."),
]


@pytest.mark.parametrize(("kind", "text"), FOLLOWED_OR_A_BLINKING_BOX)
def test_being_followed_and_a_blinking_box_are_read(kind: str, text: str) -> None:
    assert read(text).primary == kind


def test_a_blinking_light_on_our_own_router_is_no_device_found() -> None:
    assert read("Our router has had a blinking light since the update, can IT look at it?").primary is None


NOT_WORKING_THERE_AT_ALL = [
    "Es stellte sich heraus, dass die angebliche Beraterin bei dieser Firma gar nicht arbeitet.",
    "Оказалось, что так называемый эксперт в этом институте вообще не работает.",
    "后来才知道，那个所谓的顾问根本不在那家公司任职。",
    "Кто-то использует имя и фото нашего директора в Telegram и пишет партнёрам.",
]


QR_CODES_TO_SCAN = [
    "A flyer on the car park asked staff to scan a QR code to renew their permits.",
    "Im Brief ein QR-Code zum Scannen, um den Werksausweis zu bestätigen.",
    "Une affiche demande de scanner le QR code pour payer le parking.",
    "Пришло письмо с QR-кодом для подтверждения входа в почту.",
    "电梯里贴了一张通知，让员工扫二维码登录邮箱。",
]


CONDITIONAL_DEMANDS = [
    "The message said our website would be taken offline next week unless we paid.",
    "Sie greifen unser Netz an, falls wir nicht bis Freitag zahlen.",
    "Утверждают, что у них есть запись с моей веб-камеры, и требуют денег.",
    "邮件说他们会瘫痪我们的网站，除非我们付钱。",
]


def test_an_ordinary_condition_is_no_threat() -> None:
    assert read("Falls Sie nicht erreichbar sind, rufe ich morgen wieder an.").primary is None


# Each group of sentences above, written in several languages for one structure, and the type every
# sentence of it must be read as (one test, an id per sentence).
TYPED_GROUPS: dict[str, tuple[str, list[str]]] = {
    "a_pretence_told_in_the_reporters_own_words_is_the_type": (
        "fake_profile_or_impersonation",
        A_PRETENCE_IN_THE_REPORTERS_WORDS,
    ),
    "our_organisation_impersonated_is_the_type": ("fake_profile_or_impersonation", OUR_NAME_USED),
    "a_paid_task_with_a_deposit_is_a_scam_not_a_recruiter": ("scam_or_spam", TASK_SCAMS),
    "a_threat_to_publish_in_the_first_person_is_extortion": ("extortion", THREATS_IN_THE_FIRST_PERSON),
    "a_persona_the_named_body_denies_is_a_pretence": ("fake_profile_or_impersonation", PERSONA_DENIED),
    "wanting_to_get_into_a_room_is_a_physical_approach": ("physical_approach", WANTED_TO_GET_IN),
    "a_persona_who_does_not_work_there_at_all_is_a_pretence": (
        "fake_profile_or_impersonation",
        NOT_WORKING_THERE_AT_ALL,
    ),
    "a_qr_code_to_scan_is_a_login_page_in_another_form": ("credential_phishing", QR_CODES_TO_SCAN),
    "a_demand_on_a_condition_is_extortion": ("extortion", CONDITIONAL_DEMANDS),
}


# Money offered for a stick buys what is on it: an inducement, with no device "found" and no file
# "sent" in the reasons. A stick handed over to be plugged in, and a stick found, keep their acts.
MONEY_FOR_A_STICK = [
    "A man offered me 500 euros for a USB stick with the project files.",
    "Un homme m'a offert 500 euros pour une clé USB avec les fichiers du projet.",
    "Ein Mann hat mir 500 Euro für einen USB-Stick mit den Projektdaten angeboten.",
    "Un hombre me ofreció 500 euros por un pendrive con los planos del proyecto.",
    "Мужчина предложил мне 500 евро за флешку с документами проекта.",
    "一个男人说愿意出5000元买我U盘里的项目资料。",
    # The same trade told as an exchange: "contre", "a cambio de", "gegen", "в обмен на", "in return for".
    "Au salon, un homme m’a proposé 2000 euros contre une clé USB avec nos plans.",
    "Me ofreció 2000 euros a cambio de un USB con los planos de la planta.",
    "Er bot mir 3000 Euro gegen einen USB-Stick mit den Konstruktionsdaten.",
    "Он предложил мне деньги в обмен на флешку с чертежами.",
    "He offered me a free trip to Dubai in return for a USB stick with the designs.",
]


@pytest.mark.parametrize("text", MONEY_FOR_A_STICK)
def test_money_offered_for_a_stick_is_an_inducement_not_a_device_found(text: str) -> None:
    reading = read(text)
    names = {act.name for act in reading.acts}
    assert reading.primary == ApproachType.INDUCEMENT
    assert "device" not in names
    assert "malicious_file" not in names


def test_a_stick_to_plug_in_or_found_keeps_its_act() -> None:
    plugged = read("Someone offered me 2000 dollars to plug a memory stick into a computer at work.")
    assert plugged.primary == ApproachType.MALWARE_DELIVERY
    found = read("I found a USB stick in the car park next to the reception entrance.")
    assert found.primary == ApproachType.TECHNICAL_SURVEILLANCE
    leaning = read("Nous avons trouvé une clé USB contre le mur du couloir, près de la salle du conseil.")
    assert leaning.primary == ApproachType.TECHNICAL_SURVEILLANCE


# -- types round ten: the confusions of the ninth round's held-out measure, on new sentences ----------
# A pretence the report shows by a profile with someone's photo and name, or by a check that failed
# (no one of that name there; the real person is not even on that platform): the impersonation
# decides over the list or the document it asks for (the questions keep their lower precedence).
PRETENCE_SHOWN_BY_A_COPIED_PROFILE_OR_A_FAILED_CHECK = [
    "Un compte Signal avec la photo et le nom de notre trésorière demande aux bénévoles la liste des donateurs.",
    "Un perfil con la foto y el nombre de nuestra gerente pide a los técnicos el inventario de la subestación.",
    "Профиль с фото и ФИО нашего проректора просит прислать список аспирантов с телефонами.",
    "Un profil reprenant le nom et la photo d'un ancien stagiaire demande la note interne sur le budget.",
    "A man said he was from the county archive and wanted our list of key holders. There is nobody at the archive"
    " by that name.",
    "Ein Konto, angeblich von unserem Kanzler, bat um die Raumpläne; der Kanzler ist gar nicht auf Signal.",
    "An account claiming to be our chief engineer asked the night shift for the valve schedule. He is not on"
    " WhatsApp at all.",
    "Un homme disant venir du rectorat a demandé la liste des enseignants ; le rectorat n'est au courant d'aucune"
    " enquête.",
    "Un perfil que decía ser nuestro director pidió la lista de proveedores; el director no usa WhatsApp.",
    "A caller saying she was from the regulator asked for our shift rota. The regulator told us they do no such thing.",
]

# Scams aimed at anyone, in the words the blind authors used for them: a fee to withdraw the "profits",
# a grandchild in trouble, an unclaimed fortune to share, interest too good to be true.
SCAMS_AS_PEOPLE_TELL_THEM = [
    "Un asesor de Telegram me hizo invertir en una plataforma; para retirar lo ganado me piden 400 euros.",
    "Pour retirer mes gains, on me demande de payer 15 % de frais sur la plateforme.",
    "Чтобы вывести деньги со счёта, мне сказали сначала заплатить комиссию 10 %.",
    "群里的老师说提现之前要先交一笔保证金。",
    "Meine Nachbarin bekam einen Anruf: Hallo Oma, ich bin's, ich brauche Geld für die Kaution.",
    "A letter from a lawyer says a late client left 9 million unclaimed and he proposes we share it 50/50.",
    "Auf LinkedIn bot mir jemand Festgeld mit 8 % Zinsen bei einer Bank in Zypern an.",
    "Our tips inbox gets a dozen mails a day selling backlinks and guest post packages.",
]

# Threats said the ways the authors wrote them: a condition then what will be made public.
THREATS_TO_PUBLISH_AS_WRITTEN = [
    "Exigen 20.000 euros en una semana; si no, publicarán los correos de la junta.",
    "Il veut que je retire ma plainte, sinon il publie les photos.",
    "Zahlt bis Freitag, oder wir veröffentlichen die Mitgliederliste.",
    "Требуют пять биткоинов, в противном случае база клиентов будет опубликована.",
    "他说如果我不把名单发给他，就把聊天记录发到单位。",
    "They want 2 BTC by Monday or they publish the patient files.",
]

# A transfer asked for with the sum said first, an advance, a new account, gift cards by brand.
PAYMENTS_AS_WRITTEN = [
    "邮件要求下班前把20万元转到一个新加坡账户。",
    "Der angebliche Vorstand wollte eine Anzahlung von 90.000 € an eine Kanzlei.",
    "Pidió transferir 8.000 euros hoy mismo a una cuenta nueva.",
    "Sie sollte schnell Google-Play-Karten kaufen und ihm die Codes schicken.",
    "Me pidió comprar tarjetas de Amazon y mandarle fotos de los códigos.",
]

# A laptop's BIOS changed while it was away: tampering, a device act (and a biosafety lab is no BIOS).
BIOS_TAMPERING = [
    "After the trip my laptop said the BIOS settings had been changed.",
    "После поездки ноутбук сообщил, что настройки BIOS изменены.",
    "出差回来开机提示BIOS设置被更改。",
    "插座上多了一个没有牌子的充电头，行政说不是他们放的。",
]

# Paid expertise as the cover, in words the paid-work list did not have.
PAID_EXPERTISE = [
    "Une société me propose des missions d'expertise à distance sur nos sous-traitants.",
    "Me ofrecieron 300 euros por una charla sobre nuestros contratos.",
    "Ein Institut will mich als externe Beraterin für Berichte über unsere Lieferketten.",
    "She offered me a paid internship summarising unpublished work from our lab.",
]

# A gift delivered before the ask (the questions that follow keep their lower precedence).
A_GIFT_THEN_THE_ASK = [
    "A courier brought me a watch worth about 600 GBP from the bidder; a week later he asked for the tender scores.",
    "The vendor gave our buyer a new tablet, then asked her which price the other bidders had quoted.",
    "Der Händler hat uns ein Wochenende im Skihotel spendiert und fragte dann nach den Angeboten der Konkurrenz.",
    "El distribuidor me mandó a casa una cesta con vino y luego me preguntó por los precios de la competencia.",
    "中秋节供应商给我寄了一箱水果，后来问我其他几家的报价是多少。",
]


# Each group of sentences above and the type every sentence of it must be read as.
ROUND_TEN_GROUPS: dict[str, tuple[str, list[str]]] = {
    "a_pretence_shown_by_a_copied_profile_or_a_failed_check_is_the_type": (
        "fake_profile_or_impersonation",
        PRETENCE_SHOWN_BY_A_COPIED_PROFILE_OR_A_FAILED_CHECK,
    ),
    "a_scam_told_as_people_tell_it_is_a_scam": ("scam_or_spam", SCAMS_AS_PEOPLE_TELL_THEM),
    "a_threat_to_publish_as_written_is_extortion": ("extortion", THREATS_TO_PUBLISH_AS_WRITTEN),
    "a_transfer_or_gift_cards_asked_for_are_payment_fraud": ("invoice_or_payment_fraud", PAYMENTS_AS_WRITTEN),
    "a_bios_changed_or_a_charger_found_is_technical_surveillance": ("technical_surveillance", BIOS_TAMPERING),
    "paid_expertise_is_the_recruitment_cover": ("fake_recruitment", PAID_EXPERTISE),
    "a_gift_then_the_ask_is_an_inducement": ("inducement", A_GIFT_THEN_THE_ASK),
}


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        pytest.param(expected, text, id=f"{group}-{n}")
        for group, (expected, texts) in (TYPED_GROUPS | ROUND_TEN_GROUPS).items()
        for n, text in enumerate(texts)
    ],
)
def test_every_sentence_of_a_group_is_read_as_its_type(expected: str, text: str) -> None:
    assert read(text).primary == expected


def test_a_word_that_only_begins_like_a_cue_is_not_that_act() -> None:
    # "share the evaluati|on", "send |on|e", "опубликует|е", "present|ant", "poste de garde", "bios|afety"
    asked = read("The supplier asked whether I could share the evaluation criteria for the tender.")
    assert "threat" not in {act.name for act in asked.acts}
    assert asked.primary == "elicitation"
    promised = read("She said she'd send one and nothing arrived; she wanted our network diagram.")
    assert "threat" not in {act.name for act in promised.acts}
    soon = read("Он предложил 2000 долларов за копию отчёта, мол, «всё равно скоро опубликуете».")
    assert soon.primary == "inducement"
    presenting = read("Un homme se présentant comme chercheur m'a invitée à un café et m'a interrogée sur nos essais.")
    assert "offer" not in {act.name for act in presenting.acts}
    guard = read("Il a demandé les horaires de relève du poste de garde.")
    assert "job_offer" not in {act.name for act in guard.acts}
    corridor = read("A man without a badge followed me into the biosafety lab corridor.")
    assert corridor.primary == "physical_approach"


def test_a_gift_card_sent_to_the_reporter_is_a_gift_not_a_purchase_asked() -> None:
    sent = read("Un proveedor me mandó a casa una tarjeta regalo de 300 € y luego me preguntó por las otras ofertas.")
    assert sent.primary == "inducement"
    assert "payment" not in {act.name for act in sent.acts}
    asked = read("Mi jefa me pidió por WhatsApp comprar tarjetas regalo de 100 € y mandarle los códigos.")
    assert asked.primary == "invoice_or_payment_fraud"


def test_a_photo_to_send_is_a_request_not_someone_photographing_the_premises() -> None:
    reading = read("有人冒用我们主任的头像和名字，让大家把值班表拍照发给他。")
    assert "physical" not in {act.name for act in reading.acts}
    assert reading.primary == "fake_profile_or_impersonation"
