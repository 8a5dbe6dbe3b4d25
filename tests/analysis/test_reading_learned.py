"""The learned scope reading beside the rules (scopemodel.py, learnedscope.py).

The shipped model's figures are measured by bench/reading_cv.py on held-out authors, not here: these
tests pin what the combination promises whatever the weights are. Models with chosen weights stand
in for the trained one, so each test can fail: a model sure of "in scope" keeps a report the rules
read no act in, and says so with the report's words; a model sure of "out of scope" turns away no
report the rules kept on an act done to the reporter (its refusals: test_reading_refusal.py);
nationality, faith and politics words never reach the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from tests.support.console import analyse_all, signed_in
from tests.support.scope_models import sure_of
from watchword.analysis import scopemodel
from watchword.analysis.learnedscope import model_input as scope_model_input
from watchword.analysis.learnedscope import read_report
from watchword.analysis.pipeline import analyze_text
from watchword.analysis.reading import read
from watchword.analysis.scopemodel import CLASSES, ModelInput, ScopeModel
from watchword.domain import Channel, IncomingReport, Scope
from watchword.intake.submit import submit
from watchword.runtime import Runtime

VAGUE = "Something odd happened at the fair today."
WATCH_REQUEST = "Our new colleague asked me which rooms the board meets in. Could you look into her background?"
QUESTIONS_AND_HEDGE = "Our new colleague asked me which rooms the board meets in. Should I be worried about her?"
ACT_BESIDE_GROUNDS = "A student from Iran who prays at the mosque sent me an .exe file and asked me to run it."


@pytest.fixture
def with_model() -> Iterator[None]:
    yield
    scopemodel._OVERRIDE.clear()


def test_nationality_faith_and_politics_words_never_reach_the_model() -> None:
    given = scope_model_input(ACT_BESIDE_GROUNDS)
    assert "iran" not in given.text and "mosque" not in given.text
    assert scopemodel.MASK in given.text
    assert "sent me an .exe file" in given.text  # the act's words stay
    assert "acts:one" in given.signals and "type:malware_delivery" in given.signals
    answered = scope_model_input("He sent me a file.", "email", {"where": "a Russian website", "claimed": "x"})
    assert "russian" not in answered.text and "website" in answered.text


@pytest.mark.usefixtures("with_model")
def test_a_sure_model_keeps_a_report_the_rules_read_no_act_in_and_quotes_its_words() -> None:
    scopemodel.use(None)
    assert read_report(VAGUE).scope == Scope.NEEDS_DETAIL
    scopemodel.use(sure_of("in_scope", "the fair"))
    kept = read_report(VAGUE)
    assert kept.scope == Scope.IN_SCOPE and kept.primary is not None
    assert "learned reading" in kept.scope_reason and "at the fair" in kept.scope_reason
    assert kept.learned_reason.startswith("kept in scope by the learned reading")
    assert read(VAGUE).scope == Scope.NEEDS_DETAIL  # the rules alone, as the trainer reads
    analysis = analyze_text(VAGUE)
    assert analysis.scope == "in_scope" and any("learned reading" in r for r in analysis.reasons)


@pytest.mark.usefixtures("with_model")
def test_an_unsure_model_leaves_the_rules_outcome() -> None:
    scopemodel.use(sure_of("needs_detail"))
    assert read_report(VAGUE).scope == Scope.NEEDS_DETAIL
    scopemodel.use(ScopeModel(np.array([0]), np.zeros((1, 3), np.float32), np.zeros(3, np.float32), list(CLASSES)))
    assert read_report(VAGUE).scope == Scope.NEEDS_DETAIL  # a third each: below LEARNED_KEEP


@pytest.mark.usefixtures("with_model")
def test_the_model_never_turns_away_an_act_done_to_the_reporter() -> None:
    scopemodel.use(sure_of("out_of_scope", "be worried about her"))
    assert read_report(QUESTIONS_AND_HEDGE).scope == Scope.IN_SCOPE  # questions were asked: the rules keep it
    assert read_report(ACT_BESIDE_GROUNDS).scope == Scope.IN_SCOPE


@pytest.mark.usefixtures("with_model")
def test_the_model_never_accepts_what_the_rules_turned_away() -> None:
    scopemodel.use(sure_of("in_scope"))
    assert read_report(WATCH_REQUEST).scope == Scope.OUT_OF_SCOPE


def test_explain_finds_the_words_that_weighed_most() -> None:
    text = "we met at a dinner. later the visitor photographed the server room door. nothing else."
    learned = sure_of("in_scope", "photographed the server")
    start, end = learned.explain(text, "in_scope", len(text)) or (0, 0)
    assert "photographed" in text[start:end]
    assert sure_of("in_scope").explain(text, "in_scope", len(text)) is None  # only the bias: no words to quote


def test_the_model_reads_chinese_and_russian_bytes_too() -> None:
    learned = sure_of("in_scope", "优盘")
    text = "今天在会议室桌下发现一个优盘，不是我们的。"
    start, end = learned.explain(text, "in_scope", len(text)) or (0, 0)
    assert "优盘" in text[start:end]


def test_a_model_trained_with_other_signals_is_refused() -> None:
    out = BytesIO()
    np.savez(
        out,
        rows=np.array([0]),
        weights=np.zeros((1, 3)),
        bias=np.zeros(3),
        classes=np.array(CLASSES),
        signals=np.array(["acts:none"]),
    )
    with pytest.raises(ValueError, match="other signals"):
        scopemodel.load(out.getvalue())
    with pytest.raises(ValueError, match="classes"):
        ScopeModel(np.array([0]), np.zeros((1, 2)), np.zeros(2), ["in_scope", "out_of_scope"])


def test_the_shipped_scope_model_was_trained_on_the_tuning_half_only() -> None:
    learned = scopemodel.model()
    assert learned is not None and learned.classes == list(CLASSES)
    data = resources.files("watchword.analysis") / "data" / scopemodel.MODEL_FILE
    with np.load(BytesIO(data.read_bytes())) as npz:
        names = [str(n) for n in npz["trained_on"]]
    tune = Path(__file__).resolve().parents[2] / "bench" / "reading" / "tune"
    assert names and all((tune / name).is_file() for name in names)
    probability = learned.scores(ModelInput("", ("acts:none",))).probability
    assert abs(sum(probability.values()) - 1.0) < 1e-5


@pytest.mark.usefixtures("with_model")
def test_a_hostile_report_kept_by_the_learned_reading_shows_its_quoted_words_escaped(rt: Runtime) -> None:
    """The learned reason quotes the reporter's words: on the analyst's report page they are text."""
    hostile = 'Something odd <script>alert("x")</script> at the fair today. ' + "z" * 90_000
    scopemodel.use(sure_of("in_scope", "the fair"))
    receipt = submit(rt, IncomingReport(channel=Channel.API, text=hostile))
    analyse_all(rt)
    page = signed_in(rt).get(f"/console/reports/{receipt.report_id}")
    assert page.status_code == 200
    assert "learned reading" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
