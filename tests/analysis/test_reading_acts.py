"""The reading's act-level rules, on hand-written wordings in six languages (not the evaluation set).

`reading_acts.json` holds reports (written in twenty-five rounds, see its `_about`) that exercise one
rule each: a claimed identity with a denial by the one claimed is a pretence; the act that
carries the harm decides the type over the cover, and the cover over the questions; money
named for a paper, a survey or a call is a paid-expertise cover; a scam story decides over the
fee it asks for; photographing a stand at a fair is no physical approach; a mention of past
threats, or a drone ("Drohne"), is no threat. Each case says the type, or the scope when the
report is not in scope.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reading import read
from watchword.web.reporter.forms import FORMS

CASES = json.loads((Path(__file__).parent / "reading_acts.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("expected", "text"), CASES["typed"])
def test_act_rules_type_the_report(expected: str, text: str) -> None:
    result = analyze_report(text, None, "", {}, form="")
    assert (result.approach_type if result.scope == "in_scope" else result.scope) == expected


@pytest.mark.parametrize(("expected", "form", "answers", "text"), CASES["with_form"])
def test_act_rules_read_the_form_and_its_answers(expected: str, form: str, answers: dict[str, str], text: str) -> None:
    """As the reporter pages send it: the form's key, its answers and the approach its form stands for."""
    key = "" if form == "none" else form
    hint = FORMS[key].approach if key in FORMS else ""
    result = analyze_report(text, None, hint, answers, form=key)
    assert (result.approach_type if result.scope == "in_scope" else result.scope) == expected


@pytest.mark.parametrize(("expected", "text"), CASES["scopes"])
def test_act_rules_keep_the_scope(expected: str, text: str) -> None:
    assert analyze_report(text, None).scope == expected


def test_a_claim_alone_is_no_pretence_but_a_denial_makes_it_one() -> None:
    claimed = "A man said he was from the ministry's audit unit and asked for our supplier list."
    denied = claimed + " The ministry says it has no such unit."
    assert read(claimed).primary == "elicitation"
    assert read(denied).primary == "fake_profile_or_impersonation"
    names = {act.name for act in read(denied).acts}
    assert {"claim", "denied", "ask_info"} <= names


def test_the_file_decides_over_the_persona_that_sent_it() -> None:
    text = (
        "Someone posing as our new HR officer, using her name and photo, sent staff a file "
        "benefits_form.exe and asked them to run it. HR has no such officer."
    )
    reading = read(text)
    assert reading.primary == "malware_delivery"
    assert "fake_profile_or_impersonation" in reading.secondary


def test_photographing_a_stand_is_not_read_as_a_physical_act_but_the_street_is() -> None:
    at_the_stand = read("At the fair a visitor took photos of our stand and the cutaway model.")
    outside = read("A visitor took photos of our gate and the guard hut from across the road.")
    assert "physical" not in {act.name for act in at_the_stand.acts}
    assert "physical" in {act.name for act in outside.acts}


def test_money_for_expert_work_needs_both_in_one_sentence() -> None:
    assert "paid_task" in {a.name for a in read("They offered 900 EUR for a short paper on our tender.").acts}
    # A sum and a report in different sentences are no offer of paid work.
    apart = read("The invoice was for 900 EUR. I wrote a report about it for my manager.")
    assert "paid_task" not in {a.name for a in apart.acts}


def test_a_visitor_form_circumstance_alone_is_not_an_act() -> None:
    # "without a badge" is a sign, weaker than an act: alone it asks for detail.
    assert read("Someone was in the corridor without a badge.").scope == "needs_detail"


def test_a_plain_request_counts_beside_a_weak_act_and_gives_way_to_a_described_one() -> None:
    # A meal offered (weak) and then "send me the staff list": the request is the act.
    weak = read("He invited me to lunch and then asked me to forward him the staff phone list.")
    assert weak.scope == "in_scope"
    # Beside a described act the catch-all adds nothing: the code asked for decides.
    strong = read("He asked me to read out the six-digit code from my phone.")
    assert strong.primary == "credential_phishing"
    assert "request" not in {act.name for act in strong.acts}


