"""The learned scope reading's refusal (learnedscope.py) and the guarantee around it.

The learned reading may turn away a report the rules left at needs detail, when sure, and one they
kept on a single act told of someone else (`may_overrule`: "a man in the canteen asks the engineers
about the test schedule"). What it may never do, whatever its weights: turn away a report in which
the rules read an act done to the reporter, or an act such as a file sent or a code asked for,
however many nationality, faith or politics words the report holds; turn away a report whose
reporter chose the act in the guided form; or read those words at all (they are masked).
Models with chosen weights stand in for the trained one (`sure_of`), so each test can fail. The
reports are written here, in six languages; none comes from the evaluation set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import analyse_all, signed_in
from tests.support.reporter import fast_settings, report, text_of
from tests.support.scope_models import sure_of
from watchword.analysis import learnedscope, scopemodel
from watchword.analysis.learnedscope import model_input as scope_model_input
from watchword.analysis.learnedscope import read_report
from watchword.analysis.pipeline import analyze_report, analyze_text
from watchword.analysis.reading import read
from watchword.analysis.scope import out_of_scope_explanation
from watchword.domain import Scope
from watchword.runtime import open_runtime
from watchword.services.guidance import first_look
from watchword.store.models import Report
from watchword.store.models_reporter import RestrictedReport
from watchword.web.app import create_app

UNDECIDED = "Something about the trade fair stand today bothered me, I keep thinking about it."
# An act done to the reporter beside a nationality, a faith and a party or political view, in each
# language; the words that must never reach the model are listed beside it (folded, as it reads).
ACT_BESIDE_GROUNDS = {
    "en": (
        "A man from Russia who attends the Orthodox church and is a Communist Party member offered me "
        "2,000 euros to copy our client list for him.",
        ("russia", "orthodox", "church", "party"),
    ),
    "zh": (
        "一个信仰伊斯兰教的伊朗留学生，还是某个政党的党员，给我发了一个exe文件，让我在办公室电脑上运行。",
        ("伊斯兰", "政党", "党员", "伊朗留学生"),
    ),
    "de": (
        "Ein Kollege aus China, Mitglied der AfD und Muslim, hat mich angerufen und nach meinem Passwort gefragt.",
        ("china", "afd", "muslim"),
    ),
    "es": (
        "Un hombre ruso, catolico y del partido comunista, me envio un enlace y me pidio la contrasena de mi correo.",
        ("ruso", "catolic", "partido"),
    ),
    "fr": (
        "Un militant d'origine iranienne, musulman, m'a propose 500 euros pour lui envoyer les plans du nouveau site.",
        ("militant", "iranien", "musulman"),
    ),
    "ru": (
        "Мужчина из Ирана, мусульманин и член партии, прислал мне файл и попросил открыть его на рабочем компьютере.",
        ("из ирана", "мусульман", "парти"),
    ),
}


@pytest.fixture
def with_model() -> Iterator[None]:
    yield
    scopemodel._OVERRIDE.clear()


@pytest.mark.usefixtures("with_model")
def test_a_sure_model_turns_away_a_report_the_rules_left_undecided_and_quotes_its_words() -> None:
    scopemodel.use(None)
    assert read_report(UNDECIDED).scope == Scope.NEEDS_DETAIL
    scopemodel.use(sure_of("out_of_scope", "trade fair stand"))
    refused = read_report(UNDECIDED)
    assert refused.scope == Scope.OUT_OF_SCOPE and refused.primary is None
    assert "learned reading" in refused.scope_reason and "trade fair stand" in refused.scope_reason
    assert refused.learned_reason.startswith("turned away by the learned reading")
    assert read(UNDECIDED).scope == Scope.NEEDS_DETAIL  # the rules alone, as the trainer reads


@pytest.mark.usefixtures("with_model")
def test_below_the_threshold_nothing_is_turned_away(monkeypatch: pytest.MonkeyPatch) -> None:
    scopemodel.use(sure_of("out_of_scope"))
    sure = scopemodel.model().scores(scope_model_input(UNDECIDED)).probability["out_of_scope"]  # type: ignore[union-attr]
    monkeypatch.setattr(learnedscope, "LEARNED_REFUSE", sure + 0.001)
    assert read_report(UNDECIDED).scope == Scope.NEEDS_DETAIL
    monkeypatch.setattr(learnedscope, "LEARNED_REFUSE", sure - 0.001)
    assert read_report(UNDECIDED).scope == Scope.OUT_OF_SCOPE


@pytest.mark.parametrize("lang", sorted(ACT_BESIDE_GROUNDS))
def test_nationality_faith_and_politics_words_are_masked_in_every_language(lang: str) -> None:
    text, protected = ACT_BESIDE_GROUNDS[lang]
    given = scope_model_input(text)
    assert scopemodel.MASK in given.text
    for word in protected:
        assert word not in given.text, f"{word!r} reached the model in {lang}"
    # The words of the act stay: the model reads what was done.
    assert any(s.startswith("type:") for s in given.signals) and "acts:none" not in given.signals


@pytest.mark.usefixtures("with_model")
@pytest.mark.parametrize("lang", sorted(ACT_BESIDE_GROUNDS))
def test_a_report_with_an_act_is_never_turned_away_whatever_grounds_it_names(lang: str) -> None:
    text, _protected = ACT_BESIDE_GROUNDS[lang]
    rules = read(text)
    assert rules.scope == Scope.IN_SCOPE and rules.acts and rules.basis  # an act, beside named grounds
    # A model as sure as it can be that the report is out of scope, weighing on all of its words.
    scopemodel.use(sure_of("out_of_scope", scope_model_input(text).text))
    reading = read_report(text)
    assert reading.scope == Scope.IN_SCOPE and not reading.learned_reason
    assert analyze_text(text).scope == "in_scope"


@pytest.mark.usefixtures("with_model")
def test_only_an_undecided_reading_may_move() -> None:
    """The one test every move passes: a reading the rules kept or turned away is left as it is."""
    kept = read(ACT_BESIDE_GROUNDS["en"][0])
    refused = read("My neighbour is Iranian and prays at the mosque every Friday. Please check him.")
    undecided = read(UNDECIDED)
    assert (kept.scope, refused.scope, undecided.scope) == (Scope.IN_SCOPE, Scope.OUT_OF_SCOPE, Scope.NEEDS_DETAIL)
    assert [learnedscope.may_move(r) for r in (kept, refused, undecided)] == [False, False, True]


@pytest.mark.usefixtures("with_model")
def test_an_act_the_reporter_chose_in_the_form_is_not_turned_away() -> None:
    scopemodel.use(sure_of("out_of_scope", "trade fair stand"))
    chosen = analyze_report(UNDECIDED, None, "elicitation", {"wants": "information"}, form="in_person")
    assert chosen.scope == "in_scope" and chosen.approach_type == "elicitation"
    assert analyze_report(UNDECIDED, None, "", {}, form="other").scope == "out_of_scope"


@pytest.mark.usefixtures("with_model")
def test_the_refusal_is_told_like_every_report_without_an_act() -> None:
    """The reporter reads the explanation a rules' refusal without grounds gets; the analyst, the quote."""
    scopemodel.use(sure_of("out_of_scope", "trade fair stand"))
    analysis = analyze_text(UNDECIDED)
    assert analysis.scope == "out_of_scope" and analysis.approach_type == "benign"
    assert analysis.scope_reason == out_of_scope_explanation([], False)
    assert any(r.startswith("out of scope: ") and '"' in r and "trade fair stand" in r for r in analysis.reasons)
    look = first_look("other", {}, analysis, language="en")
    assert look.out_of_scope and look.scope_reason == out_of_scope_explanation([], False) and not look.steps


