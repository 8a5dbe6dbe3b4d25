"""Judgements about who someone is, denials of a claimed identity, and a manager's question: the thirteenth round.

Written here, in six languages, for the constructions (none is copied from the evaluation set): a
reporter wondering whether someone works for a foreign service ("je me demande s'il ne travaille
pas pour...", whose "ne" is no denial; "me pregunto si no trabaja para...", whose "pregunto" is no
question put to the reporter) or asking us to find out who someone is, with no act done to them, is
turned away; a claimed identity with the claimed body's denial ("there is no such office", "он
вообще не в курсе") is a pretence, read before the questions it carried. The rules are read without
the learned scope reading (`read`), so each case rests on the wording lists and the scope decision.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

JUDGEMENTS = [
    "Je me demande s'il ne travaille pas pour les services de son pays. Il est toujours très discret sur sa famille.",
    "Me pregunto si no trabaja para algún gobierno extranjero. Es muy reservado.",
    "Serait-il possible de faire une petite vérification sur M. Petrov, notre nouveau prestataire ? Simple précaution.",
    "Pouvez-vous me dire qui est vraiment cet homme ? Il se dit chercheur mais je n'en suis pas sûre.",
    "Ich möchte Sie bitten, sich über meinen Nachbarn zu informieren. Er bekommt nachts Besuch.",
    "Je souhaiterais que vous vous renseigniez sur mon collègue Karim, il passe ses vacances en Algérie.",
    "Notre nouvelle collègue parle souvent en russe au téléphone et demande à tout le monde d'où ils viennent. "
    "Je me demande si elle est vraiment qui elle prétend être.",
    "My manager asked me to put this in the system. Some of the staff are organising to join the union and "
    "hand out leaflets. Management wants to know if there is outside influence behind it and who is leading it.",
]


@pytest.mark.parametrize("text", JUDGEMENTS)
def test_a_judgement_or_a_request_about_who_someone_is_is_out_of_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, (reading.scope, [a.name for a in reading.acts])


KEPT = [
    # "me preguntó si no teníamos...": folded like "me pregunto", and a question put to the reporter
    (
        "En la feria un hombre me preguntó si no teníamos planos del prototipo y quién dirigía el proyecto.",
        ApproachType.ELICITATION,
    ),
    # the claimed body's denial: "no trabaja allí" after "confirma que" is still a denial
    (
        "Una cuenta que dice ser periodista de un diario nos escribe pidiendo los nombres y teléfonos de las "
        "familias que acompañamos. El diario confirma que no trabaja allí.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    (
        "A man rang the council offices saying he was from the Office of the Regional Inspector and needed a "
        "full staff list with direct numbers. There is no such office.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    (
        "Написал в вк якобы наш бывший начальник, просит скинуть номера всех из отдела. Я ему позвонил по "
        "старому номеру — он вообще не в курсе.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    # a claimed press officer writing on a messenger is no journalism through the press office
    (
        "В телеге написал какой-то человек, представился из пресс-службы министерства, спрашивал, когда "
        "спуск на воду заказа и кто у нас главный конструктор.",
        ApproachType.ELICITATION,
    ),
    (
        "Un étudiant iranien m'a envoyé un fichier .exe en disant que c'était son mémoire. Pourriez-vous vérifier ?",
        ApproachType.MALWARE_DELIVERY,
    ),
]


@pytest.mark.parametrize(("text", "kind"), KEPT)
def test_an_act_is_kept_and_typed_beside_the_same_words(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, (reading.scope, reading.basis)
    assert reading.primary == kind, (reading.primary, reading.scores)


def test_an_english_critical_is_no_spanish_criticism_and_a_trip_abroad_no_origin() -> None:
    assert (
        "political views or lawful activity"
        not in read('Our NOC got an email: "Critical security patch - install within 24h". Nobody downloaded it.').basis
    )
    assert (
        "nationality or origin"
        not in read(
            "Mission à l'étranger la semaine dernière. J'avais laissé le PC portable dans le coffre de la chambre."
        ).basis
    )
