"""The scope guard read from its parts, in the six languages alike (issue 17).

A request to look at someone is read as a request verb put to us plus a person it is about (or a
nationality, faith or party beside it); a hedge counts only about someone; a report whose basis
is who someone is stays out of scope whatever wording it uses, and a report of an act stays in
scope whatever it also mentions. Every sentence here is written for this suite, in wording the
lexicon lists do not hold whole, never copied from the evaluation set.
"""

from __future__ import annotations

import pytest

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reading import read
from watchword.domain import Scope

# A request verb in the mood of a request and a person, no act: out of scope, every language.
REQUEST_ABOUT_A_PERSON = [
    "Our new lab technician is from Pakistan and keeps to herself. Could someone look into her?",
    "A researcher in our group is a union rep and talks about strikes at lunch. Can you run a check on him?",
    "Der Hausmeister hat Verwandte in Weißrussland. Bitte schauen Sie sich ihn mal an.",
    "Unser neuer Doktorand engagiert sich in einer Exilgruppe. Könnten Sie ihn überprüfen?",
    "Notre stagiaire a de la famille en Iran. Merci de vérifier son profil.",
    "Une collègue milite dans un syndicat et distribue des tracts. Il faudrait peut-être la surveiller.",
    "La nueva becaria es china y habla poco. Les pido que revisen sus antecedentes.",
    "Mi vecino es musulmán y recibe muchas visitas. Habría que investigarlo.",
    "Коллега участвовала в митинге и подписала петицию. Не мешало бы за ней присмотреть.",
    "У инженера жена гражданка Китая. Проверьте его, пожалуйста.",
    "我们部门新来的同事是朝鲜族，平时不太说话，请你们帮忙查一下他的背景。",
    "同事经常参加教会活动，还发传单，建议单位留意一下。",
]


@pytest.mark.parametrize("text", REQUEST_ABOUT_A_PERSON)
def test_a_request_to_look_at_a_person_is_out_of_scope_in_every_language(text: str) -> None:
    result = analyze_report(text, None)
    assert result.scope == "out_of_scope"
    assert result.approach_type == "benign"


# Who someone is, with a hedge or a request to act on it, and words that look like acts but are
# said of the person's own job ("a sensitive post") or of the reporter's doubt ("je me demande").
WHO_SOMEONE_IS = [
    "Наш бухгалтер ходит на оппозиционные митинги. Не пора ли им заняться?",
    "他爱人在国外工作，他又在保密岗位，是否需要审查？",
    "Un ingénieur est d'origine iranienne et occupe un poste sensible. Est-ce que ça pose un problème ?",
    "Ma collègue a manifesté samedi et travaille sur des dossiers confidentiels. Je me demande si je dois le signaler.",
    "Un compañero es testigo de Jehová y reparte folletos. ¿Supone un riesgo para la seguridad?",
    "Meine Kollegin ist Mitglied in einem Verein für Exil-Iraner. Sollte man da etwas unternehmen?",
    # Who leads a strike or a union is asked about people, not put to the reporter.
    "Des salariés préparent une grève ; la direction voudrait savoir qui sont les meneurs.",
    "员工在组织成立工会，领导想知道是谁牵头的。",
]


@pytest.mark.parametrize("text", WHO_SOMEONE_IS)
def test_who_someone_is_stays_out_of_scope_whatever_the_wording(text: str) -> None:
    assert analyze_report(text, None).scope == "out_of_scope"


# An act beside a nationality, faith, party or union: in scope, every language.
ACT_BESIDE_A_GROUND = [
    "After Friday prayers, someone from the mosque offered me money for the floor plans of our plant.",
    "Ein Gewerkschaftsvertreter bot mir 2.000 Euro für eine Kopie der Lohnliste an.",
    "Un étudiant russe m'a envoyé un lien pour « mettre à jour mes identifiants » de l'intranet.",
    "Una activista del sindicato me pidió que le dejara usar mi tarjeta para entrar al edificio.",
    "Священник из нашей церкви попросил меня передать ему пароль от рабочей почты.",
    "清真寺里认识的一个人最近总约我吃饭，昨天让我帮他把单位的通讯录拷一份。",
    "Ein Bekannter aus der Moschee will, dass ich ihm Zugang zum Kundenportal gebe.",
    "A man at the demo outside our gates photographed the staff car park and the badge readers.",
]


