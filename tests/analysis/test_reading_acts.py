"""The reading's act-level rules, on hand-written wordings in six languages (not the evaluation set).

`reading_acts.json` holds reports (written in twelve rounds, see its `_about`) that exercise one
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