def test_act_wording_is_read_only_in_the_languages_the_report_is_written_in() -> None:
    # "Stick" is a device in German, a word in English; "cable" is a device only with a word
    # that makes it one; "dron" (Spanish) must not read an English product as a drone overhead.
    english = read("He asked about our tender. The stick is sealed in an envelope on my desk now.")
    assert "device" not in {act.name for act in english.acts}
    german = read("Nach dem Besuch lag ein fremder Stick in unserem Besprechungsraum.")
    assert german.primary == "technical_surveillance"
    product = read("A man at the fair asked about the range of our next-gen drone before the launch.")
    assert "physical" not in {act.name for act in product.acts}
    # A report that mixes languages is read in both: the German sentence's act counts in an English report.
    mixed = read("Quick note from the Messe: er hat mir einen Stick gegeben und ich soll ihn am Laptop testen.")
    assert "malicious_file" in {act.name for act in mixed.acts} or mixed.primary == "technical_surveillance"


@pytest.mark.parametrize(
    "text",
    [
        "An anonymous sender says our reporter's home address will be sent to her employer unless we drop the story.",
        "Drohmail an die Redaktion: Wenn der Artikel erscheint, werden die Namen unserer Quellen veröffentlicht.",
        "Retirez l'enquête ou nous publions les noms de vos sources.",
        "Si no retiran el artículo, vamos a publicar las fotos de su familia.",
        "Нам написали: если статья выйдет, адреса сотрудников будут опубликованы.",
        "对方说如果稿子发出来，就把她家的地址曝光。",
    ],
)
def test_a_threat_to_publish_unless_something_is_dropped_is_extortion(text: str) -> None:
    assert read(text).primary == "extortion"


@pytest.mark.parametrize(
    "text",
    [
        "He asked which suppliers we use for the sensor; our results will be published next month anyway.",
        "Er fragte, welche Lieferanten wir nutzen. Die Ergebnisse werden im Mai veröffentlicht.",
        "Он спрашивал о наших поставщиках. Результаты будут опубликованы в мае.",
        "他问我们用哪些供应商，还说如果方便就把报告发给他。",
    ],
)
def test_an_ordinary_publication_date_is_no_threat(text: str) -> None:
    assert read(text).primary == "elicitation"


@pytest.mark.parametrize(
    "text",
    [
        "Somebody opened a Twitter account with our dean's photo and asks "
        "students for their phone numbers. The dean says it is not him.",
        "Auf LinkedIn gibt es ein zweites Profil unserer Direktorin mit "
        "demselben Foto; es fragt Kollegen nach ihren Handynummern.",
        "Un faux compte avec la photo de notre directeur demande aux agents "
        "leurs numéros personnels. L'adresse n'est pas la nôtre.",
        "В Telegram пишет аккаунт с фото нашего ректора и просит прислать "
        "номера телефонов. Ректор говорит, что это не его аккаунт.",
    ],
)
def test_a_copied_profile_is_a_pretence_even_when_it_asks_questions(text: str) -> None:
    assert read(text).primary == "fake_profile_or_impersonation"


@pytest.mark.parametrize(
    "text",
    [
        "Bitte prüfen, ob die Teilnahme meines Kollegen an einer Klimaschutzbewegung mit seiner Stelle vereinbar ist.",
        "Merci de vérifier les antécédents de notre nouveau technicien, il vient d'un pays sensible.",
        "A lab technician runs a Bible study group at home. There's been no incident, nothing like that.",
        "Our new hire has relatives living in Iran and goes there each summer. Shouldn't that be flagged?",
        "Meine Kollegin hat Familie in Russland. Sie hat nie Fragen zu "
        "Projekten gestellt, aber man sollte das im Blick behalten.",
    ],
)
def test_a_request_about_a_colleagues_private_life_is_out_of_scope(text: str) -> None:
    assert read(text).scope == "out_of_scope"