@pytest.mark.parametrize("text", ACT_BESIDE_A_GROUND)
def test_an_act_beside_a_ground_stays_in_scope(text: str) -> None:
    result = analyze_report(text, None)
    assert result.scope == "in_scope"
    assert "plays no part" in result.scope_reason


# Someone turned to the reporter and a faith or nationality is named, but no act is read yet:
# the reporter is asked what was done, the report is never turned away for who is named in it.
TURNED_TO_THE_REPORTER = [
    "В мечети ко мне подошёл незнакомый мужчина и долго расспрашивал.",
    "教会的一个人最近经常找我聊天。",
    "Un hombre de la embajada rusa me invitó a un café después de la conferencia.",
]


@pytest.mark.parametrize("text", TURNED_TO_THE_REPORTER)
def test_someone_who_turned_to_the_reporter_is_never_turned_away_for_a_ground(text: str) -> None:
    assert analyze_report(text, None).scope in ("in_scope", "needs_detail")


# Something was sent to the reporter and they ask us to check it: never turned away.
SENT_TO_THE_REPORTER = [
    "A man I met at the conference emailed me a document today. Could you check it before I open it?",
    "Ein Mann hat mir nach der Messe eine Datei geschickt. Können Sie die bitte prüfen?",
    "Un homme m'a envoyé un fichier après le salon. Pouvez-vous le vérifier avant que je l'ouvre ?",
    "Мужчина с конференции прислал мне файл. Проверьте его, пожалуйста, прежде чем я открою.",
]


@pytest.mark.parametrize("text", SENT_TO_THE_REPORTER)
def test_a_request_to_check_what_was_sent_is_no_request_about_a_person(text: str) -> None:
    assert analyze_report(text, None).scope in ("in_scope", "needs_detail")


def test_the_reporters_own_check_is_no_request_and_a_clear_act_keeps_the_report() -> None:
    # "I checked his profile" is the reporter's own step, not a request put to us.
    checked = read("I checked his LinkedIn profile after he asked me for my VPN password.")
    assert checked.scope == Scope.IN_SCOPE
    # A request to look into him beside a strong act (a code asked for) keeps the act.
    kept = read("He called pretending to be IT and asked for my MFA code. Can you look into him?")
    assert kept.scope == Scope.IN_SCOPE
    # Questions alone do not outweigh a request to look into someone.
    asked = read("My Russian colleague asks a lot about our budget. Could you look into him?")
    assert asked.scope == Scope.OUT_OF_SCOPE


def test_a_hedge_without_anyone_in_it_asks_for_detail() -> None:
    # "I want to raise something, call me": a hedge with no person and no ground is no report
    # about someone.
    assert read("有点事情想反映一下，麻烦联系我。").scope == Scope.NEEDS_DETAIL
    assert read("Something odd happened at the fair. Should I be worried? Call me.").scope == Scope.NEEDS_DETAIL
    # A request about an event the report points at but does not describe asks for detail too.
    pointed = read("Could someone look into what happened with the visitor on Tuesday? I'd rather explain by phone.")
    assert pointed.scope == Scope.NEEDS_DETAIL
    # An event pointed at beside a nationality is no report about the nationality.
    assert (
        read("Had a strange conversation with a Korean visitor at the fair. Can we talk?").scope == Scope.NEEDS_DETAIL
    )


def test_someone_who_turned_to_the_reporter_with_a_weak_act_is_an_act() -> None:
    # "sent me a link" and the pressure of "sonst": what was done to the reporter, together.
    text = "Jemand hat mir per SMS einen Link geschickt, ich solle mein Firmenkonto bestätigen, sonst wird es gesperrt."
    assert read(text).scope == Scope.IN_SCOPE


def test_who_leads_something_is_a_watch_request_only_beside_a_strike_union_or_protest() -> None:
    # Without a strike, union or protest named, "wanted to know who organises" is a question put
    # to the reporter and is read by the acts.
    asked = read("At the fair a visitor wanted to know who the organisers of our security rota are.")
    assert asked.scope == Scope.IN_SCOPE


