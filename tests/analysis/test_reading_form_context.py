"""The guided form's context in the approach type (issue 17: "the form's context counts").

Hand-written cases (none taken from the evaluation set). On the in-person form ("Someone approached
me in person") the way the person came near — followed the reporter, or posed as someone — is the
cover, and what they asked for decides: elicitation, the pretence or the physical act kept beside it.
On the visitor form ("A visitor or an intrusion") a weak sign of someone where they should not be
(no badge, wandering about) is the act the form names, so it outranks the questions asked.
Without the form the same words keep their old precedence.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType

A = ApproachType

IN_PERSON = [
    (
        "After my talk a man followed me to the car park and asked which ministries buy the sensor and when "
        "the next field test is.",
        A.PHYSICAL_APPROACH,
    ),
    (
        "Nach meinem Vortrag ist mir ein Mann bis zum Parkplatz gefolgt und hat gefragt, welche Ministerien den "
        "Sensor kaufen und wann der nächste Feldtest ist.",
        A.PHYSICAL_APPROACH,
    ),
    (
        "Après ma conférence, un homme m'a suivi jusqu'au parking et m'a demandé quels ministères achètent le "
        "capteur et quand a lieu le prochain essai.",
        A.PHYSICAL_APPROACH,
    ),
    (
        "At the reception a man posing as a journalist from a trade paper asked me which ministries buy the "
        "sensor and when the next field test is.",
        A.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    (
        "En el congreso un hombre que se hacía pasar por periodista me preguntó qué ministerios compran el "
        "sensor y cuándo es la próxima prueba.",
        A.FAKE_PROFILE_OR_IMPERSONATION,
    ),
]


@pytest.mark.parametrize(("text", "cover"), IN_PERSON)
def test_on_the_in_person_form_the_questions_decide_and_the_cover_is_kept(text: str, cover: ApproachType) -> None:
    told = read(text, "in_person")
    assert told.primary == A.ELICITATION
    assert cover in told.secondary
    # Through no form, the pretence or the physical act keeps its precedence over the questions.
    assert read(text).primary == cover


VISITOR = [
    "A man was wandering around the third floor without a badge and asked a colleague where the server room "
    "is and who has the keys.",
    "Ein Mann lief ohne Ausweis im dritten Stock herum und fragte eine Kollegin, wo der Serverraum ist und "
    "wer die Schlüssel hat.",
    "Un homme sans badge au troisième étage a demandé à une collègue où se trouve la salle des serveurs et qui "
    "a les clés.",
]


@pytest.mark.parametrize("text", VISITOR)
def test_on_the_visitor_form_a_weak_sign_of_intrusion_is_the_act_it_names(text: str) -> None:
    assert read(text, "visitor").primary == A.PHYSICAL_APPROACH
    assert read(text).primary == A.ELICITATION
    assert "physical_hint" in {act.name for act in read(text, "visitor").acts}
