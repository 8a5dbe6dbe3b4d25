"""Scope models with chosen weights, standing in for the trained one so a test of the learned moves can fail."""

from __future__ import annotations

import numpy as np

from watchword.analysis import typemodel
from watchword.analysis.scopemodel import CLASSES, ScopeModel


def sure_of(outcome: str, words: str = "") -> ScopeModel:
    """A model whose bias makes it sure of `outcome`; the n-grams of `words`, if any, weigh for it too."""
    bias = np.full(len(CLASSES), -4.0, dtype=np.float32)
    bias[CLASSES.index(outcome)] = 4.0
    rows = np.array([0], dtype=np.int64)
    weights = np.zeros((1, len(CLASSES)), dtype=np.float32)
    if words:
        rows = np.unique(np.concatenate(typemodel.ngram_hashes(words.encode("utf-8")))).astype(np.int64)
        weights = np.zeros((len(rows), len(CLASSES)), dtype=np.float32)
        weights[:, CLASSES.index(outcome)] = 1.0
    return ScopeModel(rows, weights, bias, list(CLASSES))
