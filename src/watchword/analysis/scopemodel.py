"""A small learned reading of scope, beside the rules: is this report an approach or not?

The rules (reading.py) decide scope from the acts and the basis they find in their word lists. What
those lists miss is wording: on authors they were never tuned on, most real approaches that were not
kept were reports in which no act was read at all ("needs detail"), told in words nobody listed. This
model reads the same report differently: a multinomial logistic regression over hashed byte n-grams
(the features of typemodel.py, so the six languages and mixed text are read alike) and a few
signals of what the rules read (SIGNALS), three classes (in_scope, out_of_scope, needs_detail),
trained by `bench/train_scope_model.py` on the tuning half of the blind evaluation set only, numpy
only, offline, the same files giving the same model (~0.15 ms a report).

The words of a nationality, faith or political view are masked before the n-grams are taken
(`masked`), so no weight can rest on who someone is; and learnedscope.py lets the model move one
outcome only, keeping in scope a report the rules read no act in: it never turns one away. When it
moves a report's outcome, `explain` quotes the stretch of the report whose n-grams weighed most
for it, so the analyst sees the words it went on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: see watchword/analysis/fingerprint.py's `_hashing`
    import numpy as np

from watchword.analysis.typemodel import BITS, MAX_CHARS, NGRAMS, features, ngram_hashes
from watchword.domain.states import ApproachType

MODEL_FILE = "scope_model.npz"
CLASSES = ("in_scope", "out_of_scope", "needs_detail")
# What the rules read, given to the model beside the n-grams: how much act they found and of which
# type, which of the basis lists matched (never the nationality, faith or politics ones), the form
# and the report's length. Not the rules' own verdict: on the tuning half that verdict is the label
# (the rules were tuned on it), and a model that learned to copy it would add nothing elsewhere.
# Every approach type of the taxonomy, in its published order (the model's signal columns follow it).
APPROACH_TYPES = tuple(
    str(kind) for kind in ApproachType if kind not in (ApproachType.BENIGN, ApproachType.UNDETERMINED)
)
# The basis lists whose matches the model is told of (never the nationality, faith or politics ones).
BASIS = (
    "watch",
    "hedge",
    "feeling",
    "no_act",
    "no_act_weak",
    "vague",
    "press_channel",
    "press_bypass",
    "contact",
    "request",
    "person",
    "identify",
    "associations",
    "press",
)
FORMS = ("email", "social", "in_person", "device", "visitor", "other", "none")
LENGTHS = ((80, "short"), (200, "medium"), (500, "long"))
SIGNALS = (
    *(f"acts:{level}" for level in ("none", "weak", "one", "strong")),
    *(f"type:{kind}" for kind in APPROACH_TYPES),
    *(f"basis:{name}" for name in BASIS),
    *(f"form:{form}" for form in FORMS),
    *(f"length:{size}" for _, size in LENGTHS),
    "length:longer",
    "answers",
    "digits",
)
SIGNAL_VALUE = 0.5
MASK = "#"
# How much of the report the quote covers, in characters: a phrase, as a reason quotes one.
EXPLAIN_WINDOW = 60


def masked(folded: str, spans: list[tuple[int, int]]) -> str:
    """The folded text with these spans (nationality, faith, politics words) replaced, length kept."""
    if not spans:
        return folded
    chars = list(folded)
    for start, end in spans:
        chars[start:end] = MASK * (end - start)
    return "".join(chars)


def model_text(folded: str, answers: str) -> str:
    """The text the model reads: the (masked) folded text, then the form's answers."""
    return f"{folded[:MAX_CHARS]} \n{answers}"


def signals(
    act_level: float,
    strong: bool,
    types: list[str],
    basis: set[str],
    form: str,
    original: str,
    answered: bool,
) -> tuple[str, ...]:
    """The rules' reading as signal names: `act_level` is the act score over the reading's threshold
    (0 no act, below 1 a weak one), `strong` an act that outweighs a request to watch someone."""
    level = "none" if act_level <= 0 else "weak" if act_level < 1 else "strong" if strong else "one"
    out = [f"acts:{level}", *(f"type:{t}" for t in types)]
    out += [f"basis:{name}" for name in BASIS if name in basis]
    out.append(f"form:{form or 'none'}")
    out.append("length:" + next((name for limit, name in LENGTHS if len(original) < limit), "longer"))
    if answered:
        out.append("answers")
    if any(c.isdigit() for c in original):
        out.append("digits")
    return tuple(out)


