"""The scope guard: reports of acts are in scope; reports of who someone is are not.

Every example is hand-written for this suite. The in-scope list deliberately
includes reports that also mention nationality, faith or origin: the act
decides, not the person's background.
"""

from __future__ import annotations

import pytest

from watchword.analysis.classify import classify
from watchword.analysis.scope import guard_scope
from watchword.domain import ApproachType, Document, Scope

IN_SCOPE = [
    "A Chinese man at the conference asked me for our chip roadmap and offered to pay.",
    "Someone who said he was from IT called and asked for my VPN password.",
    "I found a USB stick labelled 'salaries' in the car park outside building 3.",
    "A woman photographed the entrance of our lab and the badge readers for ten minutes.",
    "A man followed me from the office to the station two days in a row.",
    "A visitor without a badge tried to enter the server room behind a colleague.",
    "Somebody tailgated through the turnstile this morning and disappeared into the stairwell.",
    "A recruiter on LinkedIn offered me a paid consulting project about our satellite programme.",
    "A headhunter wants me to write freelance reports on our company's defence contracts for a think tank.",
    "After the trade fair a supplier offered me an expensive watch and a paid trip to Dubai.",
    "My Russian neighbour, who I like, asked me very detailed questions about our security arrangements.",
    "A man at the mosque I attend kept asking about the project I work on and who my colleagues are.",
    "An Iranian student offered me cash in exchange for copies of internal documents.",
    "Someone sent me an email with a link to a fake login page that looked like our intranet.",
    "I received a message on WhatsApp asking me to open an attachment with our new price list.",
    "The 'CEO' wrote asking me to buy gift cards urgently and send the codes.",
    "A drone was circling over the test site for an hour on Tuesday.",
    "I found a strange device plugged into the network port under the meeting room table.",
    "Someone tampered with the lock of the archive room overnight.",
    "A person pretending to be a journalist asked about our customer list and our pricing.",
    "A fake profile claiming to work at our partner company asked me about the prototype schedule.",
    "At dinner a delegate pressed me about our travel plans and the names of the engineers on the team.",
    "He threatened to publish photos unless I gave him access to the building plans.",
    "Un hombre me preguntó por el proyecto y por la seguridad del edificio, y me ofreció dinero.",
    "Un homme a demandé des informations sur notre projet et a proposé un voyage payé.",
    "Ein Mann fragte mich nach dem Projekt und bot mir Geld an.",
    "Um homem perguntou sobre o projeto e a segurança e ofereceu dinheiro.",
    "A man with a strong accent offered me money if I would copy the design drawings.",
    "Somebody left a charging cable in the lobby that nobody recognises; it was plugged into a kiosk.",
    "The new supplier rep keeps asking which colleagues have access to the lab.",
]

OUT_OF_SCOPE = [
    "My neighbour is Russian and goes to the Orthodox church, I think he is a spy.",
    "My colleague attends protests and has Iranian friends.",
    "The new intern is Chinese, I find that suspicious.",
    "There is a man in accounts who prays five times a day.",
    "A woman in my team wears a headscarf and speaks Arabic on the phone.",
    "My coworker is a member of a political party I consider extremist.",
    "He has a strong foreign accent and keeps to himself.",
    "Our cleaner is from Ukraine and has relatives in Russia.",
    "I saw a colleague at a demonstration last weekend.",
    "The contractor is married to a Chinese woman, he might be an agent.",
    "My manager goes to the synagogue every Saturday.",
    "He is Muslim and very religious, I think we should watch him.",
    "She posts political opinions online that I strongly disagree with.",
    "He speaks Russian with his friends at lunch.",
    "The guy in IT is Iranian and always very quiet, he could be a spy.",
    "My neighbour has a lot of foreign visitors at his house.",
    "Mein Nachbar ist Russe und geht in die Kirche, ich glaube er ist ein Spion.",
    "Mi compañero es chino y habla con sus amigos en chino.",
    "Mon collègue est iranien et participe à des manifestations.",
    "O meu colega é russo e vai à igreja ortodoxa.",
    "Il mio collega è cinese, mi sembra sospetto.",
    "My colleague never asked me anything about work, but he is from Iran.",
    "He didn't ask about the project; he just talks about religion all the time.",
    "The new engineer grew up in China and still has family there.",
    "I think the woman at the coffee machine is a spy, she looks foreign.",
    "He voted for a party that wants closer ties with Russia.",
    "Our intern is an activist and is friends with journalists.",
]


