"""Constructions read generally in six languages (issue 17, reading19r), each written from the kind of
report the development set's authors (BD, BE) wrote and the rules missed, not from their words:

- a request that we take a (closer) look at a person, in its polite and infinitive forms ("I would ask you
  to take a closer look at our new colleague", "sich unseren neuen Kollegen genauer anzusehen",
  "请你们仔细看看新来的同事") is a request to watch that person;
- "no concrete incidents" ("konkrete Vorfälle gibt es nicht") is the reporter saying nothing happened,
  not the one somebody claimed to be denying it ("dieses Amt gibt es nicht");
- a demand joined to its harm by a bare "or" ("send us the schedule or your wife sees the photos") is an
  ultimatum;
- a profile in the reporter's name that "is not me" is a pretence;
- a visitor found in front of or inside a secured room, or "lost" in quotes, is a physical approach;
- "he doesn't work on anything classified" is no claim about an employer;
- a phone or laptop handed over for a while (a hotel desk, a checkpoint) with a profile or certificate on it
  afterwards is technical surveillance;
- family abroad with the relatives listed first ("他爸妈和弟弟都在美国") is an origin ground;
- a condition put as "depending on whether" with things made worse ("según si le doy acceso") is an
  ultimatum;
- a request to look at a person in impersonal, passive and relayed forms ("对新来的司机做个背景核实",
  "ein Auge auf … hätte", "qu'une vérification soit faite sur", "que le echen un ojo al chico nuevo", "run the
  new hire through your checks", "навести справки о") turns a report away by itself;
- "surveillance" as a modifier ("l'entreprise de surveillance") asks to watch nobody, and a photographer
  is read by what they did, not by the profession.

The sentences are written for these tests, not taken from the evaluation set.
"""

from __future__ import annotations

import pytest

from tests.support.reading import assert_read
from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

A = ApproachType


@pytest.mark.parametrize(
    "text",
    [
        "I would ask you to take a closer look at our new colleague in the design office. He has only been "
        "here a month.",
        "Could someone have a closer look at the new intern in accounts? Just to be on the safe side.",
        "Ich bitte Sie, sich unseren neuen Kollegen in der Entwicklung einmal genauer anzusehen.",
        "Könnten Sie sich die neue Praktikantin im Labor bitte näher anschauen? Sicher ist sicher.",
        "Wir würden Sie bitten, den neuen Techniker eine Weile im Auge zu behalten.",
        "Pourriez-vous jeter un œil sur notre nouvelle stagiaire ? Par précaution.",
        "Je vous saurais gré d'examiner de près le profil de notre nouvel ingénieur.",
        "¿Podrían echarle un vistazo a la nueva becaria del laboratorio? Por precaución.",
        "Les pido que miren con más detalle a nuestro nuevo compañero de diseño.",
        "Прошу присмотреться к нашему новому сотруднику из конструкторского отдела.",
        "Не могли бы вы повнимательнее посмотреть на нового инженера? На всякий случай.",
        "请你们仔细看看我们部门新来的同事，以防万一。",
        "能不能帮忙留意一下新来的实习生？",
    ],
)
def test_a_closer_look_asked_at_a_person_is_a_watch_request(text: str) -> None:
    reading = assert_read(text, Scope.OUT_OF_SCOPE)
    assert any("watch" in b or "check" in b for b in reading.basis), reading.basis


@pytest.mark.parametrize(
    "text",
    [
        "Bitte prüfen Sie unseren neuen Kollegen, er stammt aus Syrien. Konkrete Vorfälle gibt es nicht.",
        "Please check our new colleague, he is from Syria. There have been no concrete incidents.",
        "Merci de vérifier notre nouveau collègue, il est syrien. Il n'y a eu aucun incident concret.",
        "Por favor revisen a nuestro nuevo compañero, es sirio. No ha habido ningún incidente concreto.",
        "Проверьте, пожалуйста, нового коллегу, он из Сирии. Конкретных происшествий не было.",
        "请查一下我们新来的同事，他是叙利亚人。具体的事情倒是没有。",
        "Unser neuer Mitarbeiter kommt aus dem Iran. Hinweise gibt es keine, aber bitte überprüfen.",
        "Sehr geehrte Damen und Herren, bitte sehen Sie sich unseren neuen Kollegen genauer an. Er stammt aus "
        "dem Libanon. Konkrete Vorfälle gibt es nicht.",
    ],
)
def test_no_incidents_is_no_denial(text: str) -> None:
    reading = assert_read(text, Scope.OUT_OF_SCOPE)
    assert not any(act.name == "denied" for act in reading.acts), reading.acts


