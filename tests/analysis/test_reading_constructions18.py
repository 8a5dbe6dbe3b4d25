"""Constructions behind out-of-scope requests read as acts, and approaches refused beside a ground
(issue 17, reading18r). Each construction is written here in the languages where it exists, with the
approach it must not swallow beside it:

- questions about pay, hours or working conditions put by a union organiser are union talk, not
  questions about the organisation's work ("il pose beaucoup de questions sur les salaires");
- a request passed on that names the person to report ("m'a demandé de vous la signaler", "the manager
  asked me, as club secretary, to report it", "我妈让我来问问") is no act done to the reporter;
- a relative's visit to the family home ("表哥每年回国都会来我家吃饭") is a family habit, not a visit;
- a device word in the organisation's policy ("USB ist bei uns gesperrt") or a person "manipulated from
  outside" is no device;
- being photographed at a protest told after it ("war bei einer Demo und wurde dort fotografiert"), a
  protest named in one German compound ("Friedensdemo"), a drone as a contract's subject;
- a journalist giving her own name and number is no offer;
- "after a couple of normal questions she started asking about ..." is no "nothing was done";
- a Chinese deadline without 如果 ("72小时内不付……就全部公开") is an ultimatum, "(not the real agency)"
  and "非官方域名" a pretence.

The sentences are written from the taxonomy, not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.analysis.reading_text import opened_by_after
from watchword.domain import ApproachType, Scope

A = ApproachType


@pytest.mark.parametrize(
    "text",
    [
        # Union organising: questions about pay and hours.
        "A colleague from the union hands out leaflets at the gate. He asks people about their wages and overtime. "
        "Should we be worried?",
        "Une collègue, déléguée CGT, distribue des tracts. Elle pose beaucoup de questions sur les salaires. "
        "Est-ce normal ?",
        "Ein Kollege verteilt Flyer für den Betriebsrat. Er fragt die Leute nach ihren Arbeitszeiten und "
        "Überstunden. Soll man aufpassen?",
        # Relayed requests naming the person.
        "Une journaliste a contacté notre service de presse. Un chef de service m'a demandé de vous la signaler "
        "parce qu'elle critique l'hôpital. Faut-il faire quelque chose ?",
        "A volunteer has been handing out union leaflets. The manager asked me, as the secretary, to report it "
        "because he thinks it's infiltration.",
        # A relative's visit.
        "我舅舅一家在加拿大，每年回国都会来我家吃饭。我妈让我来问问要不要登记一下，你们查一下他吧。",
        # A device word in a policy; a person manipulated from outside.
        "Mein Kollege ist mit einer Russin verheiratet. Er hat Zugriff auf die Zeichnungen, USB ist bei uns aber "
        "gesperrt. Bitte um diskrete Überprüfung von ihm.",
        "Un militant syndical fait signer une pétition. La direction craint qu'il soit « manipulé par "
        "l'extérieur ». Pouvez-vous enquêter sur lui ?",
        # Protests.
        "Zwei Kollegen waren bei der Friedensdemo vor dem Werk. Gehört das gemeldet?",
        "Eine Praktikantin war bei einer Demo gegen Mieterhöhungen und wurde dort fotografiert. Müssen wir das "
        "melden?",
        # Journalism through the press office.
        "Forwarding for review: a reporter emailed the press office asking for an interview with our CEO about "
        "the drone export contract. She gave her name, outlet and phone number. Should we treat this as an "
        "intelligence approach?",
    ],
)
def test_out_of_scope_requests_are_caught(text: str) -> None:
    assert read(text).scope is Scope.OUT_OF_SCOPE, read(text).scope_reason


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Questions about the organisation's work are still elicitation beside pay.
        (
            "A man at the bar asked me how much our engineers earn and which projects the lab is working on for "
            "the ministry.",
            A.ELICITATION,
        ),
        (
            "Un inconnu m'a posé beaucoup de questions sur les horaires des gardiens et l'accès au site.",
            A.ELICITATION,
        ),
        # A stranger at the door is still a visit.
        ("两个陌生男子昨晚来我家，问我在研究所做什么项目。", A.ELICITATION),
        # A device found, in a report that names no policy.
        (
            "We found a USB stick taped under the reception desk this morning; nobody from IT put it there.",
            A.TECHNICAL_SURVEILLANCE,
        ),
        # Photographing the site is still a physical approach.
        (
            "A man stood at our fence for an hour photographing the loading bay and the guard hut.",
            A.PHYSICAL_APPROACH,
        ),
        # "After normal questions" opens the act, beside a faith.
        (
            "A caller said she was doing a poll. After a couple of normal questions she started asking about our "
            "director specifically: where she lives, whether she has police protection since the threats over "
            "her being Jewish, and which nights she works late.",
            A.ELICITATION,
        ),
        # A Chinese deadline without 如果, beside a political slogan.
        (
            "公司邮箱收到一封邮件，说已经拿到我们的客户名单，48小时内不付比特币就全部公开。邮件里还有很多政治口号。",
            A.EXTORTION,
        ),
        # A pretence shown beside a word of origin.
        (
            "Email from a 'programme officer' at migrant-aid-agency.example (not the real agency) asking for a "
            "call with our director. The signature was copied from our annual report.",
            A.FAKE_PROFILE_OR_IMPERSONATION,
        ),
        (
            "宣传部门接到一名自称记者的来电，要求提供项目的交付计划。经核实，报社无此记者，对方邮箱是非官方域名。",
            A.FAKE_PROFILE_OR_IMPERSONATION,
        ),
    ],
)
def test_approaches_stay_in_scope(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope is Scope.IN_SCOPE, reading.scope_reason
    assert kind in reading.scores, reading.scores


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("after a couple of normal questions she asked", "normal questions"),
        ("nach ein paar normalen fragen wollte sie", "normalen fragen"),
        ("apres quelques questions normales, elle a demande", "questions normales"),
        ("после пары обычных вопросов она спросила", "обычных вопросов"),
        ("问了几个正常的问题之后，她开始问", "正常的问题"),
    ],
)
def test_normal_questions_opened_by_after(text: str, words: str) -> None:
    start = text.index(words)
    assert opened_by_after(text, start, start + len(words))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("she asked normal questions. after that she left", "normal questions"),
        ("after the meeting. the questions were normal questions", "normal questions"),
        ("问题都很正常。", "问题都很正常"),
    ],
)
def test_normal_questions_not_opened_by_after(text: str, words: str) -> None:
    start = text.index(words)
    assert not opened_by_after(text, start, start + len(words))
