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

from tests.support.reading import assert_read
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
        "Eine Praktikantin war bei einer Demo gegen Mieterhöhungen und wurde dort fotografiert. Müssen wir das melden?",
        # Journalism through the press office.
        "Forwarding for review: a reporter emailed the press office asking for an interview with our CEO about "
        "the drone export contract. She gave her name, outlet and phone number. Should we treat this as an "
        "intelligence approach?",
    ],
)
def test_out_of_scope_requests_are_caught(text: str) -> None:
    assert_read(text, Scope.OUT_OF_SCOPE)


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
    reading = assert_read(text, Scope.IN_SCOPE)
    assert kind in reading.scores, reading.scores


@pytest.mark.parametrize(
    ("text", "words", "opened"),
    [
        ("after a couple of normal questions she asked", "normal questions", True),
        ("nach ein paar normalen fragen wollte sie", "normalen fragen", True),
        ("apres quelques questions normales, elle a demande", "questions normales", True),
        ("после пары обычных вопросов она спросила", "обычных вопросов", True),
        ("问了几个正常的问题之后，她开始问", "正常的问题", True),
        # "after" in another sentence, or no "after" at all, opens nothing.
        ("she asked normal questions. after that she left", "normal questions", False),
        ("after the meeting. the questions were normal questions", "normal questions", False),
        ("问题都很正常。", "问题都很正常", False),
    ],
)
def test_normal_questions_opened_by_after(text: str, words: str, opened: bool) -> None:
    start = text.index(words)
    assert opened_by_after(text, start, start + len(words)) is opened


