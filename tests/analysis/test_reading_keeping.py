"""Keeping real approaches: the ground guard, "agent" as a spy only, and act wordings in six languages.

The sentences are written from the taxonomy (an act done to the reporter, told the way a witness tells
it), not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

A = ApproachType

# An act done to the reporter, then "can you check who he is?": the approach. Each is written twice,
# with and without a nationality, faith or party beside the act; both must be kept, since the ground
# is never part of a refusal when an act done to the reporter is read.
ASKED_THEN_CHECK = [
    (
        "Au salon, un Russe m'a demandé la liste des ingénieurs du projet. Pouvez-vous vérifier qui il est ?",
        "Au salon, un homme m'a demandé la liste des ingénieurs du projet. Pouvez-vous vérifier qui il est ?",
    ),
    (
        "En la feria, un hombre cubano me pidió la lista de los ingenieros del proyecto. ¿Pueden comprobar quién es?",
        "En la feria, un hombre me pidió la lista de los ingenieros del proyecto. ¿Pueden comprobar quién es?",
    ),
    (
        "На выставке мужчина из Ирана спросил меня, какие заказчики у нашего отдела. Проверьте, кто он такой.",
        "На выставке мужчина спросил меня, какие заказчики у нашего отдела. Проверьте, кто он такой.",
    ),
    (
        "展会上一个伊朗人问我我们项目的客户名单。能不能查一下他是谁？",
        "展会上一个人问我我们项目的客户名单。能不能查一下他是谁？",
    ),
    (
        "After Friday prayers a man asked me which lab I work in and who funds it. Can you check him?",
        "After the seminar a man asked me which lab I work in and who funds it. Can you check him?",
    ),
    (
        "Auf der Messe hat mich ein Mann von der Linkspartei gefragt, welche Kunden wir beliefern. "
        "Können Sie prüfen, wer er ist?",
        "Auf der Messe hat mich ein Mann gefragt, welche Kunden wir beliefern. Können Sie prüfen, wer er ist?",
    ),
]


@pytest.mark.parametrize(("with_ground", "without"), ASKED_THEN_CHECK)
def test_a_ground_beside_an_act_done_to_the_reporter_never_turns_it_away(with_ground: str, without: str) -> None:
    plain = read(without)
    assert plain.scope == Scope.IN_SCOPE, plain.scope_reason
    reading = read(with_ground)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == plain.primary == A.ELICITATION
    # The analyst is told that the ground was seen and plays no part.
    assert "plays no part in the assessment" in reading.scope_reason


@pytest.mark.parametrize(
    "text",
    [
        # The ground alone, and a request to look at the person: still turned away.
        "Un agent de notre service va à la synagogue tous les samedis. Faut-il le signaler ?",
        "Our new colleague is from Iran and prays at lunch. Can you check his background?",
        # "Agent" said of a spy is still a feeling about a person.
        "Je pense que c'est un agent étranger, pouvez-vous vérifier ?",
        "Ich glaube, er ist ein Agent. Können Sie ihn überprüfen?",
    ],
)
def test_the_ground_or_a_suspicion_alone_is_still_turned_away(text: str) -> None:
    assert read(text).scope == Scope.OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # "Agent" as an officer or a representative is no suspicion of a spy.
        (
            "Un agent de la douane m'a pris mon ordinateur portable pendant une heure dans une pièce à part.",
            A.TECHNICAL_SURVEILLANCE,
        ),
        (
            "Un agent de joueurs a offert deux places en loge à un membre du jury, puis lui a demandé "
            "la liste des joueurs retenus.",
            A.INDUCEMENT,
        ),
    ],
)
def test_an_agent_who_is_an_officer_is_no_suspicion(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A threat made as a condition on going on with one's work, or on what will come out.
        ("If you continue with the story, the photos will end up in every newspaper.", A.EXTORTION),
        ("Si vous continuez l'enquête, des photos de votre vie privée seront envoyées à votre femme.", A.EXTORTION),
        ("Wenn Sie weiter recherchieren, werden die Fotos an Ihre Familie geschickt.", A.EXTORTION),
        ("Si sigue investigando, estas fotos saldrán en todos los periódicos.", A.EXTORTION),
        ("Если вы продолжите расследование, фото окажутся в интернете.", A.EXTORTION),
        ("如果你继续调查，这些照片就会发到网上。", A.EXTORTION),
        # Questions about a site's staffing at night and where its critical rooms are.
        ("At the trade fair a visitor asked how many people work in our control room at night.", A.ELICITATION),
        ("Auf der Messe fragte ein Besucher, wie viele Leute nachts im Rechenzentrum arbeiten.", A.ELICITATION),
        (
            "Au salon, un visiteur m'a demandé combien de personnes travaillent la nuit dans la salle de contrôle.",
            A.ELICITATION,
        ),
        ("En la feria un visitante preguntó cuántas personas hay de noche en el centro de datos.", A.ELICITATION),
        ("На выставке посетитель спросил, сколько человек ночью дежурит в диспетчерской.", A.ELICITATION),
        ("展会上有个访客问我们机房晚上有多少人值班。", A.ELICITATION),
        # A device disturbed while away.
        ("Back from the trip: there were fresh scratches around the screws of my laptop.", A.TECHNICAL_SURVEILLANCE),
        ("Nach der Dienstreise war das Siegel auf dem Laptop eingerissen.", A.TECHNICAL_SURVEILLANCE),
        ("Al volver, el precinto del portátil estaba despegado.", A.TECHNICAL_SURVEILLANCE),
        ("Ноутбук в гостиничном сейфе лежал не так, как я его оставил.", A.TECHNICAL_SURVEILLANCE),
        ("酒店保险箱里的手机被人放到了桌上，开机后提示检测到新的指纹。", A.TECHNICAL_SURVEILLANCE),
        # Followed, told in the present.
        ("Уже неделю за мной ходит один и тот же мужчина, вчера он ехал за мной в метро.", A.PHYSICAL_APPROACH),
        # An account "has been" blocked.
        ("Me llegó un SMS: su cuenta ha sido bloqueada, verifique sus datos en este enlace.", A.CREDENTIAL_PHISHING),
    ],
)
def test_acts_told_in_a_witness_words_are_read(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == kind


@pytest.mark.parametrize(
    "text",
    [
        # The reporter pointing us at someone to ask puts no question to anyone.
        "Fragen Sie mal die Kollegin an der Pforte, mir kam gestern etwas komisch vor.",
        "Something odd happened at reception yesterday, maybe ask our receptionist about it.",
    ],
)
def test_pointing_us_at_someone_to_ask_is_no_question_put(text: str) -> None:
    assert read(text).scope == Scope.NEEDS_DETAIL


@pytest.mark.parametrize(
    "text",
    [
        # Conditions that are not threats.
        "If you continue to have problems logging in, call the service desk.",
        "Si vous continuez à avoir des soucis, appelez le support.",
    ],
)
def test_a_condition_without_a_threat_is_no_threat(text: str) -> None:
    assert A.EXTORTION not in read(text).scores
