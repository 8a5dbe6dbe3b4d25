"""The rules' reading of a report, then the learned scope reading where it may move the outcome.

`reading.read` decides scope from the acts and the basis its word lists find. On authors the lists
were never tuned on, most real approaches it did not keep were reports in which it read no act at
all (needs detail), told in words nobody had listed. The learned reading (scopemodel.py: byte
n-grams and the rules' own signals, trained on the tuning half) may move one outcome, when sure:

- needs detail -> in scope (LEARNED_KEEP). The type is that of the weak acts the rules read, if
  any, else the type model's first choice (typemodel.py), and the reasons say that the learned
  reading kept the report and quote the words of it that weighed most, so the analyst can check.

It never turns a report away and never accepts one the rules turned away: a request to watch a
person stays refused, and an approach is never refused for a nationality, faith or politics named
in it (those words are masked from the model as well, so it cannot keep or leave a report on them).
Turning away questions beside a request about a person was tried: on the leave-two-authors-out
folds it caught one more out-of-scope report of 558, and it refused "please check out this
LinkedIn contact who keeps asking about our customers", an approach (docs/benchmarks.md, "Sixth
round"), so it was left out.
"""

from __future__ import annotations

from watchword.analysis import scopemodel
from watchword.analysis.reading import MAX_CHARS, Reading, _quote, fold, read
from watchword.analysis.typemodel import model as type_model
from watchword.domain import ApproachType, Scope

# How sure the learned reading must be to keep a report the rules read no act in. Chosen on the
# leave-two-authors-out folds of the tuning half (bench/reading_cv.py): 0.7 kept a few more
# approaches and took more vague reports with them.
LEARNED_KEEP = 0.8


def read_report(text: str, form: str = "", answers: dict[str, str] | None = None) -> Reading:
    """A free-text report's reading: the rules', with the learned scope reading applied."""
    reading = read(text, form, answers)
    apply(reading, text, answers)
    return reading


def model_input(text: str, form: str = "", answers: dict[str, str] | None = None) -> scopemodel.ModelInput:
    """What the learned reading is given for a report (the trainer reads the tuning half through this)."""
    given = read(text, form, answers).model_input
    if given is None:
        raise ValueError("a report's reading always carries the model's input")
    return given


def apply(reading: Reading, text: str, answers: dict[str, str] | None = None) -> None:
    learned = scopemodel.model()
    given = reading.model_input
    if learned is None or given is None or reading.scope != Scope.NEEDS_DETAIL:
        return
    sure = learned.scores(given).probability["in_scope"]
    if sure < LEARNED_KEEP:
        return
    original = text[:MAX_CHARS]
    folded = fold(original)
    kind = reading.acts[0].type if reading.acts else _learned_type(folded, answers)
    if kind is None:
        return
    source = original if len(original) == len(folded) else folded
    words = _words(learned, given, source, "in_scope")
    reading.scope = Scope.IN_SCOPE
    reading.primary = kind
    reading.secondary = []
    reading.scope_reason = f"the rules read no act clearly, but the learned reading reads an approach{words}"
    reading.learned_reason = f"kept in scope by the learned reading ({sure:.0%} sure){words}"


def _words(learned: scopemodel.ScopeModel, given: scopemodel.ModelInput, source: str, chosen: str) -> str:
    span = learned.explain(given.text, chosen, len(source))
    return f', most from the words "{_quote(source, *span)}"' if span else ""


def _learned_type(folded: str, answers: dict[str, str] | None) -> ApproachType | None:
    """The type of a report kept without an act read: the type model's first choice."""
    learned = type_model()
    if learned is None:
        return None
    answered = " ".join(str(v) for k, v in (answers or {}).items() if v and k not in ("form", "files"))
    scores = learned.scores(folded + " \n" + fold(answered))
    return ApproachType(max(scores, key=lambda t: scores[t]))