def test_an_association_is_a_persons_membership_not_the_body_that_made_an_offer() -> None:
    offer = read("Ein Verein lud mich zu einer Reise nach Sankt Petersburg ein, alles bezahlt, plus Honorar.")
    assert offer.scope == Scope.IN_SCOPE


# Round five: lawful labour organising is no question put to the reporter and no job offered; a
# relative abroad with "should I declare it?" is about who someone is; an approach beside them stays.
LABOUR_ORGANISING_AND_FAMILY = [
    "The union rep keeps asking everyone in the lab which of us will join the strike meeting. Is that a risk?",
    "Der Betriebsrat fragt alle, wer zur Versammlung über die Tariflöhne kommt. Sollte man das prüfen?",
    "Une collègue syndiquée distribue des tracts et demande qui viendra à la grève. Faut-il la surveiller ?",
    "El delegado sindical pregunta quién va a la huelga del lunes. ¿Deberían vigilarlo?",
    "Коллега из профсоюза раздаёт листовки про зарплаты и спрашивает, кто придёт на собрание. Возьмите на контроль.",
    "工会的同事到处问谁去开加班费的会，要不要上报？",
    "My wife's parents are still in Minsk and we visit every summer. Should I declare it?",
    "Die Schwester meines Kollegen lebt in Russland. Sollte die Sicherheit das wissen?",
]


@pytest.mark.parametrize("text", LABOUR_ORGANISING_AND_FAMILY)
def test_labour_organising_and_family_abroad_are_out_of_scope(text: str) -> None:
    assert read(text).scope == Scope.OUT_OF_SCOPE


def test_a_request_to_find_out_who_someone_is_is_no_question_put_to_the_reporter() -> None:
    assert read(
        "Could someone check who the man with the long coat in our car park is? He is there every day."
    ).scope == (Scope.OUT_OF_SCOPE)
    # The same verb put to the reporter by a stranger is the act.
    assert read("A man in our car park asked me who has the keys to the server room.").scope == Scope.IN_SCOPE


def test_a_press_office_asked_for_internal_lists_is_no_lawful_press_enquiry() -> None:
    enquiry = "A journalist rang our press office asking for a comment on the new plant."
    lists = "A caller rang our press office and asked for the internal staff directory with direct lines."
    assert read(enquiry).scope == Scope.OUT_OF_SCOPE
    assert read(lists).scope == Scope.IN_SCOPE


def test_who_should_look_at_someone_is_a_request_to_us_and_a_faith_named_by_its_minister_is_a_ground() -> None:
    assert read("Our foreign postdoc often stays in the lab until midnight. Who should check on this?").scope == (
        Scope.OUT_OF_SCOPE
    )
    assert read("我们实验室的外籍博士后经常加班到很晚，谁来管一下？").scope == Scope.OUT_OF_SCOPE
    assert read("The rabbi's daughter works in our finance team and sees all contracts. Is that okay?").scope == (
        Scope.OUT_OF_SCOPE
    )
    # A stranger asking the reporter who holds the keys is the act, whoever else is named.
    approach = read("After Friday prayers a man from the mosque asked me who in our team holds the server room keys.")
    assert approach.scope == Scope.IN_SCOPE


