"""Evaluate the risk score and the approach types on the shared evaluation corpus.

    .venv/bin/python bench/evaluate.py                 # every labelled message
    .venv/bin/python bench/evaluate.py --split         # only the held-out half (the one never fitted on)
    .venv/bin/python bench/evaluate.py --fit           # fit the weights on the other half, print them
    .venv/bin/python bench/evaluate.py --split --no-auth   # ablation: ignore SPF/DKIM/DMARC verdicts

The corpus lives in /work/shared/data (or $WATCHWORD_EVAL_DATA), read-only; it
is never copied into the repository. The half a message belongs to is a hash
of its path, so the split is the same on every machine and every run.

AUC is computed with the rank formula (Mann-Whitney U with mid-ranks for ties),
so no scikit-learn is needed. The approach "date or era" rule: the pipeline
never reads the Date header, years or mailer versions, and this script gives
it nothing but the raw bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from watchword.analysis import classify as classify_module
from watchword.analysis import pipeline
from watchword.analysis.classify import classify, score
from watchword.analysis.features import FEATURES, email_features
from watchword.domain import AuthResult, Document

DATA = Path(os.environ.get("WATCHWORD_EVAL_DATA", "/work/shared/data"))


def in_test_half(path: str) -> bool:
    return hashlib.sha256(path.encode()).digest()[0] % 2 == 1


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    allv = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # ranks are 1-based; ties share the mean rank
        rank_sum += mid * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def analyse(raw: bytes, no_auth: bool) -> Document:
    doc = Document(kind="email", raw=raw)
    stages = pipeline.STAGES
    if no_auth:
        # Ablation: run everything, then forget the servers' verdicts and classify again.
        pipeline.run(doc, stages)
        if doc.auth is not None:
            a = doc.auth
            doc.auth = AuthResult(
                **{**{f: getattr(a, f) for f in a.__slots__}, "spf": "none", "dkim": "none", "dmarc": "none"}
            )
        doc.reasons = []
        classify(doc)
        return doc
    return pipeline.run(doc, stages)


def fit(rows: list[tuple[dict[str, float], int]], l2: float = 1.0, iters: int = 3000) -> tuple[float, dict[str, float]]:
    """L2-regularised logistic regression by full-batch gradient descent (numpy, bench only)."""
    import numpy as np

    x = np.array([[r[0].get(f, 0.0) for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    # Balance the classes so that the larger one does not set the bias alone.
    w_pos = 0.5 / max(y.mean(), 1e-9)
    w_neg = 0.5 / max(1 - y.mean(), 1e-9)
    sw = np.where(y == 1, w_pos, w_neg)
    w = np.zeros(x.shape[1])
    b = 0.0
    lr = 0.5
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * sw
        w -= lr * (x.T @ g / len(y) + l2 * w / len(y))
        b -= lr * g.mean()
    return float(b), {f: round(float(v), 2) for f, v in zip(FEATURES, w, strict=True)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", action="store_true", help="evaluate on the held-out half only")
    ap.add_argument("--fit", action="store_true", help="fit weights on the training half and print them")
    ap.add_argument("--no-auth", action="store_true", help="ablation: ignore SPF/DKIM/DMARC verdicts")
    ap.add_argument("--limit", type=int, default=0, help="at most this many messages (quick runs)")
    ap.add_argument("--save-weights", type=Path, help="with --fit: write the fitted bias and weights to this JSON file")
    ap.add_argument(
        "--weights", type=Path, help="score with the bias and weights of this JSON file instead of classify.py's"
    )
    ap.add_argument(
        "--drop",
        default="",
        help="comma-separated feature names whose weights are set to 0 (ablation: how much rests on them)",
    )
    ap.add_argument("--worst", type=int, default=0, help="print the N worst-ranked messages of each class")
    args = ap.parse_args()

    if args.weights:
        # For honest reporting: the raw fitted weights, before any hand edits, on the held-out half.
        loaded = json.loads(args.weights.read_text())
        classify_module.BIAS = float(loaded["bias"])
        classify_module.WEIGHTS.update({k: float(v) for k, v in loaded["weights"].items()})
    for name in filter(None, args.drop.split(",")):
        if name not in classify_module.WEIGHTS:
            print(f"unknown feature {name!r}; known: {', '.join(FEATURES)}")
            return 2
        classify_module.WEIGHTS[name] = 0.0
    labels = DATA / "labels.jsonl"
    if not labels.exists():
        print(f"evaluation data not found at {DATA} (set WATCHWORD_EVAL_DATA); nothing to do")
        return 0
    entries = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    if args.split or args.fit:
        want_test = not args.fit
        entries = [e for e in entries if in_test_half(e["path"]) == want_test]
    if args.limit:
        entries = entries[: args.limit]

    scores: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    rows: list[tuple[dict[str, float], int]] = []
    worst: dict[str, list[tuple[float, str, list[str]]]] = defaultdict(list)
    t0 = time.perf_counter()
    for e in entries:
        raw = (DATA / e["path"]).read_bytes()
        doc = analyse(raw, args.no_auth)
        label = e["label"]
        scores[label].append(doc.risk)
        kinds[label][str(doc.approach_type)] += 1
        for r in doc.reasons:
            reasons[label][r.split(" (", 1)[0]] += 1
        if args.fit:
            rows.append((email_features(doc).values, 0 if label == "ham" else 1))
        if args.worst:
            worst[label].append((doc.risk, e["path"], doc.reasons))
    elapsed = time.perf_counter() - t0

    n = sum(len(v) for v in scores.values())
    which = "training half" if args.fit else "held-out half (--split)" if args.split else "all"
    print(
        f"messages: {n} ({which}{', auth verdicts ignored' if args.no_auth else ''}); "
        f"{n / elapsed:.0f} emails/s through the whole pipeline"
    )
    for label in ("ham", "spam", "phish"):
        s = sorted(scores.get(label, []))
        if s:
            print(f"  {label:5s} n={len(s):5d} median risk={s[len(s) // 2]:.3f}")
    print(f"ROC AUC spam  vs ham: {auc(scores['spam'], scores['ham']):.4f}")
    print(f"ROC AUC phish vs ham: {auc(scores['phish'], scores['ham']):.4f}")
    print(f"ROC AUC (spam+phish) vs ham: {auc(scores['spam'] + scores['phish'], scores['ham']):.4f}")
    for label in ("ham", "spam", "phish"):
        total = sum(kinds[label].values()) or 1
        dist = ", ".join(f"{k} {100 * c / total:.1f}%" for k, c in kinds[label].most_common())
        print(f"\napproach types, {label}: {dist}")
        print(f"top reasons, {label}:")
        for r, c in reasons[label].most_common(8):
            print(f"  {100 * c / total:5.1f}%  {r}")
    if args.worst:
        for label, reverse in (("ham", True), ("spam", False), ("phish", False)):
            print(f"\nworst {label}:")
            for risk, path, rs in sorted(worst[label], reverse=reverse)[: args.worst]:
                print(f"  {risk:.3f} {path} {rs[:3]}")
    if args.fit:
        bias, weights = fit(rows)
        print(f"\nfitted on {len(rows)} messages of the training half: BIAS = {bias:.2f}")
        print("WEIGHTS = " + json.dumps(weights, indent=4))
        if args.save_weights:
            args.save_weights.write_text(json.dumps({"bias": bias, "weights": weights}, indent=1))
        current = auc([score(r[0]) for r in rows if r[1]], [score(r[0]) for r in rows if not r[1]])
        print(f"(the weights now in classify.py score AUC {current:.4f} on this same training half)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