def test_a_denial_in_its_own_sentence_still_counts() -> None:
    assert_read(
        "Ein Herr vom 'Bundesamt für Netzsicherheit' rief an und wollte unsere Netzpläne. Dieses Amt gibt es nicht.",
        Scope.IN_SCOPE,
        A.FAKE_PROFILE_OR_IMPERSONATION,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Text from an unknown number: 'send us the delivery schedule or your wife sees the photos'.",
        "SMS von unbekannt: 'Schick uns die Lieferpläne, oder deine Frau bekommt die Fotos zu sehen.'",
        "SMS d'un numéro inconnu : « envoie-nous le planning des livraisons ou ta femme verra les photos ».",
        "Mensaje de un número desconocido: 'mándanos el calendario de entregas o tu mujer verá las fotos'.",
        "СМС с неизвестного номера: «пришли график поставок, или жена увидит фотографии».",
        "陌生号码发短信：“把运输时间表发给我们，不然你老婆就会看到那些照片。”",
    ],
)
def test_a_demand_joined_to_its_harm_by_or_is_an_ultimatum(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE)


@pytest.mark.parametrize(
    "text",
    [
        "The photos or videos from the trip were posted online by the organisers.",
        "Wenn Sie die Rechnung nicht bezahlen, bekommen Sie eine Mahnung von uns.",
        "Elle m'a demandé si je voulais les photos ou les vidéos du séminaire.",
    ],
)
def test_or_without_a_demand_and_a_harm_is_no_ultimatum(text: str) -> None:
    assert not any(act.name == "ultimatum" for act in read(text).acts)


@pytest.mark.parametrize(
    "text",
    [
        "There is a LinkedIn profile with my name and my job title, but it isn't me. It writes to our admins "
        "asking for the network plans.",
        "Es gibt ein Profil mit meinem Namen und meinem Foto, aber das bin nicht ich. Es schreibt Kollegen an.",
        "Il existe un profil avec mon nom et ma photo, mais ce n'est pas moi. Il contacte nos administrateurs.",
        "Hay un perfil con mi nombre y mi foto, pero no soy yo. Escribe a nuestros administradores.",
        "Есть профиль с моим именем и фото, но это не я. Он пишет нашим админам.",
        "有人用我的名字和照片开了个账号，但那不是我，在给我们的管理员发消息。",
    ],
)
def test_a_profile_in_my_name_that_is_not_me_is_a_pretence(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE, A.FAKE_PROFILE_OR_IMPERSONATION)


@pytest.mark.parametrize(
    "text",
    [
        "A visitor who came for a sales meeting 'got lost' and was found twenty minutes later outside the "
        "control room, a badge-only area.",
        "Un visiteur s'est « perdu » et a été retrouvé devant la salle serveurs, une zone à badge.",
        "Ein Besucher hatte sich 'verlaufen' und wurde zwanzig Minuten später vor dem Serverraum gefunden, "
        "ein gesperrter Bereich.",
        "Un visitante se 'perdió' y lo encontraron veinte minutos después frente a la sala de control, zona "
        "restringida.",
        "Посетитель «заблудился», и через двадцать минут его нашли у серверной, в зоне по пропускам.",
        "一名访客说迷路了，二十分钟后在机房门口被发现，那是门禁区域。",
    ],
)
def test_a_visitor_found_at_a_secured_room_is_a_physical_approach(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE, A.PHYSICAL_APPROACH)


