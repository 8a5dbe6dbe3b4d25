"""Out-of-scope constructions in Chinese, French and Russian (issue 17, reading19z). Each is written
here as its grammar, in more than one register, with an approach beside the same words that must stay
in scope:

- a request put to us with a verb of checking of any register ("帮忙确认一下", "麻烦看一眼", "让你们查一下",
  "望组织上重视", "il faudrait peut-être regarder", "ne serait-il pas prudent de vérifier", "не мешало бы
  проверить", "хочу обратить ваше внимание на");
- whether such a person may stay near the work ("这样的人能接触核心项目吗", "你们这能查人不", "这样合规吗",
  "要不要报上去", "是不是该注意一下");
- a request passed on from a manager ("领导让我把名单报给你们", "处长交代……让我问问你们", "on m'a demandé de vous
  faire part de nos doutes", "m'a dit de vous contacter");
- a feeling with nothing behind it ("没有具体的事，就是觉得他", "感觉不简单", "背景复杂", "Просто чувство, что с
  новым сисадмином что-то не так", "мне не нравится", "me met mal à l'aise", "louche");
- spending beyond a salary ("Avec son salaire, ça interroge", "vit au-dessus de ses moyens", "凭他的工资",
  "живёт не по средствам");
- who someone is ("混血", "父母和妹妹都在加拿大", "海外背景", "多党制", "讨要加班费" with who leads it);
- the reporter's own verbs read as no act: "je me demandais si je devais le signaler", "je lui ai demandé",
  "问他以前在哪工作", "я спросил у него"; and "il n'a jamais rien demandé de confidentiel" is no denial;
- a question at a press conference is journalism.

The sentences are written from the taxonomy, not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.learnedscope import read_report
from watchword.analysis.reading import read
from watchword.domain import Scope


@pytest.mark.parametrize(
    "text",
    [
        # Requests put to us, every register.
        "我们组有个同事的丈夫是外国人，她最近常加班，能不能帮忙确认一下她的情况？",
        "隔壁科室的会计平时神神秘秘的，麻烦你们看一眼。",
        "领导的意思是让你们查一下新来的司机，他以前在境外待过好几年。",
        "望组织上重视，对该同志进行背景调查，他妻子是外籍。",
        "Un doctorant de l'équipe est très engagé dans une association politique. Il faudrait peut-être "
        "regarder ça de plus près.",
        "Notre comptable passe ses vacances en Iran chaque année. Ne serait-il pas prudent de vérifier ses accès ?",
        "Наш новый завхоз раньше жил в Турции. Не мешало бы проверить, с кем он общается.",
        "Хочу обратить ваше внимание на сотрудника Иванова Петра Сергеевича, он ходит в мечеть.",
        # Whether such a person may stay near the work.
        "我们实验室的博士后家里人都移民澳大利亚了，这样的人还能参与涉密课题吗？",
        "你们这边能查人吗？我们楼的保安是新疆来的。",
        "她老公在国外工作，她管着单位的机要文件，这样合规吗？",
        "所里有个研究员在饭桌上说他赞成西方的民主制度，这个算不算有问题？要不要报上去？",
        "我的室友在海外有不少亲戚，天天打越洋电话，是不是该注意一下？",
        # Requests passed on.
        "车间主任让我把这次带头讨薪的人的名单报给你们，看看是不是有人在幕后煽动。",
        "我们处长交代，新来的工程师有海外背景，让我跟你们说一声。",
        "On m'a demandé de vous faire part de nos doutes sur un agent d'entretien qui parle russe.",
        # A feeling and nothing else.
        "没有什么具体的事，就是觉得她这个人怪怪的，问她以前在哪上班也不说。",
        "单位新来一个混血的小伙子，感觉不简单。",
        "我们主任背景复杂，听说跟境外的人有来往。",
        "Просто чувство, что с новым админом что-то не так. Фактов нет.",
        "Этот курьер мне не нравится, просто интуиция, всё время расспрашивает соседей, как дела.",
        "Rien de précis, mais le nouveau comptable me met mal à l'aise. Pouvez-vous voir ce qu'il en est ?",
        "Un type louche de l'étage du dessous, un collègue, a un passé trouble. Que pouvez-vous faire ?",
        # Spending beyond a salary.
        "Un conseiller de la mairie vient de s'acheter un bateau. Avec son salaire, ça interroge.",
        "Le nouveau responsable des achats vit au-dessus de ses moyens. Il faudrait qu'on s'y intéresse.",
        "凭他的工资根本买不起那套别墅，我们那个司机哪来的钱？",
        "Наш бухгалтер живёт не по средствам, откуда у него такие деньги?",
        # The reporter's own verbs.
        "Une collègue a de la famille en Algérie et les appelle souvent. Je me demandais si je devais le signaler.",
        "Notre voisin reçoit des étrangers. Je lui ai demandé ce qu'il faisait, il est resté vague. "
        "Pourriez-vous vous renseigner sur lui ?",
        "Не шпионит ли наш аспирант? Он постоянно ездит в Турцию.",
        "Notre chargée de communication partage des messages favorables à un parti étranger. Elle n'a jamais "
        "rien demandé de confidentiel. Pourriez-vous y jeter un œil ?",
        # Journalism at a press conference.
        "发布会上一个自媒体撰稿人一直追问征地补偿的事，问得很尖锐。",
    ],
)
def test_out_of_scope(text: str) -> None:
    reading = read_report(text)
    assert reading.scope == Scope.OUT_OF_SCOPE, (text, reading.scope, reading.scope_reason)


@pytest.mark.parametrize(
    "text",
    [
        # The same words beside an act done to the reporter stay in scope, whoever the approacher is.
        "一个自称日本商会的人加了我微信，问我们项目的投标价格，能不能帮忙确认一下他的身份？",
        "有人冒充我们处长发短信，让我把客户名单发过去。这样的人能查吗？麻烦你们看一眼。",
        "我同事被一个外国人约出去吃饭，对方要他带一份实验数据的拷贝。",
        "领导让我跟你们说一声：昨天一个陌生男子在门口拍我们的车牌，还问我保卫处几点换班。",
        "就是觉得他怪怪的：他在展会上问我要了我们实验室的门禁卡照片，还说可以给我好处费。",
        "Un homme se disant consultant russe m'a demandé la liste de nos ingénieurs. Il faudrait peut-être "
        "regarder ça de plus près.",
        "Quelqu'un m'a proposé 2 000 euros pour une copie de nos plans. Avec son salaire, ça m'interroge : "
        "pourriez-vous vérifier ?",
        "Je me demandais si je devais le signaler : un inconnu m'a envoyé une clé USB par la poste avec une "
        "lettre me demandant de la brancher.",
        "Незнакомец из Ирана попросил у меня пропуск в лабораторию. Не мешало бы проверить его.",
        "Мне написал человек, представился сотрудником министерства и просил прислать отчёт. Просто чувство, "
        "что с ним что-то не так.",
        "Мне не нравится, что какой-то мужчина третий день подряд ходит за мной от проходной до метро.",
    ],
)
def test_approach_kept(text: str) -> None:
    reading = read_report(text)
    assert reading.scope == Scope.IN_SCOPE, (text, reading.scope, reading.scope_reason)


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Une collègue a toute sa famille au Maroc. Je me demandais si je devais le signaler.", "ask_info"),
        ("Avec son salaire, ça interroge.", "job_offer"),
        ("没有什么具体的事，我问他以前在哪工作，他也说不清。", "ask_info"),
        ("Я спросил у него, где он раньше работал, он ушёл от ответа.", "ask_info"),
        ("Il n'a jamais rien demandé de confidentiel à ma connaissance.", "denied"),
    ],
)
def test_the_reporters_own_words_are_no_act(text: str, act: str) -> None:
    assert act not in {a.name for a in read(text).acts}


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Il m'a demandé la liste des ingénieurs du site.", "ask_info"),
        ("Он спросил у меня, где хранятся чертежи.", "ask_info"),
        ("他问我们项目的投标价格。", "ask_info"),
        ("Le vrai directeur n'a jamais envoyé ce message.", "denied"),
    ],
)
def test_the_approachers_words_are_still_acts(text: str, act: str) -> None:
    assert act in {a.name for a in read(text).acts}