# Round six: requests to look into someone passed on by a manager, "is this one for
# counter-intelligence?", and union organisers or journalists asking for names through lawful
# channels: out of scope in every language, whatever register.
RELAYED_AND_LAWFUL_REQUESTS = [
    "On behalf of my director: one of our analysts spends his weekends at Palestine solidarity marches. "
    "Is this something your team should be aware of?",
    "hi, my manager told me to flag this - one of the cleaners is from Eritrea and always hangs around after hours. "
    "pls check her out",
    "Meine Chefin hat mich gebeten, dies weiterzuleiten: Eine Kollegin aus dem Einkauf ist in einer kurdischen "
    "Gemeinde aktiv. Sie möchte wissen, ob man sie überprüfen sollte.",
    "Der Gewerkschaftssekretär sammelt die Handynummern der Spätschicht für eine Betriebsversammlung. "
    "Sollte sich jemand das ansehen?",
    "Mon responsable m'a demandé de vous transmettre ceci : un ingénieur de l'équipe a de la famille en Algérie "
    "et y part chaque été. Il voudrait savoir s'il faut l'examiner de plus près.",
    "Le délégué CFDT demande à chacun son numéro de portable pour la prochaine réunion du personnel. "
    "Pouvez-vous enquêter sur lui ?",
    "De parte de mi director: una investigadora participa en manifestaciones contra la OTAN. "
    "¿Es esto algo que contrainteligencia debería mirar?",
    "El comité de huelga está recogiendo los teléfonos de la plantilla para la asamblea del jueves. "
    "Mi supervisor pregunta si hay que reportarlo.",
    "Руководитель попросил меня передать: инженер состоит в профсоюзе и собирает подписи под петицией. "
    "Это дело для контрразведки?",
    "Журналистка через пресс-службу запросила интервью с главным инженером. "
    "Руководство спрашивает, не нужно ли проверить, кто она.",
    "主任让我问问，我们单位有个技术员父母在韩国，他经常回去探亲，需不需要你们介入？",
    "工会的人在收集车间同事的电话，说要通知大家开会。要不要查一下他？",
    "各位领导好，我们处新调来一位同志，据说他岳父是台湾商人，他本人又负责保密文件的收发，建议组织上对他的社会关系做个了解。",
    "Bonjour, je me permets de vous signaler un collègue de nationalité chinoise qui travaille sur nos brevets. "
    "Rien de concret, mais pourriez-vous faire le nécessaire ?",
    "Une salariée a participé à la manifestation contre la réforme des retraites et en parle beaucoup. "
    "La direction me demande si c'est à signaler chez vous.",
]


@pytest.mark.parametrize("text", RELAYED_AND_LAWFUL_REQUESTS)
def test_relayed_and_lawful_requests_about_a_person_are_out_of_scope(text: str) -> None:
    result = analyze_report(text, None)
    assert result.scope == "out_of_scope"
    assert result.approach_type == "benign"


# The same relay beside an act done to the one who passed it on: the act after the colon is read,
# only the manager's request itself is no act.
RELAYED_ACTS = [
    "My manager asked me to pass this on: a man claiming to be from IT phoned her and asked for her VPN password.",
    "Mein Chef hat mich gebeten, das weiterzugeben: Ein Unbekannter hat ihm einen USB-Stick mit dem Firmenlogo "
    "geschickt.",
    "À la demande de ma directrice : un inconnu lui a envoyé une pièce jointe .exe « facture ».",
    "Mi jefa me ha pedido que lo traslade aquí: un proveedor le pidió cambiar el número de cuenta bancaria para "
    "el pago de la factura.",
    "Руководитель попросил меня передать: незнакомец предложил ему деньги за чертежи нового изделия.",
    "我们领导让我反映一下：上周有个自称是兄弟单位的人打电话，让我把项目的进度表和参研人员名单发到他的QQ邮箱。",
]


@pytest.mark.parametrize("text", RELAYED_ACTS)
def test_an_act_passed_on_by_a_manager_stays_in_scope(text: str) -> None:
    assert analyze_report(text, None).scope == "in_scope"


def test_a_relay_is_no_contact_and_asking_to_pass_something_to_a_stranger_is_the_act() -> None:
    # "asked me to forward it to his gmail" is a request made of the reporter, not a relay to us.
    asked = read("He asked me to forward it to his gmail: the internal org chart with the engineers' direct lines.")
    assert asked.scope == Scope.IN_SCOPE
    asked = read("Il m'a demandé de transmettre les plans du prototype à son adresse personnelle.")
    assert asked.scope == Scope.IN_SCOPE
    # Hosting a visiting researcher offers the reporter nothing; a colleague's remittance home is
    # no payment asked of anyone.
    hosting = read(
        "Nous accueillons un chercheur invité ukrainien en mars. Pourriez-vous faire une vérification de son passé ?"
    )
    assert hosting.scope == Scope.OUT_OF_SCOPE
    remitting = read("My coworker sends money home to his family in Lagos every month. Should security know?")
    assert remitting.scope == Scope.OUT_OF_SCOPE