@pytest.mark.parametrize(
    "text",
    [
        "El paquete se perdió en el camino y nunca llegó.",
        "Der Koffer hatte sich irgendwo am Flughafen verlaufen, sagte die Airline.",
    ],
)
def test_lost_without_a_place_is_no_approach(text: str) -> None:
    assert not any(act.name == "physical" for act in assert_read(text, Scope.NEEDS_DETAIL).acts)


def test_work_on_a_task_is_no_claim_about_an_employer() -> None:
    assert_read(
        "A colleague takes long personal calls in the break room. He doesn't work on anything classified. "
        "Can someone check who he is calling?",
        Scope.OUT_OF_SCOPE,
    )


def test_a_closer_look_beside_an_act_done_to_us_stays_in_scope() -> None:
    assert_read(
        "Please take a closer look at our new colleague: he asked me for my password to the payroll system "
        "and sent me a link to log in.",
        Scope.IN_SCOPE,
    )


@pytest.mark.parametrize(
    "text",
    [
        "My laptop was kept by the hotel front desk overnight while I was out. The next morning there was a "
        "new configuration profile on it that I didn't install.",
        "Ich musste mein Handy an der Pforte des Ministeriums abgeben. Danach war ein unbekanntes Profil installiert.",
        "J'ai dû laisser mon téléphone à l'accueil pendant la visite. En le récupérant, un profil de "
        "configuration inconnu était installé.",
        "Tuve que dejar el móvil en la recepción durante la visita. Después apareció un perfil de "
        "configuración desconocido.",
        "На заводе пришлось сдать телефон на проходной. Когда забрал, появился новый профиль, который я не "
        "устанавливал.",
        "参观时手机被门卫拿走保管了两个小时，拿回来后多了一个配置文件，我没装过。",
    ],
)
def test_a_device_handed_over_and_a_profile_on_it_after_is_surveillance(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE, A.TECHNICAL_SURVEILLANCE)


def test_a_profile_installed_by_it_is_no_custody() -> None:
    assert not any(
        act.name == "custody" for act in read("IT installed the MDM profile on all new phones last week.").acts
    )


@pytest.mark.parametrize(
    "text",
    [
        "我们实验室一个研究员，他妈妈和姐姐一直住在加拿大，他每年都去。他没问过什么，不知道要不要报一下。",
        "新来的实习生，老公和孩子都在日本，她下个月要去探亲。她从来没打听过项目，要不要登记一下？",
    ],
)
def test_family_abroad_listed_before_where_it_lives_is_an_origin_ground(text: str) -> None:
    reading = assert_read(text, Scope.OUT_OF_SCOPE)
    assert "nationality or origin" in reading.basis, reading.basis


@pytest.mark.parametrize(
    "text",
    [
        "A man who says he works for a government agency wrote that he could help my brother with his visa "
        "or make things worse, depending on whether I give him access to the survey data.",
        "Ein Mann von einer 'Behörde' schrieb, er könne meinem Bruder helfen oder alles verschlimmern, je "
        "nachdem, ob ich ihm Zugang zu den Daten gebe.",
        "Un homme se disant d'une agence gouvernementale m'écrit qu'il pourrait aider mon frère ou aggraver "
        "sa situation, selon que je lui donne accès aux données.",
        "Un hombre que dice trabajar para una agencia del gobierno me escribió que podría ayudar a mi "
        "hermano o empeorar las cosas, según si le doy acceso a los datos.",
        "Мужчина, представившийся сотрудником ведомства, написал, что может помочь моему брату или ухудшить "
        "его положение, в зависимости от того, дам ли я ему доступ к данным.",
        "有个自称政府部门的人发消息说能帮我弟弟办居留，也能让事情更麻烦，看我是否配合给他数据。",
    ],
)
def test_a_condition_depending_on_whether_with_things_made_worse_is_an_ultimatum(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE, A.EXTORTION)


def test_whether_he_is_in_touch_with_someone_is_no_condition() -> None:
    reading = read(
        "我们编辑部一个同事经常转发批评政策的文章。麻烦你们帮忙监控一下他的微博账号，看看他是不是跟什么境外势力有联系。"
    )
    assert reading.scope is Scope.OUT_OF_SCOPE, reading.scope_reason
    assert not any(act.name == "ultimatum" for act in reading.acts)


