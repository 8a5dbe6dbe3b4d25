"""Acts read by their construction rather than by a fixed wording (seventeenth round).

- An ultimatum: a condition the victim must meet and a harm that follows, in one sentence, in either
  order, whatever is demanded and whatever is threatened: extortion, whoever made it and whatever
  politics, faith or origin it names.
- A device found or tampered with: a thing that can watch or listen and how it was found (hidden,
  plugged in, owned by nobody, in the same or the next sentence); a phone or laptop out of sight and
  what was wrong with it afterwards.
- A weak act beside nothing but a nationality, faith or party asks for detail; it is never turned away.

The sentences are written from the taxonomy, not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

A = ApproachType

ULTIMATUMS = [
    "An anonymous email says they will leak our donor list to the newspapers unless we pay 3 BTC by Monday.",
    "The message said: withdraw the report on the harbour contract or they go to the press with our emails.",
    "Un mail anonyme : si vous ne versez pas 10 000 €, les dossiers des patients seront divulgués.",
    "Ils ont écrit qu'ils enverront les photos à ma femme si je ne leur donne pas le planning des gardes.",
    "Ein Unbekannter schrieb, falls wir nicht bis Freitag zahlen, gehen die Verträge an die Konkurrenz.",
    "Per Brief: Wenn Sie den Artikel nicht zurückziehen, veröffentlichen wir Ihre privaten Nachrichten.",
    "Nos escribieron que si no les pasamos la lista de socios, subirán los audios del presidente a internet.",
    "Un correo dice que publicarán los contratos de la fundación si no pagamos antes del lunes.",
    "Пришло сообщение: если не передадите график смен, переписку директора опубликуем в телеграме.",
    "Написали, что разошлют фото всем коллегам, если я не сообщу им пароль от общего диска.",
    "对方发消息说，如果我们不在周五前转账，就把客户资料公开到网上。",
    "有人给我写信，要我交出项目名单，否则把我的聊天记录发给我的领导。",
]


@pytest.mark.parametrize("text", ULTIMATUMS)
def test_an_ultimatum_is_extortion_whatever_its_wording(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.EXTORTION


# The threatener names politics, faith or origin: the ultimatum is still what was done to the reporter.
ULTIMATUMS_BESIDE_A_GROUND = [
    "A group calling itself patriots of the nation says it will publish our internal emails unless we cancel "
    "the lecture by the imam.",
    "Des militants d'extrême gauche écrivent : sinon tout sera publié, si vous ne nous envoyez pas les plans du site.",
    "Eine Gruppe, die sich als iranische Opposition ausgibt, droht nicht, sondern schreibt: Wenn wir nicht zahlen, "
    "landen die Akten bei der Presse.",
    "Un grupo que dice ser musulmán escribe que si no retiramos el artículo, difundirán las fotos del director.",
]


@pytest.mark.parametrize("text", ULTIMATUMS_BESIDE_A_GROUND)
def test_an_ultimatum_beside_a_ground_is_never_turned_away(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.EXTORTION


# No ultimatum: the reporter wondering whether ("je me demande s'il ne faudrait pas suivre ce qu'il
# publie"), a phishing pretext ("if you do not verify, your account will be suspended"), a condition
# with no harm after it.
NO_ULTIMATUM = [
    "Je me demande s'il ne faudrait pas suivre ce qu'il publie sur Facebook.",
    "I wonder if we should not tell his manager about the posts he publishes.",
    "If you do not verify your account within 24 hours it will be suspended, the text said, with a link.",
    "Unless you tell me otherwise, I will leave the report as it is.",
]


@pytest.mark.parametrize("text", NO_ULTIMATUM)
def test_no_ultimatum_without_a_harm_put_as_a_condition(text: str) -> None:
    assert "ultimatum" not in {a.name for a in read(text).acts}


DEVICES = [
    "In the meeting room we found a small camera taped behind the smoke detector. Nobody from facilities put it there.",
    "There was a small adapter behind the screen in the boardroom, blinking. It is not ours.",
    "Im Besprechungsraum hing hinter dem Bildschirm ein kleines Kästchen mit Kabel. Hat keiner von der IT eingebaut.",
    "Caméra miniature trouvée dans le détecteur de fumée de la salle du conseil.",
    "En la sala de juntas apareció una cámara pequeña pegada detrás del detector de humo.",
    "В переговорной под столом нашли маленький микрофон. Никто из наших его не ставил.",
    "会议室的桌子下面发现一个小盒子，粘在桌板底下。不是我们公司的。",
    "At the border my laptop was taken into another room for forty minutes. Afterwards it was warm and had restarted.",
    "Mein Diensthandy lag während des Abendessens im Hotelzimmer im Safe. Danach war es neu gestartet.",
    "J'avais laissé le portable dans le coffre de la chambre. Au retour il était tiède alors que je l'avais éteint.",
    "Dejé el portátil en la caja fuerte de la habitación. Al volver estaba caliente y cambiado de sitio.",
    "Телефон забрали на досмотре на полчаса. Потом он сам перезагрузился и был горячий.",
    "笔记本放在酒店房间的保险柜里。回来发现电脑摆放的方向变了，提示登录失败三次。",
]


@pytest.mark.parametrize("text", DEVICES)
def test_a_device_found_or_tampered_with_read_by_construction(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.TECHNICAL_SURVEILLANCE


# Not a device act: a security camera, a visitor's questions about cameras, a Chamber of Commerce,
# a hotel safe with nothing wrong after it.
NO_DEVICE = [
    "The security camera behind reception was installed by facilities last year.",
    "Un hombre preguntó qué zonas tienen cámaras. En la mezquita casi nadie lo conoce.",
    "Vino una visita de la Cámara de Comercio y la encontramos dentro del laboratorio haciendo fotos.",
    "I left my passport in the hotel safe and it was fine when I came back.",
]


@pytest.mark.parametrize("text", NO_DEVICE)
def test_no_device_act_without_a_device_found_or_tampered_with(text: str) -> None:
    names = {a.name for a in read(text).acts}
    assert not names & {"planted", "custody"}


# A weak act beside a nationality, faith or party, and nothing about a person: asks for detail, is
# never turned away. With a request about the person or "nothing was done", the ground decides as before.
def test_a_weak_act_beside_a_ground_asks_for_detail() -> None:
    reading = read(
        "Ich bin iranischer Herkunft. Seit zwei Wochen bekomme ich Nachrichten von einer unbekannten Nummer. "
        "Sonst bekomme mein Vater Probleme mit seinem Pass."
    )
    assert reading.scope == Scope.NEEDS_DETAIL, reading.scope_reason


def test_a_ground_with_nothing_done_is_still_turned_away() -> None:
    reading = read(
        "Un collègue va à la mosquée tous les vendredis et parle beaucoup au téléphone en arabe. "
        "Il n'a rien fait, mais pouvez-vous vérifier qui il est ?"
    )
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


# A question put to us about what to do about a person, read by its grammar (a verb of what the
# service does, in a sentence ending in a question mark), with no act read: about the person.
QUESTIONS_ABOUT_A_PERSON = [
    "Our new lodger is from abroad and works at the airport. Is he on any kind of watchlist we should check?",
    "Zwei Kollegen aus der Fertigung waren mit Schildern auf der Friedensdemo. Muss man das melden?",
    "Une collègue porte le voile et va à la mosquée le vendredi. Faut-il le déclarer ?",
    "Mi vecino es extranjero y recibe muchas visitas. ¿Ustedes podrían vigilarlo un poco?",
    "Новый аспирант часто остаётся в лаборатории допоздна. Можете последить за его соцсетями?",
    "我们科室一个同事的父母都在加拿大，她每年都去探亲。是不是应该登记一下？",
]


@pytest.mark.parametrize("text", QUESTIONS_ABOUT_A_PERSON)
def test_a_question_put_to_us_about_a_person_is_out_of_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


# A question about where to report ("is this where I report ...?") asks about the channel: detail.
QUESTIONS_ABOUT_THE_CHANNEL = [
    "Is this the right place to report something that happened to a colleague? She doesn't want to report it herself.",
    "Lo del otro día con el técnico de Teams, ¿lo reporto aquí o a sistemas? Hay más cosas.",
    "C'est bien ici qu'on signale un souci avec un collègue ?",
]


@pytest.mark.parametrize("text", QUESTIONS_ABOUT_THE_CHANNEL)
def test_a_question_about_where_to_report_asks_for_detail(text: str) -> None:
    assert read(text).scope == Scope.NEEDS_DETAIL