def vector(text: str, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The model's features: the text's hashed n-grams, then one index per signal past the buckets."""
    import numpy as np

    index, value = features(text)
    known = [SIGNALS.index(s) for s in names if s in SIGNALS]
    extra = np.array(sorted(set(known)), dtype=np.int64) + (1 << BITS)
    return np.concatenate([index, extra]), np.concatenate([value, np.full(len(extra), SIGNAL_VALUE, np.float32)])


@dataclass(slots=True, frozen=True)
class ModelInput:
    """What the reading hands the model: the masked text and the names of the rules' signals."""

    text: str
    signals: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class ScopeScores:
    probability: dict[str, float]


class ScopeModel:
    """The trained weights: only the buckets seen in training are stored (sorted), with the bias."""

    def __init__(self, rows: np.ndarray, weights: np.ndarray, bias: np.ndarray, classes: list[str]) -> None:
        import numpy as np

        if list(classes) != list(CLASSES):
            raise ValueError(f"scope model classes {classes!r}, expected {list(CLASSES)!r}")
        self.rows = rows
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.classes = list(classes)

    def _lookup(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        at = np.searchsorted(self.rows, index)
        at[at >= len(self.rows)] = 0
        return at, self.rows[at] == index

    def scores(self, given: ModelInput) -> ScopeScores:
        """The probability of each class for one report."""
        import numpy as np

        index, value = vector(given.text, given.signals)
        at, known = self._lookup(index)
        logits = value[known] @ self.weights[at[known]] + self.bias
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return ScopeScores({c: float(v) for c, v in zip(self.classes, p, strict=True)})

    def explain(self, text: str, chosen: str, limit: int) -> tuple[int, int] | None:
        """The span (character offsets, below `limit`) whose n-grams weighed most for `chosen`.

        Each n-gram's weight for the class against the mean of the others is spread over its bytes;
        the window of EXPLAIN_WINDOW characters with the largest sum is the span. None when nothing
        in the text weighed for the class (the bias or the form decided).
        """
        import numpy as np

        data = text[:limit].encode("utf-8")
        if not data:
            return None
        k = self.classes.index(chosen)
        margin = self.weights[:, k] - (self.weights.sum(axis=1) - self.weights[:, k]) / (len(self.classes) - 1)
        per_byte = np.zeros(len(data), dtype=np.float64)
        for n, buckets in zip(NGRAMS, ngram_hashes(data), strict=True):
            if not len(buckets):
                continue
            at, known = self._lookup(buckets.astype(np.int64))
            weight = np.where(known, margin[at], 0.0) / n
            for offset in range(n):
                per_byte[offset : offset + len(weight)] += weight
        # Bytes to characters: every character's first byte.
        starts = np.frombuffer(data, dtype=np.uint8) & 0xC0 != 0x80
        per_char = np.add.reduceat(per_byte, np.flatnonzero(starts))
        width = min(EXPLAIN_WINDOW, len(per_char))
        sums = np.convolve(per_char, np.ones(width), mode="valid")
        best = int(np.argmax(sums))
        if sums[best] <= 0:
            return None
        return best, best + width


def load(data: bytes) -> ScopeModel:
    """A model written by bench/train_scope_model.py; refused if its signals are not this code's."""
    import numpy as np

    with np.load(BytesIO(data)) as npz:
        signals = tuple(str(s) for s in npz["signals"])
        if signals != SIGNALS:
            raise ValueError("the scope model was trained with other signals: retrain it (bench/train_scope_model.py)")
        return ScopeModel(npz["rows"], npz["weights"], npz["bias"], [str(c) for c in npz["classes"]])


_OVERRIDE: list[ScopeModel | None] = []


def use(replacement: ScopeModel | None) -> None:
    """Read with another model (a fold's, from bench/train_scope_model.py --out), or None for the rules alone."""
    _OVERRIDE[:] = [replacement]


@lru_cache(maxsize=1)
def _shipped() -> ScopeModel | None:
    path = resources.files("watchword.analysis") / "data" / MODEL_FILE
    return load(path.read_bytes()) if path.is_file() else None


def model() -> ScopeModel | None:
    """The model in use: the shipped one, or None when the file is absent (the rules then decide alone)."""
    return _OVERRIDE[0] if _OVERRIDE else _shipped()