@pytest.mark.parametrize(
    "text",
    [
        "Ma collègue, d'origine kurde, a l'impression d'être suivie : la même voiture devant chez elle trois "
        "soirs de suite, et un homme l'a prise en photo. Elle travaille sur le dossier contre l'entreprise "
        "de surveillance.",
        "My colleague, who is Kurdish, was followed home three nights running and a man photographed her at "
        "the station. She works on the case against the surveillance company.",
        "A freelance photographer we commission signed a petition against the government. Could someone check her out?",
    ],
)
def test_surveillance_or_photographer_as_a_noun_is_neither_request_nor_act(text: str) -> None:
    reading = read(text)
    if "check" in text:
        assert reading.scope is Scope.OUT_OF_SCOPE, reading.scope_reason
        assert not reading.acts, reading.acts
    else:
        assert reading.scope is Scope.IN_SCOPE, reading.scope_reason
        assert reading.primary is A.PHYSICAL_APPROACH


@pytest.mark.parametrize(
    "text",
    [
        "Pouvez-vous surveiller notre nouveau collègue ? Il est d'origine kurde.",
        "Please put our new colleague under surveillance, he is Kurdish.",
        "Könnten Sie unseren neuen Kollegen überwachen? Er ist Kurde.",
        "A photographer was taking pictures of our gate for an hour and followed our driver.",
    ],
)
def test_watching_and_photographing_as_verbs_still_count(text: str) -> None:
    expected = Scope.IN_SCOPE if "photographer" in text else Scope.OUT_OF_SCOPE
    assert_read(text, expected)


@pytest.mark.parametrize(
    "text",
    [
        "单位新来的小王，平时不太合群，下班经常一个人打电话。建议有关部门了解一下这个人。",
        "我们领导希望你们能对新来的司机做个背景核实。",
        "隔壁办公室的老李最近老往外跑，是不是应该有人盯一下？",
        "这个人到底什么来头，你们能查出来吗？",
        "我总觉得我们所新来的博士后不太对劲，说不上来哪里不对，你们关注一下吧。",
        "希望组织上对我们科室的张某某进行审查。",
        "我怀疑同事是间谍，他老是加班到很晚。",
        "请对新招的翻译进行一次政审。",
        "老板叫我跟你们说一声，让你们核实一下新来的会计。",
        "能否对我们的新租户开展调查？他经常有陌生人来访。",
        "Man sollte den neuen Hausmeister vielleicht mal überprüfen lassen.",
        "Mein Abteilungsleiter hat mich gebeten, Sie zu fragen, ob Sie den neuen Werkstudenten durchleuchten können.",
        "Ist unser neuer Kollege ein Spion? Er ist immer so verschlossen.",
        "Es wäre gut, wenn jemand ein Auge auf die neue Sekretärin hätte.",
        "Könnte man herausfinden, was der Nachbar beruflich wirklich macht?",
        "Ich habe bei dem neuen Mitarbeiter ein ungutes Gefühl. Vielleicht können Sie da mal nachhaken.",
        "Il faudrait que quelqu'un se renseigne sur le nouveau gardien.",
        "Mon chef aimerait que vous fassiez une petite enquête sur notre nouvelle comptable.",
        "Est-ce que notre nouveau voisin pourrait être un agent étranger ? Il reçoit beaucoup de visites.",
        "J'ai un mauvais pressentiment concernant le stagiaire. Pourriez-vous creuser un peu ?",
        "Serait-il possible de savoir ce que fait vraiment notre nouveau collègue le soir ?",
        "Je souhaiterais qu'une vérification soit faite sur la personne qui a été embauchée au service paie.",
        "Надо бы проверить нового завхоза, мутный он какой-то.",
        "Руководитель попросил узнать у вас, можно ли пробить нового сотрудника.",
        "Не шпион ли наш новый сосед? Всё время фотографирует двор из окна.",
        "Хотелось бы, чтобы кто-то присмотрелся к новой бухгалтерше.",
        "Есть ощущение, что с новым стажёром что-то не так. Разберитесь, пожалуйста.",
        "Прошу навести справки о нашем новом водителе.",
        "Habría que investigar un poco al nuevo conserje.",
        "Mi jefa quiere que le echen un ojo al chico nuevo de contabilidad.",
        "¿Nuestro vecino nuevo podría ser un espía? Siempre está con el portátil en el balcón.",
        "Tengo una corazonada con la nueva administrativa. ¿Podrían indagar un poco?",
        "Me gustaría que se hiciera una comprobación del nuevo técnico.",
        "Someone should really look into the new caretaker.",
        "My supervisor would appreciate it if your team could run the new hire through your checks.",
        "Could the new lodger be working for someone? He is out every night.",
        "I have a bad feeling about the new temp. Could you dig around a bit?",
        "It might be worth keeping tabs on our new volunteer coordinator.",
        "I'd like a check to be done on the person who just joined payroll.",
    ],
)
def test_requests_to_look_at_a_person_in_every_form(text: str) -> None:
    """Imperatives, polite conditionals, impersonal and passive forms, relayed requests and "could he be
    working for someone?", with no nationality, faith or party named: the request alone turns them away."""
    assert_read(text, Scope.OUT_OF_SCOPE)


