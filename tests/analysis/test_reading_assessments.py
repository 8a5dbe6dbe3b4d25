"""An assessment of a person is no act done to the reporter: the fourteenth round.

Written here, in six languages, for the constructions (none is copied from the evaluation set): whether
someone "poses a threat" ("не представляет ли он угрозы", "ob er eine Gefahr darstellt") is a question
about them, not a threat made, nor ("представляет") someone presenting themselves as another; access a
person "will have" is a permission, not an attempt to get in; photos of oneself at a protest are no
photographing of the organisation; a request to look into someone may be a noun ("une enquête sur un
technicien", "una revisión de sus contactos") or a wish passed on ("il voudrait qu'on vérifie"). On the
other side, a pretence shown (a fake page of "our rector", which the real one denies) is done to the
organisation whoever it wrote to, and "nobody from the embassy called" is the claimed body's denial. The
rules are read without the learned scope reading (`read`), so each case rests on the wording lists and
the scope decision.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

ABOUT_A_PERSON = [
    "Le service du personnel nous transmet ceci : un nouveau soudeur a des cousins en Tunisie. "
    "Ils souhaitent savoir s'il représente un risque avant de lui donner accès à l'atelier.",
    "Отдел кадров передаёт просьбу: у нового программиста мать живёт в Китае. Не представляет ли он угрозы?",
    "La direction souhaiterait une vérification concernant une stagiaire dont le père vit au Maroc. "
    "Elle va bientôt avoir accès aux plans.",
    "Desde recursos humanos nos trasladan que un becario milita en un partido. "
    "Preguntan si es posible una revisión de sus contactos antes de darle acceso al archivo.",
    "Die Personalabteilung lässt ausrichten: ein neuer Kollege hat Verwandte in der Türkei. "
    "Er soll bald Zugang zum Leitstand bekommen. Bitte prüfen Sie, ob er eine Gefahr darstellt.",
    "Our new engineer will get access to the control room next month. His wife is Russian. "
    "Should this be reported for his vetting?",
    "She regularly photographs herself at climate protests and posts it on Instagram. Could you monitor her account?",
    "Mon responsable m'a demandé de vous écrire au sujet d'un collègue qui a signé une pétition contre le "
    "gouvernement. Il voudrait qu'on vérifie.",
    "人事部那边转来一个请求：新来的工程师父母在国外，希望你们核实一下他的背景。",
]


@pytest.mark.parametrize("text", ABOUT_A_PERSON)
def test_an_assessment_of_a_person_is_out_of_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, (reading.scope, [a.name for a in reading.acts], reading.scope_reason)


KEPT = [
    # A pretence shown, told to the reporter's students and staff: done to the organisation.
    (
        "Someone made a Facebook page of our dean with his photo and writes to our students asking for the "
        "phone numbers of the department staff. The real dean has no Facebook account. Please look into it.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    # The claimed body's denial with the verb before "nobody", beside a ground (activists).
    (
        "Un hombre llamó diciendo que era del consulado y pidió la lista de los activistas del proyecto; "
        "el consulado nos confirmó que no había llamado nadie.",
        ApproachType.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    # A real threat still reads as one beside the new "poses a threat" wording elsewhere.
    (
        "He threatened to publish my private photos unless I send him the plans. I don't think he poses a "
        "risk to anyone else.",
        ApproachType.EXTORTION,
    ),
    # When the protection officers change over is a security arrangement asked about; the relation the
    # caller claimed ("her nephew") is his claim, not what the report rests on.
    (
        "A man rang the ward asking which room the senator was in and what time the police protection "
        "officers change over. He said he was her nephew.",
        ApproachType.ELICITATION,
    ),
    # Investment scams.
    (
        "Ich wurde in eine WhatsApp-Gruppe mit Trading-Signalen aufgenommen, man soll über eine App Krypto kaufen.",
        ApproachType.SCAM_OR_SPAM,
    ),
    (
        "Des collègues reçoivent des SMS de placements crypto garantis avec un numéro WhatsApp.",
        ApproachType.SCAM_OR_SPAM,
    ),
]


@pytest.mark.parametrize(("text", "kind"), KEPT)
def test_an_act_is_kept_with_its_type(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, (reading.scope, reading.scope_reason)
    assert reading.primary == kind, (reading.primary, [a.name for a in reading.acts])