@pytest.mark.usefixtures("with_model")
def test_a_refused_report_is_kept_apart_and_shown_to_the_analyst_with_its_words(tmp_path: Path) -> None:
    """The reporter's journey (thank-you page, restriction) and the console, as for any out-of-scope report."""
    scopemodel.use(sure_of("out_of_scope", "trade fair stand"))
    with open_runtime(fast_settings(tmp_path)) as rt:
        with TestClient(create_app(rt)) as web:
            sent = report(web, "other", {"text": UNDECIDED})
        assert sent.status_code == 201
        words = text_of(sent.text)
        assert "outside what Watchword looks into" in words and "What to do now" not in words
        assert "does not describe anything that was done to you" in words
        with rt.db.session() as session:
            stored = session.scalars(select(Report)).one()
            assert session.get(RestrictedReport, stored.id).source == "instant"  # type: ignore[union-attr]
        analyse_all(rt)
        page = text_of(signed_in(rt).get(f"/console/reports/{stored.id}").text)
        assert "Out of scope: Thank you for telling us." in page
        assert "turns it away" in page and "trade fair stand" in page


# Someone turned to the reporter, or a weak act was read: the rules leave these at needs detail, and
# the learned reading may keep them but never turn them away, however sure it is.
SOMETHING_DONE = {
    "en": "A man I met at the fair emailed me a document today. Could you check it before I open it?",
    "de": "Ein Mann von der Messe hat mir heute eine Datei geschickt. Können Sie die bitte prüfen?",
    "fr": "Un homme rencontré au salon m'a envoyé un fichier. Pouvez-vous le vérifier avant que je l'ouvre ?",
    "es": "Un hombre de la feria me mandó un archivo hoy. ¿Pueden revisarlo antes de que lo abra?",
    "ru": "Мужчина с выставки прислал мне файл. Проверьте его, пожалуйста, прежде чем я открою.",
    "zh": "展会上认识的一个人今天给我发了一个文件，你们能先帮我看看吗？",
}