def test_i_prefer_to_report_it_is_no_request_to_watch_a_person() -> None:
    # "je préfère le signaler" reports the act; it does not ask us to watch someone.
    text = (
        "Un fournisseur m'a offert deux places pour la finale et m'a ensuite demandé nos prix. Je préfère le signaler."
    )
    assert read(text).scope == "in_scope"


def test_a_hedge_about_relevance_is_not_a_vague_event() -> None:
    # "not sure if this applies" hedges; journalism through the press office stays out of scope.
    text = (
        "A reporter from the Evening Post asked our press office for an interview with the director. "
        "Not sure if this applies, our policy says to report media contacts."
    )
    assert read(text).scope == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "Text on my work phone: 'Mum, it's me, I've lost my phone, can you "
        "send 200 to this account?' I have no children.",
        "СМС: «Мама, я попал в аварию, срочно переведи деньги». У меня нет детей.",
    ],
)
def test_a_hi_mum_story_is_a_scam_not_a_payment_fraud(text: str) -> None:
    assert read(text).primary == "scam_or_spam"


def test_a_phone_taken_away_at_a_border_is_a_tampered_device() -> None:
    text = (
        "Mon téléphone m'a été retiré pendant une heure à la frontière; depuis, une application inconnue est apparue."
    )
    assert read(text).primary == "technical_surveillance"


def test_a_virus_named_as_a_pretext_for_a_password_is_credential_phishing() -> None:
    text = "A caller from 'IT support' said my mailbox had a virus and asked me to tell him my password."
    assert read(text).primary == "credential_phishing"


def test_questions_about_something_no_list_names_are_still_questions() -> None:
    # Alone they are an act (elicitation); negated they are none; beside a named act they add nothing.
    alone = read("A visitor asked me which agency signs off the road closures and when.")
    assert alone.scope == "in_scope" and alone.primary == "elicitation"
    assert not read("She never asked me about anything at the dinner.").scores
    beside = read("He asked me which days I work late, then asked me to read out the code from my phone.")
    assert beside.primary == "credential_phishing"
    assert "questions" not in {act.name for act in beside.acts}


@pytest.mark.parametrize(
    "text",
    [
        "A man who said he was from the tax police asked about our accounts and told me not to tell my manager.",
        "A caller claiming to be from the regulator wanted our site "
        "managers' names; he wouldn't give a call-back number.",
        "Звонивший представился сотрудником банка, расспрашивал о счетах фонда и сказал никому не говорить.",
    ],
)
def test_a_claim_that_cannot_be_checked_is_a_pretence(text: str) -> None:
    # A claimed identity alone is a sign; kept from being checked it is a pretence.
    assert read(text).primary == "fake_profile_or_impersonation"


def test_keeping_it_quiet_alone_is_no_act_and_adds_nothing_to_a_gift() -> None:
    assert read("Please keep this between us, I'm not sure it matters.").scope == "needs_detail"
    gift = read("A supplier gave me an expensive watch and said to keep it between us.")
    assert gift.primary == "inducement"


@pytest.mark.parametrize(
    "text",
    [
        "An Iranian student approached me after the lecture with an odd proposal about our lab.",
        "Ein chinesischer Delegierter hat mich nach dem Vortrag angesprochen, wegen unserer Forschung.",
        "Un diplomate russe m'a abordé à la sortie de la messe au sujet de mon travail.",
        "Мне позвонил человек из китайской компании по поводу нашего проекта.",
    ],
)
def test_someone_who_turned_to_the_reporter_is_asked_about_not_turned_away_for_their_origin(text: str) -> None:
    # No act we know of is read, but something was done to the reporter: ask what, never refuse
    # the report for the nationality, faith or party it mentions.
    assert read(text).scope == "needs_detail"


@pytest.mark.parametrize(
    "text",
    [
        "My colleague is Iranian and prays at lunch. Should security know?",
        "A colleague goes to the mosque every Friday. Nothing has happened.",
        "A journalist from a Chinese newspaper contacted our press office for an interview.",
    ],
)
def test_a_report_about_who_someone_is_stays_out_of_scope(text: str) -> None:
    assert read(text).scope == "out_of_scope"


