"""The first look's findings, read back from the pipeline's reasons, in the reporter's language."""

from __future__ import annotations

import re

import pytest

from watchword.analysis import classify
from watchword.analysis.features import FEATURES, Evidence
from watchword.analysis.reading import Act, Reading, act_reasons, lexicons
from watchword.domain import ApproachType, AuthResult, Document
from watchword.domain.states import DocumentKind
from watchword.services import findings, guidance
from watchword.translation import gettext_for

GERMAN = gettext_for("de")


def _german(reason: str) -> str:
    found = findings.finding_in(reason, GERMAN, guidance.TYPE_NAMES)
    assert found is not None, reason
    return str(found)


def test_every_reason_the_classifier_writes_from_a_fixed_text_has_a_sentence() -> None:
    assert set(classify.REASON_TEXTS) <= set(findings.FEATURE_SENTENCES)
    for name, text in classify.REASON_TEXTS.items():
        # The German sentence, not the English one: the catalogue has it.
        assert _german(text) == GERMAN(findings.FEATURE_SENTENCES[name]) != findings.FEATURE_SENTENCES[name]


def test_every_act_the_reading_knows_has_a_sentence_quoting_the_reporter() -> None:
    for spec in lexicons().acts:
        reading = Reading(acts=[Act(spec.name, spec.type, spec.label, "er wollte den Code")])
        (reason,) = act_reasons(reading)
        sentence = _german(reason)
        assert "<bdi>er wollte den Code</bdi>" in sentence, spec.name
        assert spec.label not in sentence


def _evidence() -> Evidence:
    return Evidence(
        mismatch=("paypal.com", "paypa1-login.xyz"),
        lookalike_host=("rnicrosoft.example", "microsoft.com"),
        risky_download="invoice.exe",
        risky_attachment="scan.pdf.exe",
        tld="zip",
        brand="DHL",
    )


@pytest.mark.parametrize(
    ("feature", "ltr_values"),
    [
        ("link_mismatch", ["paypa1-login.xyz"]),
        ("link_lookalike", ["rnicrosoft.example", "microsoft.com"]),
        ("risky_download", ["invoice.exe"]),
        ("risky_attachment", ["scan.pdf.exe"]),
        ("suspicious_tld", [".zip"]),
        ("brand_not_sender", ["DHL"]),
    ],
)
def test_reasons_with_values_keep_the_values_left_to_right(feature: str, ltr_values: list[str]) -> None:
    """The classifier's own wording (classify._reason), not a copy of it: a reworded reason fails here."""
    reason = classify._reason(feature, _evidence())
    sentence = findings.finding_in(reason, gettext_for("ar"), guidance.TYPE_NAMES)
    assert sentence is not None, reason
    for value in ltr_values:
        assert f'<bdi dir="ltr">{value}</bdi>' in sentence
    assert re.search("[\u0600-\u06ff]", sentence)  # Arabic around the values


def test_the_lexicon_phrase_is_quoted_in_its_own_direction() -> None:
    evidence = Evidence(values={"urgency": 1.0}, phrases={"urgency": ["sofort handeln"]})
    reason = classify._reason("urgency", evidence)
    assert reason == 'pushes you to act fast ("sofort handeln")'
    assert (
        _german(reason)
        == "Die Nachricht drängt Sie, schnell zu handeln. In der Nachricht: „<bdi>sofort handeln</bdi>“."
    )


def test_sender_reasons_from_the_authentication_results() -> None:
    doc = Document(kind=DocumentKind.EMAIL)
    doc.auth = AuthResult(
        from_domain="rnicrosoft.example", lookalike_of="microsoft.com", display_name_claims="Microsoft"
    )
    evidence = Evidence(values=dict.fromkeys(FEATURES, 0.0) | {"display_name_spoof": 1.0, "sender_lookalike": 1.0})
    reasons = classify._reasons(evidence, doc)
    assert len(reasons) == 2
    lookalike, spoof = (_german(r) for r in reasons)  # classify puts the look-alike domain first
    assert "<bdi>Microsoft</bdi>" in spoof and "Absendername" in spoof
    assert '<bdi dir="ltr">rnicrosoft.example</bdi>' in lookalike and '<bdi dir="ltr">microsoft.com</bdi>' in lookalike


def test_type_names_in_reasons_are_said_with_the_pages_names() -> None:
    reported = _german("reported as credential phishing, but the content reads as malware delivery")
    assert GERMAN(guidance.TYPE_NAMES["credential_phishing"]) in reported
    assert GERMAN(guidance.TYPE_NAMES["malware_delivery"]) in reported
    assert "credential phishing" not in reported
    chose = _german(f"the reporter chose {ApproachType.ELICITATION.value.replace('_', ' ')} in the form")
    assert GERMAN(guidance.TYPE_NAMES["elicitation"]) in chose


def test_a_reason_without_a_sentence_is_left_out_in_german_and_shown_in_english() -> None:
    reasons = ["a reason nobody has written a sentence for", classify.REASON_TEXTS["urgency"]]
    assert findings.translated_findings(reasons, "de", guidance.TYPE_NAMES) == [
        "Die Nachricht drängt Sie, schnell zu handeln."
    ]
    assert guidance._sentence(reasons[0]) == "A reason nobody has written a sentence for."


def test_the_values_are_escaped() -> None:
    sentence = _german("link text shows <b>paypal</b> but goes to evil.example")
    assert "<b>" not in sentence and "&lt;b&gt;paypal&lt;/b&gt;" in sentence