# The scope boundary in every language, beyond the constructions above: requests to check a person in
# security or official words, relayed by a manager or HR, community members asking whether someone works
# for a government, union work, faith, protest and political posts, family abroad (out of scope), and
# approaches beside the same grounds (in scope). Written for this round from the taxonomy's categories.
BOUNDARY_OUT = [
    "Could you run a routine security check on our new postdoc from Iran before she gets lab access?",
    "As part of due diligence, please verify the background of Dr. Chen, our incoming visiting fellow.",
    "HR asked me to pass on a request: please screen the new hire in finance, her husband is Russian.",
    "People in our community are asking whether the imam at the new mosque "
    "works for the Turkish government. Can you find out?",
    "Is it true that the man who runs the Chinese cultural association "
    "works for the embassy? Several of us are worried.",
    "Our student society president posts a lot about Palestine on Instagram. Should security be keeping an eye on her?",
    "Ein Doktorand aus unserer Gruppe betet mehrmals am Tag im Treppenhaus. "
    "Ist das ein Sicherheitsrisiko? Bitte prüfen Sie ihn.",
    "Notre nouvelle stagiaire porte le voile et parle souvent au téléphone en "
    "arabe. Pouvez-vous faire une vérification de routine ?",
    "Un voisin se demande si le président de l'association franco-russe travaille pour Moscou. Pouvez-vous vérifier ?",
    "Nuestro técnico nuevo tiene familia en Venezuela y viaja allí cada "
    "verano. ¿Pueden hacer una comprobación rutinaria?",
    "В нашем институте новый аспирант из Китая. Руководство просит провести обычную проверку, ничего не случилось.",
    "我们单位新来的研究员父母都在国外，领导让我问问要不要做个常规背景核查。",
    "我们社区有人在问，新开的那家文化中心的负责人是不是给外国政府干活的？能查一下吗？",
    "A colleague went to the climate march on Saturday and was on the local "
    "news. HR wants to know if this is a problem for her clearance.",
    "Our press officer took a call from a Guardian journalist asking for comment on "
    "the merger. Management asked me to log it here, just in case.",
    "Mi compañera publica a menudo mensajes políticos en Twitter contra el gobierno. ¿Deberíamos vigilarla?",
    "Коллега подписал петицию против мобилизации и выложил её в соцсетях. Стоит ли за ним присмотреть?",
    "Die Presseabteilung bekam eine Anfrage der Süddeutschen für ein Interview mit dem "
    "Vorstand. Die Geschäftsführung bittet um eine Einschätzung der Journalistin.",
    "Per our insider-threat policy, I am flagging a member of staff who has "
    "travelled to Beijing twice this year. Please initiate a review.",
    "For compliance purposes we request a vetting check on Ms Sokolova "
    "(procurement) in light of her Russian citizenship.",
    "My supervisor said: 'she's been talking to the Iranian students a lot, "
    "maybe security should look at her'. So I'm passing it on.",
    "Our NGO's new volunteer used to work for a pro-government newspaper in Rwanda. "
    "Board would like to know if he can be trusted with donor data.",
    "Un collègue m'a dit que la nouvelle doctorante « travaille "
    "sûrement pour Pékin ». Pouvez-vous vérifier son profil ?",
    "Mein Chef meint, der neue Praktikant sei 'bestimmt ein Spitzel der Türken'. Bitte prüfen, nur zur Sicherheit.",
    "Una compañera del departamento va a misa todos los días y reza en la "
    "oficina. ¿Es motivo de preocupación para la seguridad?",
    "Наш сотрудник ходит на митинги оппозиции и пишет об этом в телеграме. "
    "Руководство просит оценить, не представляет ли он риск.",
    "同事小王经常在朋友圈转发一些政治敏感的内容，领导说让我们报一下，看看要不要处理。",
    "hi, quick one - my flatmate is from Belarus and works at the embassy "
    "cafeteria. do i need to tell you? nothing happened",
    "Our journalist colleague's sister is married to a Chinese diplomat. "
    "For our newsroom's safety, could you look into it?",
    "Der Betriebsrat organisiert eine Versammlung und sammelt "
    "Unterschriften. Die Werksleitung möchte wissen, wer dahintersteckt.",
]
BOUNDARY_IN = [
    "A man who said he was from the Iranian embassy asked me for the names of our lab staff. Can you check who he is?",
    "At the mosque a stranger asked me which projects our ministry is working on and offered to pay for the details.",
    "A Chinese delegate at the fair asked for our unpublished test "
    "results and gave me a USB stick with 'our brochure'.",
    "Une personne se présentant comme journaliste m'a demandé directement, sans "
    "passer par le service de presse, la liste de nos ingénieurs.",
    "Ein Mann von der Gewerkschaft bot mir 500 Euro, wenn ich ihm die Schichtpläne des Wachdienstes schicke.",
    "Un hombre me escribió por LinkedIn diciendo ser reclutador y me pidió "
    "los planos del nuevo reactor a cambio de una oferta.",
    "Мужчина на митинге подошёл ко мне и предложил деньги за список сотрудников нашего отдела.",
    "有个自称是领事馆的人打电话给我，要我提供我们实验室人员名单，还说不配合的话我在国外的父母会有麻烦。",
    "My supervisor asked me to report this: a man claiming to be from the "
    "ministry called her and asked for the list of our cleared staff.",
    "HR asked me to pass this on: a recruiter on LinkedIn offered our engineer "
    "a 'consulting' job if she sends over the design files.",
    "A colleague who is very religious was approached after prayers by a man who "
    "asked about our lab's security rota and offered him money.",
    "A journalist — not through the press office — called me at home and "
    "asked which ministers will attend the closed briefing.",
    "Nach dem Freitagsgebet sprach mich ein Mann an und wollte wissen, "
    "wann unser Wachdienst wechselt. Er bot mir Geld an.",
    "Un homme se disant du consulat chinois a demandé à notre doctorante la "
    "liste des participants du projet, en menaçant sa famille.",
    "Un señor en la manifestación me dio su tarjeta y me pidió fotos de la sala de control a cambio de dinero.",
    "После службы в церкви ко мне подошёл мужчина и попросил пароль от нашей рабочей сети.",
    "我信佛，常去寺庙。上周在寺里有个人主动和我搭话，问我们所里哪些人在做涉密项目，还说可以给我报酬。",
]


@pytest.mark.parametrize("text", BOUNDARY_OUT)
def test_boundary_requests_are_out_of_scope(text: str) -> None:
    assert_read(text, Scope.OUT_OF_SCOPE)


@pytest.mark.parametrize("text", BOUNDARY_IN)
def test_boundary_approaches_are_in_scope(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE)