def test_a_pretence_told_in_person_to_get_in_is_a_physical_approach() -> None:
    # However well the pretence is shown (a claim, a denial), the way in decides.
    text = (
        "A man in overalls said he was from the lift company and had to check the machine room. "
        "The lift company says it sent no one. He tried to get into the server room on the way."
    )
    reading = read(text)
    assert reading.primary == "physical_approach"
    assert "fake_profile_or_impersonation" in reading.secondary


@pytest.mark.parametrize(
    "text",
    [
        "A visitor at the fair asked which suppliers we use for the radar. Should I be worried?",
        "Ein Besucher fragte nach unseren Lieferanten. Ist das ein Sicherheitsrisiko?",
        "Un visiteur m'a demandé qui sont nos clients. Faut-il le signaler ?",
        "Un visitante preguntó por nuestros proveedores. ¿Deberíamos preocuparnos?",
        "Посетитель спрашивал о наших поставщиках. Это опасно?",
        "一个访客一直问我们的供应商是谁，要不要上报？",
    ],
)
def test_the_reporters_own_doubt_never_turns_an_approach_away(text: str) -> None:
    # "Should I be worried?" after questions about our suppliers: the questions are the act.
    reading = read(text)
    assert reading.scope == "in_scope" and reading.primary == "elicitation"


def test_without_an_act_the_reporters_doubt_about_a_person_is_out_of_scope() -> None:
    assert read("My colleague keeps to himself and works late every night. Should we be worried?").scope == (
        "out_of_scope"
    )
    # A request to look into someone still outweighs questions alone.
    assert read("She asks a lot about our funding. Please check her background.").scope == "out_of_scope"


def test_in_english_the_one_who_asked_is_not_what_was_asked_about() -> None:
    # "The contractors asked for a quiet room": the contractors are who asked, not the question.
    text = "One of the contractors asked for a quiet room to pray and goes to the mosque on Fridays."
    assert read(text).scope == "out_of_scope"
    assert read("Someone called to find out which days the director is in the office.").primary == "elicitation"


@pytest.mark.parametrize(
    "text",
    [
        "A visitor asked which suppliers we use for the radar. I find it suspicious.",
        "A man at the bar asked me about our shift patterns. He might be a spy.",
        "Ein Besucher fragte nach unseren Lieferanten. Er wirkt mir verdächtig.",
        "Un visiteur m'a demandé qui sont nos clients. Il me paraît suspect.",
        "Посетитель спрашивал о наших поставщиках. Он мне кажется подозрительным.",
        "一个访客一直问我们的供应商是谁，我觉得他很可疑。",
    ],
)
def test_finding_the_one_who_asked_suspicious_keeps_the_approach(text: str) -> None:
    assert read(text).primary == "elicitation"


def test_a_feeling_about_someone_with_no_act_is_out_of_scope() -> None:
    assert read("My colleague is very private. I find it suspicious.").scope == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "A Chinese visitor asked which suppliers we use for the radar. I said nothing and nothing happened after that.",
        "A Russian delegate at the fair asked who leads our drone programme. Nothing specific beyond that.",
        "Ein russischer Besucher fragte nach unseren Kunden. Sonst ist nichts vorgefallen.",
        "Un visiteur chinois m'a demandé qui sont nos clients. Rien de concret à part ça.",
    ],
)
def test_nothing_happened_after_an_approach_does_not_turn_it_away_for_a_nationality(text: str) -> None:
    # "Nothing happened", "rien de concret" after the questions is the reporter's caution.
    assert read(text).primary == "elicitation"


def test_a_person_who_has_done_nothing_is_still_out_of_scope_beside_questions() -> None:
    text = "My Chinese colleague has not done anything, but she asks about my work sometimes. Please check her."
    assert read(text).scope == "out_of_scope"


def test_asking_who_the_stranger_really_was_keeps_the_approach() -> None:
    text = "A caller asked for the names of our site managers. Can you find out who he really is?"
    assert read(text).primary == "elicitation"
    # Without an act it is a request about a person.
    assert read("Can you find out who our new neighbour really is?").scope == "out_of_scope"