@pytest.mark.usefixtures("with_model")
@pytest.mark.parametrize("lang", sorted(SOMETHING_DONE))
def test_a_report_in_which_someone_turned_to_the_reporter_is_never_turned_away(lang: str) -> None:
    text = SOMETHING_DONE[lang]
    rules = read(text)
    assert rules.scope == Scope.NEEDS_DETAIL
    assert learnedscope.may_move(rules) and not learnedscope.may_refuse_reading(rules)
    scopemodel.use(sure_of("out_of_scope", scope_model_input(text).text))
    assert read_report(text).scope == Scope.NEEDS_DETAIL


@pytest.mark.usefixtures("with_model")
def test_a_weak_act_beside_a_nationality_alone_asks_for_detail_and_the_blind_model_may_keep_it() -> None:
    # Until the seventeenth round the rules turned this away for the origin it names (and the model could
    # only keep it, `refused_for_grounds_alone`); a weak act beside nothing but a ground now asks for detail
    # (reading_scope.decide_scope, `weak_act`), so the ground never turns it away, and the model, which
    # reads a weak act in it, may keep it but never refuse it.
    text = "Met a soldier from Syria online, very sweet. Now he needs money for his leave papers. Is it a scam?"
    scopemodel.use(None)
    rules = read_report(text)
    assert rules.scope == Scope.NEEDS_DETAIL and rules.scores and rules.basis == ["nationality or origin"]
    assert learnedscope.may_move(rules) and not learnedscope.may_refuse_reading(rules)
    scopemodel.use(sure_of("out_of_scope"))
    assert read_report(text).scope == Scope.NEEDS_DETAIL  # sure of a refusal: never, beside a weak act
    scopemodel.use(sure_of("in_scope", "leave papers"))
    kept = read_report(text)
    assert kept.scope == Scope.IN_SCOPE and kept.primary is not None
    assert "leave papers" in kept.learned_reason


@pytest.mark.usefixtures("with_model")
def test_a_request_about_a_person_or_a_press_office_refusal_is_never_kept_by_the_model() -> None:
    scopemodel.use(sure_of("in_scope"))
    watch = "My neighbour is Iranian and prays at the mosque every Friday. Please check him."
    # Questions put through the press office: a weak act beside an origin, and the press office beside it.
    press = "A journalist from a Russian paper contacted our press office and asked about the budget of our new plant."
    for text in (watch, press):
        rules = read(text)
        assert rules.scope == Scope.OUT_OF_SCOPE and not learnedscope.refused_for_grounds_alone(rules)
        assert rules.scores or text == watch
        assert read_report(text).scope == Scope.OUT_OF_SCOPE


# The rules keep this on one act (questions) told of someone else: nobody turned to the reporter, and
# neither they nor the organisation is named as what was asked. Reports about a person read like it.
TOLD_OF_SOMEONE = "A man in the canteen asks the engineers about the test schedule."