@pytest.mark.parametrize(
    "text",
    [
        "Un hombre en la feria indagaba sobre nuestros proyectos y me pidió el correo de mi jefe.",
        "他一直在深挖我们项目的细节，还问我要了设计图。",
        "Er hat mehrmals nachgehakt, welche Lieferanten wir nutzen, und wollte die Preislisten.",
        "Il s'est renseigné sur nos horaires de garde et m'a demandé le code de la porte.",
        "Мне написал незнакомец и попросил пробить по базе нашего клиента за деньги.",
    ],
)
def test_the_same_verbs_told_of_an_approacher_stay_in_scope(text: str) -> None:
    assert_read(text, Scope.IN_SCOPE)


@pytest.mark.parametrize(
    "text",
    [
        "Following up on what I told Maria at the Christmas party. Call me when you can.",
        "Someone at the office party asked me a few things that felt off. Can't remember what.",
        "My manager asked me to fill this in about the trade fair in March. It was fine, I think.",
        "A man at the conference was extremely friendly the whole three days. Nothing else.",
    ],
)
def test_a_party_a_month_or_an_adverb_is_no_politics(text: str) -> None:
    reading = read(text)
    assert reading.scope is not Scope.OUT_OF_SCOPE, reading.scope_reason
    assert "political views or lawful activity" not in reading.basis, reading.basis


@pytest.mark.parametrize(
    "text",
    [
        "My colleague is a member of the Green party and goes to every march. Should we check him?",
        "Ein Kollege hat extreme Ansichten und ist in einer rechtsextremen Partei. Bitte prüfen.",
    ],
)
def test_a_political_party_or_march_is_still_read(text: str) -> None:
    reading = assert_read(text, Scope.OUT_OF_SCOPE)
    assert "political views or lawful activity" in reading.basis, reading.basis


@pytest.mark.parametrize(
    "text",
    [
        "On m'a envoyé des photos de moi prises à mon insu : ma femme et ma hiérarchie les recevront si je "
        "n'envoie pas la note.",
        "Man schickte mir Fotos von mir: meine Frau und meine Vorgesetzten werden sie sehen, wenn ich die "
        "Unterlagen nicht schicke.",
        "Me mandaron fotos mías: mi mujer y mis superiores las verán si no envío el informe.",
        "Прислали мои фото: жена и моё руководство их увидят, если я не пришлю отчёт.",
        "They sent me photos of me: my wife and my boss will see them if I don't send the minutes.",
    ],
)
def test_the_harm_reaches_several_close_ones(text: str) -> None:
    """ "Ma femme et ma hiérarchie les recevront si …": the ones who will see it may be listed."""
    assert_read(text, Scope.IN_SCOPE, A.EXTORTION)
