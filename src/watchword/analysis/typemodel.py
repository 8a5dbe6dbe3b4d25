"""A small learned tie-breaker for the approach type of a free-text report.

The reading's rules decide the type from the acts they find and the precedence between them
(reading.py). When two types come out close (within TIE_DELTA of each other), the rules have no
good reason to prefer one, and this model breaks the tie: a linear model (multinomial logistic
regression) over hashed byte n-grams (3 to 5 bytes of the folded UTF-8 text, so Chinese and
Russian are covered like the Latin-script languages), trained by `bench/train_type_model.py` on
the tuning half of the blind evaluation set only (bench/reading/tune/), numpy only, offline.

It never decides alone and never adds a type: it only chooses among the types the acts already
showed, so every reason an analyst sees still quotes an act. Measured as a tie-breaker on folds
the rules had never been tuned on (docs/benchmarks.md, "Fourth round"): +3 and +4 right of 99.
Reading one report costs ~0.1 ms (one np.unique over a few thousand hashes and a lookup).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: see watchword/analysis/fingerprint.py's `_hashing`
    import numpy as np

BITS = 17
NGRAMS = (3, 4, 5)
MAX_CHARS = 3000
_MUL = 0x9E3779B1
_MASK = 0xFFFFFFFF
MODEL_FILE = "type_model.npz"


def ngram_hashes(data: bytes) -> list[np.ndarray]:
    """For each n in NGRAMS, the bucket of every n-gram of these bytes, in order (empty when too short)."""
    import numpy as np

    mul, mask = np.uint64(_MUL), np.uint64(_MASK)
    values = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    out = []
    for n in NGRAMS:
        if len(values) < n:
            out.append(np.zeros(0, dtype=np.uint64))
            continue
        h = np.zeros(len(values) - n + 1, dtype=np.uint64)
        for k in range(n):
            h = (h * np.uint64(257) + values[k : len(values) - n + 1 + k]) & mask
        h = ((h + np.uint64(n)) * mul) & mask
        out.append(h >> np.uint64(32 - BITS))
    return out


def features(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed byte n-grams of folded text: bucket indices and their weights (1 + log count, unit length)."""
    import numpy as np

    parts = [h for h in ngram_hashes(folded[:MAX_CHARS].encode("utf-8")) if len(h)]
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    index, count = np.unique(np.concatenate(parts), return_counts=True)
    value = 1.0 + np.log(count)
    return index.astype(np.int64), (value / (np.linalg.norm(value) + 1e-9)).astype(np.float32)


class TypeModel:
    """The trained weights: only the buckets seen in training are stored (sorted), with the bias."""

    def __init__(self, rows: np.ndarray, weights: np.ndarray, bias: np.ndarray, types: list[str]) -> None:
        import numpy as np

        self.rows = rows
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.types = types

    def scores(self, folded: str) -> dict[str, float]:
        """The model's score (a logit) for each type."""
        import numpy as np

        index, value = features(folded)
        at = np.searchsorted(self.rows, index)
        at[at >= len(self.rows)] = 0
        known = self.rows[at] == index
        logits = value[known] @ self.weights[at[known]] + self.bias
        return {t: float(v) for t, v in zip(self.types, logits, strict=True)}


def load(data: bytes) -> TypeModel:
    import numpy as np

    with np.load(BytesIO(data)) as npz:
        return TypeModel(npz["rows"], npz["weights"], npz["bias"], [str(t) for t in npz["types"]])


_OVERRIDE: list[TypeModel | None] = []


def use(replacement: TypeModel | None) -> None:
    """Read with another model (a fold's, from bench/train_type_model.py --out), or None for the rules alone."""
    _OVERRIDE[:] = [replacement]


@lru_cache(maxsize=1)
def _shipped() -> TypeModel | None:
    path = resources.files("watchword.analysis") / "data" / MODEL_FILE
    return load(path.read_bytes()) if path.is_file() else None


def model() -> TypeModel | None:
    """The model in use: the shipped one, or None when the file is absent (the rules then decide alone)."""
    return _OVERRIDE[0] if _OVERRIDE else _shipped()
