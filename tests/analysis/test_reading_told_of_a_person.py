"""Words of an act told of the person a report asks us to watch (issue 17, "no request to watch a person
accepted"): a negation carried over a coordination, a completed passive that is no threat, someone filmed
by the press. Each made a strong act of what the reporter told of that person, which outweighed the
request to look into them.

"He hasn't contacted us or threatened anything, he just posts. Could you keep tabs on him?" asks us to
watch a person and says no act was done: the negator before "contacted" also governs "threatened"
after "or". Read as two words back only, "threatened" was a threat done to the organisation, which
outweighed the request to watch him. The negation now reaches over "or" / "nor" / "oder" / "ou" / "o" /
"или" / "noch" (and the first half of "neither ... nor", "weder ... noch") within the same clause; a comma
or a full stop ends it, so an affirmative act after a negated clause is still read.

The sentences are written from the taxonomy, not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.analysis.reading_text import negated
from watchword.domain import ApproachType, Scope

A = ApproachType


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("he hasn't contacted us or threatened anything", "threatened"),
        ("he never called me or asked for anything", "asked"),
        ("she neither called nor threatened us", "threatened"),
        ("er hat weder angerufen noch gedroht", "gedroht"),
        ("er hat nicht angerufen oder gedroht", "gedroht"),
        ("il n'a pas appele ou menace qui que ce soit", "menace"),
        ("no llamo o amenazo a nadie", "amenazo"),
        ("он не звонил или угрожал", "угрожал"),
    ],
)
def test_a_negation_reaches_over_a_coordination(sentence: str, word: str) -> None:
    assert negated(sentence, sentence.index(word))


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        # A comma ends the negated clause: what follows is told as done.
        ("she never said who she was or why, then threatened to leak our files", "threatened"),
        ("he didn't give his name, or he threatened me", "threatened"),
        # No negator before the coordination.
        ("he called me or texted me and threatened to publish our emails", "threatened"),
        ("they will publish the photos or send them to the press", "send"),
        # Too far back: another clause's negator.
        ("it was not the first time this month that the man at the gate called or threatened", "threatened"),
    ],
)
def test_an_affirmative_act_after_a_coordination_stays_affirmative(sentence: str, word: str) -> None:
    assert not negated(sentence, sentence.index(word))


OUT, IN = Scope.OUT_OF_SCOPE, Scope.IN_SCOPE

# (the report, its scope, its primary approach type when it is one)
TOLD_OF_A_PERSON = [
    # A request to watch a person beside a negated act: no act was done, so out of scope.
    (
        "He hasn't called us or threatened anyone, he just posts angry things online. Could you keep an eye on him?",
        OUT,
        None,
    ),
    (
        "A former volunteer posts a lot about our association. He never wrote to us or threatened anything. "
        "Please monitor his account.",
        OUT,
        None,
    ),
    ("He neither called nor threatened us, he only posts about the company. Please monitor his account.", OUT, None),
    (
        "Ein ehemaliger Mitarbeiter schreibt viel über uns im Netz. Er hat weder angerufen noch gedroht. "
        "Können Sie ihn beobachten?",
        OUT,
        None,
    ),
    # The approach told before or after such a clause is still read, and "can you check who he is?"
    # after it asks about the approacher, whoever is named.
    (
        "He didn't give his name, and threatened to publish our emails unless we pay. Can you check who he is?",
        IN,
        A.EXTORTION,
    ),
    ("She never said who she was or why, then threatened to leak our donor list unless we pay 2 BTC.", IN, A.EXTORTION),
    (
        "An Iranian man called me or my colleague twice and threatened to publish our contracts unless we pay. "
        "Can you find out who he is?",
        IN,
        A.EXTORTION,
    ),
    # A completed passive tells what happened to someone's photos, not a threat: "照片被发到网上了" (the
    # photos were posted online). The same words as a threat ("不给钱就把照片发到网上", "就会被发到网上")
    # still are.
    ("我们部门一位同事参加了一次集会，她的照片被发到网上了。要不要查一下她？", OUT, None),
    ("对方说如果不转账，我的照片就会被发到网上。", IN, A.EXTORTION),
    ("有人威胁我说不给钱就把照片发到网上。", IN, A.EXTORTION),
    ("他说要把我们的聊天记录发到公司，除非我把项目名单给他。", IN, A.EXTORTION),
    # Filmed or photographed *by the press* ("a été filmé par la télé"): what journalists did to the
    # person the report is about, told of them, not someone photographing our site. Beside a request to
    # watch that person it is out of scope; someone photographing the site is still the act.
    (
        "Un membre de notre association est allé à une manifestation et a été filmé par la télé. Il faudrait le "
        "surveiller, non ?",
        OUT,
        None,
    ),
    ("A colleague was filmed by the local TV crew outside the town hall. Should we investigate him?", OUT, None),
    ("Ein Kollege wurde vom Fernsehen vor dem Rathaus gefilmt. Sollten wir ihn überprüfen?", OUT, None),
    ("Un compañero fue grabado por la tele delante del ayuntamiento. ¿Habría que vigilarlo?", OUT, None),
    (
        "A man photographed our gate for twenty minutes and then filmed the car park. Can you check him?",
        IN,
        A.PHYSICAL_APPROACH,
    ),
    (
        "Un homme a photographié l'entrée du site et filmé le parking depuis sa voiture. "
        "Pouvez-vous vérifier qui c'est ?",
        IN,
        A.PHYSICAL_APPROACH,
    ),
]


@pytest.mark.parametrize(("text", "scope", "primary"), TOLD_OF_A_PERSON)
def test_what_is_told_of_a_person_is_read_as_an_act_only_when_one_was_done(
    text: str, scope: Scope, primary: ApproachType | None
) -> None:
    reading = read(text)
    assert reading.scope == scope, reading.scope_reason
    if primary is not None:
        assert reading.primary == primary
