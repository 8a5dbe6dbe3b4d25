"""An act done to the reporter, or an act told of the person the reporter wants looked into (issue 17).

"He asks a lot of questions about our projects", "she photographs everything", said of a colleague
the reporter asks us to check, is no act done to the reporter: beside a request to look into that
person it does not keep the report in scope. "A man followed me and photographed me", "someone asked
our intern for the VPN password", "my colleague was photographed outside the depot" are acts done to
the reporter or the organisation, and stay in scope beside the same request. The reading tells them
apart by the act's object (`basis.toml` [target]: "me", "m'a", "mich", "меня", "我", "our intern"),
and an act that needs no object named (a password asked for) counts either way. Every sentence here
is written for this suite, never copied from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

# Behaviour told of a third person, and a request (or a doubt) about them: out of scope.
TOLD_OF_A_THIRD_PERSON = [
    "The new technician photographs everything in the workshop with his phone. Can you keep an eye on him?",
    "My coworker is always asking the engineers about the radar project. Is that allowed? He is from abroad.",
    "Le nouveau stagiaire photographie tout dans l'atelier. Pouvez-vous le surveiller ?",
    "Der neue Praktikant fotografiert ständig alles im Labor. Können Sie ihn bitte überprüfen?",
    "El nuevo becario fotografía todo en el laboratorio. ¿Pueden vigilarlo?",
    "Una compañera pregunta mucho por los proyectos de otros equipos. ¿Es normal? ¿Pueden revisarla?",
    "Новый стажер всё фотографирует в лаборатории. Проверьте его, пожалуйста.",
    "新来的实习生在实验室里什么都拍照。请你们关注一下他。",
]

PHYSICAL = ApproachType.PHYSICAL_APPROACH

# The same kind of act done to the reporter or a colleague, beside the same kind of request: in scope.
DONE_TO_THE_REPORTER = [
    (
        "A man followed me from the station to the lab and photographed me at the gate. Can you keep an eye on him?",
        PHYSICAL,
    ),
    ("My colleague was photographed by a man outside the depot twice this week. Can you look into him?", PHYSICAL),
    (
        "Un homme m'a suivi de la gare jusqu'au labo et m'a photographié devant la grille. Pouvez-vous le surveiller ?",
        PHYSICAL,
    ),
    (
        "Ein Mann ist mir vom Bahnhof bis zum Labor gefolgt und hat mich am Tor fotografiert. "
        "Können Sie ihn bitte überprüfen?",
        PHYSICAL,
    ),
    (
        "Un hombre me siguió desde la estación hasta el laboratorio y me fotografió en la puerta. ¿Pueden vigilarlo?",
        PHYSICAL,
    ),
    (
        "Мужчина шёл за мной от вокзала до лаборатории и сфотографировал меня у ворот. Проверьте его, пожалуйста.",
        PHYSICAL,
    ),
    ("有个男的从车站一路跟着我到实验室，还在门口拍我。请你们关注一下他。", PHYSICAL),
]

# An act that needs no object named: asked of a colleague, it is an approach whoever tells it.
ASKED_OF_A_COLLEAGUE = [
    "Someone asked our intern for the VPN password last night. Can you check who he is?",
    "Quelqu'un a demandé à notre stagiaire le mot de passe du VPN. Pouvez-vous le surveiller ?",
    "Jemand hat unseren Praktikanten nach dem VPN-Passwort gefragt. Können Sie ihn überprüfen?",
    "Alguien le pidió a nuestra becaria la contraseña de la VPN. ¿Pueden revisarlo?",
    "Кто-то попросил у нашего стажера пароль от VPN. Проверьте его, пожалуйста.",
    "有人向我们的实习生要VPN密码。请你们查一下他。",
]


@pytest.mark.parametrize("text", TOLD_OF_A_THIRD_PERSON)
def test_an_act_told_of_the_person_to_be_checked_does_not_keep_the_report(text: str) -> None:
    reading = read(text)
    assert reading.scores, "the act is read (the reasons still quote it)"
    assert reading.scope == Scope.OUT_OF_SCOPE
    assert reading.scope_reason.startswith("the report asks about a person")
    assert analyze_report(text, None).scope == "out_of_scope"


@pytest.mark.parametrize(("text", "kind"), DONE_TO_THE_REPORTER)
def test_the_same_act_done_to_the_reporter_stays_in_scope(text: str, kind: ApproachType) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == kind
    result = analyze_report(text, None)
    assert (result.scope, result.approach_type) == ("in_scope", kind.value)


@pytest.mark.parametrize("text", ASKED_OF_A_COLLEAGUE)
def test_a_password_asked_of_a_colleague_stays_in_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == ApproachType.CREDENTIAL_PHISHING


def test_the_object_is_read_in_the_reports_own_language() -> None:
    # "je me demandais" holds an English "me": it names no one the act was done to. The French
    # report reads as told of the neighbour, the English one with "asked me" as done to the reporter.
    told = (
        "Mon collègue pose beaucoup de questions sur les projets, je me demandais si c'était normal. "
        "Pouvez-vous vous renseigner sur lui ?"
    )
    assert read(told).scope == Scope.OUT_OF_SCOPE
    done = "A man I met at the fair asked me which customers we supply and photographed me. Could you look into him?"
    assert read(done).scope == Scope.IN_SCOPE


# A question for information put to the reporter, then "can you check who he is?": the question is
# the approach (elicitation), and the request asks about the approacher. Before, the French,
# Spanish, Russian and Chinese forms were refused as requests about a person.
ELICITED_FROM_THE_REPORTER = [
    "A man at the fair asked me for the list of our project engineers. Can you check who he is?",
    "Un homme m'a demandé la liste des ingénieurs du projet. Pouvez-vous vérifier qui il est ?",
    "Ein Mann hat mich nach der Liste unserer Projektingenieure gefragt. Können Sie prüfen, wer er ist?",
    "Un hombre me pidió la lista de los ingenieros del proyecto. ¿Pueden comprobar quién es?",
    "Мужчина попросил у меня список инженеров проекта. Можете проверить, кто он?",
    "一个男人问我要项目工程师的名单。你们能查一下他是谁吗？",
]


@pytest.mark.parametrize("text", ELICITED_FROM_THE_REPORTER)
def test_a_question_put_to_the_reporter_then_a_request_to_check_the_asker_stays_in_scope(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE
    assert reading.primary == ApproachType.ELICITATION


def test_a_feeling_about_a_new_hire_who_asked_questions_in_her_interview_is_still_a_request_about_her() -> None:
    text = (
        "Our new analyst asked me a lot about our budget during her interview, which made me uneasy. "
        "Could you run a background check on her? I just have a feeling."
    )
    assert read(text).scope == Scope.OUT_OF_SCOPE
