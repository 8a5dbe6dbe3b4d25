"""The tenth round's readings (issue 17): a judgement of a colleague, the reporter's own question
whether something is a threat, a march photographed, the press office as a way out or a witness, an
antivirus that flagged a file, a paid stay abroad offered.

"Mon collègue prend des photos partout ... je trouve ça bizarre" tells of someone of the reporter's
own circle and what they do as a habit, and a judgement of them: a feeling about a person, out of
scope. The same judgement after an approach made to a colleague ("my student was offered a paid
stay for our data, I find it shady") changes nothing. Every sentence here is written for this suite,
never copied from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.learnedscope import read_report
from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

A = ApproachType

# Habits of a colleague or a neighbour, and the reporter's judgement of them: out of scope, by the
# rules alone, in every language.
JUDGED_HABITS = [
    "My coworker takes pictures of everything on our lunch walks. I find it strange for someone in our team.",
    "Ma voisine de bureau prend des photos partout à la cantine. Je trouve ça louche.",
    "Mein Kollege fotografiert in der Mittagspause ständig die Straßen. Das kommt mir merkwürdig vor.",
    "Mi compañero saca fotos de todo cuando salimos a comer. Me parece raro.",
    "Наша лаборантка постоянно фотографирует всё подряд на телефон. Мне кажется, это подозрительно.",
    "新来的实习生总是打听大家的工资和家里情况，我觉得这人靠不住。",
]


@pytest.mark.parametrize("text", JUDGED_HABITS)
def test_a_judgement_of_a_colleagues_habits_is_a_feeling_about_a_person(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason
    assert reading.primary is None


# The same judgement beside an act done to a colleague or the organisation: in scope, typed.
JUDGED_APPROACHES = [
    (
        "My student was offered a fully paid stay abroad if he shares our raw datasets with his hosts. "
        "I find it shady.",
        A.INDUCEMENT,
    ),
    (
        "Quelqu'un se faisant passer pour notre directrice a écrit aux chercheurs pour avoir la liste "
        "des experts. Je trouve ça louche.",
        A.FAKE_PROFILE_OR_IMPERSONATION,
    ),
    ("有人冒充我们处长给几位同事发微信，让他们把评审名单发过去，同事觉得不对劲。", A.FAKE_PROFILE_OR_IMPERSONATION),
]


@pytest.mark.parametrize(("text", "kind"), JUDGED_APPROACHES)
def test_a_judgement_beside_an_approach_to_a_colleague_changes_nothing(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == kind


# A judgement of a stranger met once, with nothing done, asks for detail: it is no report about a
# colleague, and no act can be read.
def test_a_judgement_of_a_stranger_with_nothing_done_is_not_turned_away() -> None:
    reading = read("Someone at the workshop made me feel uneasy, I can't say why. I find it strange.")
    assert reading.scope == Scope.NEEDS_DETAIL, reading.scope_reason


# The reporter's question whether it is a threat is no threat made.
@pytest.mark.parametrize(
    "text",
    [
        "A reporter asked our press office for an interview about the job cuts. Should we treat this as a threat?",
        "Журналист через пресс-службу попросил интервью с директором. Нужно ли это проверить как угрозу?",
        "Un journaliste est passé par le service de presse pour une interview. Est-ce une menace ?",
    ],
)
def test_asking_whether_it_is_a_threat_reads_no_threat(text: str) -> None:
    reading = read(text)
    assert A.EXTORTION not in reading.scores
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


@pytest.mark.parametrize(
    "text",
    [
        "He wrote that he would post the photos unless I paid. Should we treat this as a threat?",
        "Он написал, что опубликует фото, если я не заплачу. Это угроза?",
    ],
)
def test_a_threat_told_beside_the_question_still_counts(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.EXTORTION


# Being filmed at a march is what the colleague did, not an act done to them: with a request to look
# into them, out of scope; being followed after one is still an act.
@pytest.mark.parametrize(
    "text",
    [
        "One of our nurses was filmed at the housing protest on Sunday holding a banner. Can you check whether "
        "she belongs to some radical group?",
        "Наша сотрудница была снята на митинге с плакатом, это показали по телевизору. Проверьте её, пожалуйста.",
    ],
)
def test_filmed_at_a_protest_is_no_physical_act(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


def test_followed_home_after_a_protest_is_still_an_act() -> None:
    reading = read("After the protest a man in a grey car followed me home and photographed my front door.")
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == A.PHYSICAL_APPROACH


# A caller sent on to the press office, or the press office quoted as confirming, is no journalism.
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "A man rang reception saying he was writing a thesis and asked which gate the fuel lorries use "
            "and when the guards change. Our receptionist told him to email the press office and he hung up.",
            A.ELICITATION,
        ),
        (
            "Ein Anrufer gab sich als Beamter vom Zoll aus und brauche dringend die Namen aller Mitarbeiter "
            "im Lager. Laut Pressestelle des Zolls gibt es ihn nicht.",
            A.FAKE_PROFILE_OR_IMPERSONATION,
        ),
    ],
)
def test_press_office_as_a_way_out_or_a_witness_is_no_journalism(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert kind in reading.scores


# An antivirus that flagged what was sent is a malicious file, whatever faith is named beside it.
@pytest.mark.parametrize(
    "text",
    [
        "Our Muslim colleague got an email with an attachment and the antivirus quarantined it.",
        "Сотрудник-мусульманин сообщил, что ему прислали письмо с вложением, которое антивирус отметил как вирус.",
        "一个信佛的同事收到陌生邮件，附件打开时杀毒软件报警。",
        "Unser Kollege bekam eine Mail mit Anhang, der Virenscanner schlug sofort Alarm.",
    ],
)
def test_an_antivirus_alert_reads_a_malicious_file(text: str) -> None:
    reading = read_report(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.MALWARE_DELIVERY


# A paid stay abroad offered is an offer; "in two weeks at the fair" is a date, not a trip.
@pytest.mark.parametrize(
    "text",
    [
        "A supplier offered me a week in Dubai.",
        "Un fournisseur m'a proposé deux semaines à Dubaï.",
        "Ein Lieferant bot mir eine Woche in Dubai an.",
        "Un proveedor me ofreció una semana en Dubái.",
        "Поставщик предложил мне неделю в Дубае.",
        "供应商说可以请我去迪拜玩一周。",
    ],
)
def test_a_stay_abroad_offered_is_an_inducement(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.INDUCEMENT


def test_a_date_weeks_ahead_is_no_trip_offered() -> None:
    reading = read("He asked what I do and offered to meet again in two weeks at the fair.")
    assert A.INDUCEMENT not in reading.scores


# Requests to look into a person in Russian and Chinese wordings not listed before.
@pytest.mark.parametrize(
    "text",
    [
        "Нельзя ли навести справки о нашем новом переводчике? Он слишком много знает о чужих делах.",
        "Хотелось бы, чтобы вы проверили соседа по общежитию, он иностранец.",
        "Думаю, наш новый инженер работает на конкурентов: всё время что-то фотографирует в цеху.",
        "对门邻居天天有外国人来，还经常拍照，麻烦你们去查一下。",
        "我想举报我们部门的小李，他经常和境外的人视频聊天。",
        "有个学生是外地来的，总打听实验室的项目，要不要防着他？",
    ],
)
def test_requests_and_suspicions_about_a_person_are_turned_away(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


def test_a_stranger_demanding_lists_is_an_approach() -> None:
    reading = read_report(
        "Незнакомец представился сотрудником прокуратуры и по телефону потребовал списки сотрудников с допуском."
    )
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason


# A virus named as the caller's pretext is no file sent: the password asked for is the act.
@pytest.mark.parametrize(
    "text",
    [
        "Un soi-disant technicien m'a dit que mon ordinateur contient un virus et m'a demandé mon mot de passe.",
        "Звонивший сказал, что мой компьютер заражён вирусом, и попросил продиктовать пароль от почты.",
    ],
)
def test_a_virus_named_as_a_pretext_is_no_file_sent(text: str) -> None:
    reading = read(text)
    assert reading.primary == A.CREDENTIAL_PHISHING


# Pay or it goes to the parents' group: a threat in Chinese however the "then" is worded; a post
# already made ("他就发到群里了") is none.
def test_pay_or_it_is_posted_is_a_threat_in_chinese() -> None:
    reading = read("单位邮箱收到匿名信，说如果一周内不转三万元，就发到家长群和网上。")
    assert reading.primary == A.EXTORTION
    assert A.EXTORTION not in read("他拍了照片，就发到群里了。").scores


# The reporter's own words are no request and no question: "I said I'd need to check with my head of
# department", "quería saber si esto es normal", "je voulais savoir si". An offer made beside them
# stays the act, whatever country is named.
def test_the_reporters_own_check_is_no_request() -> None:
    reading = read(
        "A visiting professor from Iran said his institute could donate a spectrometer to our group. In return "
        "he'd like our unpublished calibration data. I said I'd need to check with my head of department."
    )
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == A.INDUCEMENT


@pytest.mark.parametrize(
    "text",
    [
        "Dos compañeros del taller están organizando un sindicato. Uno es argelino. Quería saber si esto es normal.",
        "Deux collègues montent une section syndicale à l'entrepôt. L'un est tunisien. "
        "Je voulais savoir si c'est normal.",
    ],
)
def test_the_reporters_wish_to_know_is_no_question_put(text: str) -> None:
    reading = read(text)
    assert A.ELICITATION not in reading.scores
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


# Whether someone can be trusted with access, for who they are: a request about a person.
@pytest.mark.parametrize(
    "text",
    [
        "Коллега подписал петицию и состоит в партии. Можно ли ему доверять доступ к архиву?",
        "My colleague campaigns for a small party at weekends. Can he still be trusted with the payroll system?",
        "有个同事参加了一个政党的活动，还能信任他吗？",
    ],
)
def test_whether_someone_can_be_trusted_is_a_request_about_them(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason


# The press office bypassed, or the reporter a journalist: the acts are read, journalism is no ground.
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "A man claiming to be from a news agency emailed me directly, not through our press office, asking "
            "how many units we deliver to the navy and when.",
            A.ELICITATION,
        ),
        (
            "I'm a journalist. An anonymous message says: drop the story on the harbour deal or your family "
            "will read your medical file. You have until Monday.",
            A.EXTORTION,
        ),
    ],
)
def test_journalism_bypassed_or_the_reporters_own_is_no_ground(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert kind in reading.scores


# A journalist through the press office with a deadline, and the reporter's worry: out of scope.
def test_a_journalists_deadline_is_no_pressure() -> None:
    reading = read(
        "A reporter asked our press office for an interview with the director and gave her deadline. "
        "Should we be worried that she is gathering intelligence?"
    )
    assert reading.scope == Scope.OUT_OF_SCOPE, reading.scope_reason