@pytest.mark.usefixtures("with_model")
def test_a_sure_model_turns_away_a_report_kept_on_one_act_told_of_someone_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learnedscope, "LEARNED_OVERRULE", 0.9)
    scopemodel.use(None)
    rules = read_report(TOLD_OF_SOMEONE)
    assert rules.scope == Scope.IN_SCOPE and learnedscope.may_overrule(rules) and not rules.done_to
    scopemodel.use(sure_of("in_scope"))
    assert read_report(TOLD_OF_SOMEONE).scope == Scope.IN_SCOPE
    scopemodel.use(sure_of("out_of_scope", "in the canteen"))
    refused = read_report(TOLD_OF_SOMEONE)
    assert refused.scope == Scope.OUT_OF_SCOPE and refused.primary is None and not refused.secondary
    assert "asked about work" in refused.scope_reason and "in the canteen" in refused.scope_reason
    assert refused.learned_reason.startswith("turned away by the learned reading")
    analysis = analyze_text(TOLD_OF_SOMEONE)
    assert analysis.scope == "out_of_scope" and analysis.scope_reason == out_of_scope_explanation([], False)
    # The reporter who chose the act in the form is never turned away; nor is anyone with the threshold off.
    chosen = analyze_report(TOLD_OF_SOMEONE, None, "elicitation", {"wants": "information"}, form="in_person")
    assert chosen.scope == "in_scope"
    monkeypatch.setattr(learnedscope, "LEARNED_OVERRULE", 2.0)
    assert read_report(TOLD_OF_SOMEONE).scope == Scope.IN_SCOPE


# Acts the learned reading never overrules, written here: done to the reporter ("asked me"), to the
# organisation's people named as ours, or acts that are approaches whoever they are told of.
NEVER_OVERRULED = [
    "Our new colleague asked me which rooms the board meets in. Should I be worried about her?",
    "A visitor at our stand asked our engineer which alloys we use for the casing.",
    "Someone left a USB stick in our meeting room after the supplier's visit.",
    "Jemand hat mir einen Link geschickt und nach meinem Passwort gefragt.",
    "Quelqu'un a demandé à notre comptable de changer le RIB d'un fournisseur.",
]


@pytest.mark.usefixtures("with_model")
@pytest.mark.parametrize("text", NEVER_OVERRULED + [t for t, _ in ACT_BESIDE_GROUNDS.values()])
def test_an_act_done_to_the_reporter_or_an_approach_by_itself_is_never_overruled(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learnedscope, "LEARNED_OVERRULE", 0.0)  # whatever the model's probability
    rules = read(text)
    assert rules.scope == Scope.IN_SCOPE and not learnedscope.may_overrule(rules)
    scopemodel.use(sure_of("out_of_scope", scope_model_input(text).text))
    assert read_report(text).scope == Scope.IN_SCOPE


# What the reporter or the organisation holds, named after the act (`reading.asked_of_ours`): the act's
# object is ours, so the report is an approach however plainly told, with no "me" in it.
ASKED_OF_OURS = [
    "A visitor at the trade fair kept asking about our test rig and its suppliers.",
    "Ein Besucher am Stand fragte nach unseren Prüfständen und den Lieferanten.",
    "Une femme au salon voulait que je lui envoie le planning des essais.",
    "Un visitante preguntó por nuestros planos del nuevo reactor.",
    "Посетитель на выставке расспрашивал о наших испытаниях нового двигателя.",
    "一个参观者一直打听我们的实验数据。",
]


@pytest.mark.usefixtures("with_model")
@pytest.mark.parametrize("text", ASKED_OF_OURS)
def test_an_act_about_what_the_organisation_holds_is_never_overruled(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learnedscope, "LEARNED_OVERRULE", 0.0)  # whatever the model's probability
    rules = read(text)
    assert rules.scope == Scope.IN_SCOPE and not rules.done_to and rules.asked_of_ours
    assert not learnedscope.may_overrule(rules)
    scopemodel.use(sure_of("out_of_scope", scope_model_input(text).text))
    assert read_report(text).scope == Scope.IN_SCOPE
    # Told of a third person with nothing of ours as its object, the same model turns it away.
    rules.asked_of_ours = False
    assert learnedscope.may_overrule(rules)