def _report(text: str, hint: str = "") -> Document:
    doc = Document(kind="text", text_input=text, approach_hint=hint)
    classify(doc)
    guard_scope(doc)
    return doc


@pytest.mark.parametrize("text", IN_SCOPE)
def test_a_concrete_act_is_in_scope_whoever_did_it(text: str) -> None:
    doc = _report(text)
    assert doc.scope == Scope.IN_SCOPE, doc.scope_reason
    assert doc.scope_reason.startswith("In scope")
    assert doc.approach_type != ApproachType.BENIGN


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_who_someone_is_is_never_a_report(text: str) -> None:
    doc = _report(text)
    assert doc.scope == Scope.OUT_OF_SCOPE, doc.scope_reason
    assert doc.approach_type == ApproachType.BENIGN
    assert doc.risk == 0.0
    assert "Thank you" in doc.scope_reason
    assert any("out of scope" in r for r in doc.reasons)


def test_examples_are_generous_and_varied() -> None:
    assert len(IN_SCOPE) >= 25
    assert len(OUT_OF_SCOPE) >= 25
    assert len(set(IN_SCOPE) | set(OUT_OF_SCOPE)) == len(IN_SCOPE) + len(OUT_OF_SCOPE)


def test_in_scope_reason_says_background_plays_no_part() -> None:
    """GIVEN an act and a mention of origin WHEN guarded THEN the reason says the origin is ignored."""
    doc = _report("A Chinese man at the conference asked me for our chip roadmap and offered to pay.")
    assert "nationality or origin plays no part" in doc.scope_reason


def test_out_of_scope_reason_names_the_ground_kindly() -> None:
    doc = _report("My neighbour is Russian and goes to the Orthodox church, I think he is a spy.")
    assert "nationality or origin" in doc.scope_reason
    assert "faith or religious practice" in doc.scope_reason
    assert "please send a new report" in doc.scope_reason


def test_guided_form_hint_does_not_rescue_a_report_about_identity() -> None:
    doc = _report("My colleague attends protests and has Iranian friends.", hint="elicitation")
    assert doc.scope == Scope.OUT_OF_SCOPE
    assert doc.approach_type == ApproachType.BENIGN


def test_emails_are_in_scope_by_default() -> None:
    doc = Document(kind="email", text_input="my neighbour is Russian")
    guard_scope(doc)
    assert doc.scope == Scope.IN_SCOPE


def test_empty_and_vague_reports_need_detail_and_are_never_typed_benign() -> None:
    for text in ("", "Something odd happened today, can someone call me?"):
        doc = _report(text)
        assert doc.scope == Scope.NEEDS_DETAIL
        assert doc.approach_type == ApproachType.UNDETERMINED
        assert "What did they do or ask you for?" in doc.scope_reason


@pytest.mark.parametrize(
    "text",
    ["x" * 100_000, "asked " * 20_000, "\x00\ufffd<script>" * 500, "🙂" * 5000, "Russian. " * 3000],
)
def test_odd_input_never_raises(text: str) -> None:
    _report(text)


def test_an_out_of_scope_reason_can_be_told_again_in_another_language() -> None:
    """The reporter's page retells the guard's English reason in their language from its parts
    (services/guidance.py): every combination of grounds and basis must come back out of the text."""
    from itertools import combinations

    from watchword.analysis.scope import GROUND_WORDS, explanation_parts, out_of_scope_explanation

    names = list(GROUND_WORDS)
    for size in range(4):
        for grounds in combinations(names, size):
            for about_a_person in (False, True):
                text = out_of_scope_explanation(list(grounds), about_a_person)
                assert explanation_parts(text) == (list(grounds), about_a_person and not grounds)
