"""Out-of-fold records of the learned scope reading, and the decisions that can be built on them.

    # 1. record: each fold's reports read with the fold's scope model (fitted by bench/reading_cv.py
    #    --count K --cache DIR, reused here), one process per fold list
    PYTHONPATH=src:bench .venv/bin/python bench/reading_stack.py record --authors A,B,... --count 4 \
        --numbers 0,1 --cache /tmp/cv --out /tmp/rec01.json
    # 2. measure decisions on the pooled records (thresholds, per language; the stacked decision with
    #    leave-authors-out folds of its own)
    PYTHONPATH=src:bench .venv/bin/python bench/reading_stack.py sweep --records /tmp/rec01.json,/tmp/rec23.json

Why: bench/reading_cv.py reads each threshold through the whole pipeline; here every held-out report is
read twice (the rules alone, and with every report the learned reading may move kept), and what the
learned reading may do to it (learnedscope's guards: may_move, may_refuse_reading, may_overrule) is
recorded beside the fold model's probabilities. Any decision that respects those guards is then a
lookup, so thresholds per language and a stacked decision (a small logistic model over the
out-of-fold probabilities and the rules' signals, itself fitted on other authors than those it
decides) are measured in seconds, on exactly what the pipeline would output. Only tune/ is read;
leave the authors of a dev set out of --authors (their reports are then neither recorded nor fitted on).

Caveats: the stack's own folds are by author, but the probabilities it is fitted on came from scope
models that saw the authors it then decides (the usual stacking approximation); and the rules were
tuned on most tuning authors, so on the records they read nearly everything right and a stack learns
to trust them: on the seventeenth round's folds it kept fewer approaches than the bare thresholds and
caught no more (docs/benchmarks.md, "Seventeenth round (reading17m)"). A setting is chosen here and
confirmed on a dev set through the pipeline (bench/reading.py), never chosen on the dev set.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from reading import LANGS, count, predict
from reading_cv import fold_members
from train_scope_model import load_rows
from watchword.analysis import learnedscope, scopemodel
from watchword.analysis.reading import fold, lexicons
from watchword.analysis.scopemodel import CLASSES, ScopeModel

Rec = dict[str, Any]


def record(args: argparse.Namespace) -> int:
    chosen = set(args.authors.split(","))
    _, rows = load_rows(chosen)
    authors = sorted({str(r["author"]) for r in rows})
    dealt = ["+".join(authors[k :: args.count]) for k in range(args.count)]
    folds = [dealt[int(k)] for k in args.numbers.split(",")] if args.numbers else dealt
    lex = lexicons()
    lex.matcher.warm()
    protected = [g for g in lex.grounds if g.name in ("origin", "faith", "politics")]
    seen: list[dict[str, Any]] = []
    original_apply = learnedscope.apply

    def hook(reading: Any, text: str, answers: Any = None, may_refuse: bool = True) -> None:
        given = reading.model_input
        learned = scopemodel.model()
        state: dict[str, Any] = {"rules": reading.scope.value, "may_refuse": may_refuse, "read_lang": reading.language}
        if given is not None and learned is not None:
            state["p"] = [learned.scores(given).probability[c] for c in CLASSES]
            state["signals"] = list(given.signals)
            state["move"] = learnedscope.may_move(reading)
            state["refuse"] = learnedscope.may_refuse_reading(reading)
            state["overrule"] = learnedscope.may_overrule(reading)
            state["grounds_alone"] = learnedscope.refused_for_grounds_alone(reading)
            state["done_to"] = reading.done_to or reading.asked_of_ours
        seen.append(state)
        original_apply(reading, text, answers, may_refuse)

    learnedscope.apply = hook  # type: ignore[assignment]
    out: list[Rec] = []
    for group in folds:
        found = sorted(Path(args.cache).glob(f"scope-{group}-*.npz"))
        if len(found) != 1:
            raise SystemExit(f"fold {group}: {len(found)} cached scope models in {args.cache}, expected one")
        with np.load(found[0]) as npz:
            fitted = ScopeModel(npz["used"], npz["w"], npz["b"], list(CLASSES))
        members = fold_members(group, authors)
        test = [r for r in rows if str(r["author"]) in members]
        for row in test:
            scopemodel.use(None)
            rules = predict(row)
            scopemodel.use(fitted)
            learnedscope.LEARNED_KEEP, learnedscope.LEARNED_REFUSE, learnedscope.LEARNED_OVERRULE = 0.0, 2.0, 2.0
            seen.clear()
            kept = predict(row)
            state = seen[-1] if seen else {}
            folded = fold(str(row["text"]))
            out.append(
                {
                    "id": row["id"],
                    "author": row["author"],
                    "lang": row["lang"],
                    "scope": row["scope"],
                    "type": row["type"],
                    "R": list(rules[:2]),
                    "K": list(kept[:2]),
                    "grounds_named": any(g.pattern.search(folded) for g in protected),
                    "watch_named": bool(lex.watch.pattern.search(folded)),
                    **state,
                }
            )
        print(f"fold {group}: {len(test)} reports recorded", flush=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return 0


# ---- decisions over the records ----

Decision = dict[str, Any]


def decide(rec: Rec, pol: Decision, meta: dict[str, list[float]] | None = None) -> tuple[str, str]:
    """What the pipeline outputs for this report under the policy: a lookup in the record."""
    if "p" not in rec:
        return rec["R"][0], rec["R"][1]
    lang = rec["read_lang"]
    p = dict(zip(CLASSES, meta[rec["id"]] if meta is not None else rec["p"], strict=True))
    keep = pol["keep"].get(lang, pol["keep"]["*"]) if isinstance(pol["keep"], dict) else pol["keep"]
    refuse = pol["refuse"].get(lang, pol["refuse"]["*"]) if isinstance(pol["refuse"], dict) else pol["refuse"]
    over = pol["overrule"].get(lang, pol["overrule"]["*"]) if isinstance(pol["overrule"], dict) else pol["overrule"]
    if rec["may_refuse"] and rec["overrule"] and over <= 1:
        return ("out_of_scope", "benign") if p["out_of_scope"] >= over else (rec["R"][0], rec["R"][1])
    if rec["move"]:
        if p["in_scope"] >= keep and rec["K"][0] == "in_scope":
            return rec["K"][0], rec["K"][1]
        if rec["may_refuse"] and rec["refuse"] and p["out_of_scope"] >= refuse:
            return "out_of_scope", "benign"
        # A relaxed guard, measured only: a weak act told of nobody in particular (not done to the
        # reporter or the organisation, nobody turning to the reporter) may be turned away too.
        weak = rec["rules"] == "needs_detail" and "acts:weak" in rec["signals"]
        weak = weak and "basis:contact" not in rec["signals"] and not rec.get("done_to")
        if pol.get("refuse_weak", 2.0) <= 1 and rec["may_refuse"] and weak and p["out_of_scope"] >= pol["refuse_weak"]:
            return "out_of_scope", "benign"
    return rec["R"][0], rec["R"][1]


def tally(recs: list[Rec], got: list[tuple[str, str]]) -> dict[str, Counter[str]]:
    t: dict[str, Counter[str]] = defaultdict(Counter)
    for rec, (scope, kind) in zip(recs, got, strict=True):
        for key in ("all", rec["lang"], "author:" + rec["author"]):
            count(t[key], rec, scope, kind)
        if rec["scope"] == "in_scope" and scope == "out_of_scope" and rec["grounds_named"]:
            t["all"]["refused_grounds"] += 1
        if rec["scope"] == "out_of_scope" and scope == "in_scope" and rec["watch_named"]:
            t["all"]["watch_accepted"] += 1
    return t


def _r(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "-"


def summary(name: str, t: dict[str, Counter[str]], langs: bool = True) -> str:
    a = t["all"]
    s = (
        f"{name:44s} kept {_r(a['kept'], a['in']):18s} caught {_r(a['caught'], a['out']):18s} "
        f"detail {_r(a['detail'], a['nd']):18s} type {_r(a['type'], a['in']):18s} "
        f"grounds {a['refused_grounds']} watch {a['watch_accepted']}"
    )
    if langs:
        s += "\n" + " " * 46 + "kept  " + " ".join(f"{g} {t[g]['kept'] / max(t[g]['in'], 1):.3f}" for g in LANGS)
        s += "\n" + " " * 46 + "caught" + " ".join(f"{g} {t[g]['caught'] / max(t[g]['out'], 1):.3f}" for g in LANGS)
        s += "\n" + " " * 46 + "detail" + " ".join(f"{g} {t[g]['detail'] / max(t[g]['nd'], 1):.3f}" for g in LANGS)
    return s


# The stacked decision's inputs: the fold model's log-probabilities, the rules' outcome, their signals
# (not the form or the act types: many columns, few reports each; never the nationality, faith or
# politics words, which are masked and no signal), the language, and the model's two margins (in scope
# and out of scope against needs detail) by language, so that each language has its own calibration.
STACK_SIGNALS = tuple(s for s in scopemodel.SIGNALS if not s.startswith(("form:", "type:")))


def meta_features(rec: Rec) -> list[float]:
    x = [math.log(max(v, 1e-6)) for v in rec["p"]]
    x += [float(rec["rules"] == c) for c in CLASSES]
    given = set(rec["signals"])
    x += [float(s in given) for s in STACK_SIGNALS]
    lang = rec["read_lang"]
    x += [float(lang == g) for g in LANGS]
    margin_in, margin_out = x[0] - x[2], x[1] - x[2]
    x += [margin_in * float(lang == g) for g in LANGS]
    x += [margin_out * float(lang == g) for g in LANGS]
    return x


def fit_meta(xs: np.ndarray, ys: np.ndarray, weights: np.ndarray, l2: float, steps: int = 400) -> np.ndarray:
    """Softmax regression, full-batch gradient descent, deterministic."""
    n, d = xs.shape
    x1 = np.hstack([xs, np.ones((n, 1))])
    w = np.zeros((d + 1, 3))
    y = np.eye(3)[ys]
    share = (weights / weights.sum())[:, None]
    for _ in range(steps):
        z = x1 @ w
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        grad = x1.T @ ((p - y) * share) + l2 * np.vstack([w[:-1], np.zeros((1, 3))])
        w -= 0.5 * grad
    return w


def meta_predict(w: np.ndarray, xs: np.ndarray) -> np.ndarray:
    z = np.hstack([xs, np.ones((len(xs), 1))]) @ w
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def stacked(recs: list[Rec], groups: int, l2: float, fresh_weight: float, fresh: set[str]) -> dict[str, list[float]]:
    """Each report's stacked probabilities, from a meta-model fitted on the records of other authors."""
    usable = [r for r in recs if "p" in r]
    authors = sorted({r["author"] for r in usable})
    out: dict[str, list[float]] = {}
    xs = np.array([meta_features(r) for r in usable])
    mu, sd = xs.mean(0), xs.std(0) + 1e-6
    xs = (xs - mu) / sd
    ys = np.array([CLASSES.index(r["scope"]) for r in usable])
    wt = np.array([fresh_weight if r["author"] in fresh else 1.0 for r in usable])
    for k in range(groups):
        held = set(authors[k::groups])
        train = np.array([r["author"] not in held for r in usable])
        w = fit_meta(xs[train], ys[train], wt[train], l2)
        p = meta_predict(w, xs[~train])
        for r, v in zip([r for r in usable if r["author"] in held], p, strict=True):
            out[r["id"]] = [float(a) for a in v]
    return out


GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2.0)
# How much a kept approach weighs against a request caught or a vague report left for detail when the
# thresholds are chosen: losing an approach is the costlier error.
KEPT_WORTH = 3.0


def _worth(t: Counter[str]) -> float:
    return KEPT_WORTH * t["kept"] + t["caught"] + t["detail"]


def per_language(recs: list[Rec], groups: int, meta: dict[str, list[float]] | None = None) -> list[tuple[str, str]]:
    """Thresholds chosen per language on the other authors' records, applied to each group of authors."""
    authors = sorted({r["author"] for r in recs})
    got: dict[str, tuple[str, str]] = {}
    for k in range(groups):
        held = set(authors[k::groups])
        train = [r for r in recs if r["author"] not in held]
        pol: dict[str, Any] = {"keep": {"*": 0.8}, "refuse": {"*": 0.8}, "overrule": {"*": 2.0}}
        for lang in LANGS:
            mine = [r for r in train if r.get("read_lang") == lang]
            for knob in ("refuse", "overrule", "keep"):
                best = max(
                    GRID,
                    key=lambda v: (
                        _worth(
                            tally(mine, [decide(r, {**pol, knob: {**pol[knob], lang: v}}, meta) for r in mine])["all"]
                        ),
                        v,
                    ),
                )
                pol[knob] = {**pol[knob], lang: best}
        print(f"  group {k}: " + "; ".join(f"{n} {v}" for n, v in pol.items()))
        for r in recs:
            if r["author"] in held:
                got[r["id"]] = decide(r, pol, meta)
    return [got[r["id"]] for r in recs]


def sweep(args: argparse.Namespace) -> int:
    recs: list[Rec] = [r for f in args.records.split(",") for r in json.loads(Path(f).read_text())]
    if args.only:
        recs = [r for r in recs if r["author"] in set(args.only.split(","))]
    print(f"{len(recs)} records, {len({r['author'] for r in recs})} authors")
    rules = [(r["R"][0], r["R"][1]) for r in recs]
    print(summary("rules alone", tally(recs, rules)))
    # The shipped thresholds, read from the module so the row cannot go stale.
    base = {
        "keep": learnedscope.LEARNED_KEEP,
        "refuse": learnedscope.LEARNED_REFUSE,
        "overrule": learnedscope.LEARNED_OVERRULE,
    }
    for name, pol in [
        ("shipped: keep {keep}, refuse {refuse}, overrule {overrule}".format(**base), base),
        ("overrule off", {**base, "overrule": 2.0}),
        ("keep 0.7", {**base, "keep": 0.7}),
        ("keep 0.6", {**base, "keep": 0.6}),
        ("refuse 0.7", {**base, "refuse": 0.7}),
        ("refuse 0.6", {**base, "refuse": 0.6}),
        ("refuse 0.5", {**base, "refuse": 0.5}),
        ("overrule 0.7", {**base, "overrule": 0.7}),
        ("overrule 0.6", {**base, "overrule": 0.6}),
        ("overrule 0.5", {**base, "overrule": 0.5}),
        ("overrule 0.4", {**base, "overrule": 0.4}),
        ("refuse a weak act told of nobody at 0.8", {**base, "refuse_weak": 0.8}),
        ("refuse a weak act told of nobody at 0.7", {**base, "refuse_weak": 0.7}),
        ("refuse a weak act told of nobody at 0.6", {**base, "refuse_weak": 0.6}),
    ]:
        got = [decide(r, pol) for r in recs]
        print(summary(name, tally(recs, got), langs=args.langs))
    print(summary("per-language thresholds, chosen out of group", tally(recs, per_language(recs, args.groups))))
    fresh = set(args.fresh.split(",")) if args.fresh else set()
    for l2 in [float(v) for v in args.l2.split(",")]:
        for fw in [float(v) for v in args.fresh_weight.split(",")]:
            meta = stacked(recs, args.groups, l2, fw, fresh)
            for keep in (0.5, 0.6, 0.7, 0.8):
                for refuse in (0.5, 0.6, 0.7, 0.8):
                    for over in (0.6, 0.7, 0.8, 2.0):
                        pol = {"keep": keep, "refuse": refuse, "overrule": over}
                        got = [decide(r, pol, meta) for r in recs]
                        name = f"stack l2 {l2} fw {fw}: k{keep} r{refuse} o{over}"
                        print(summary(name, tally(recs, got), langs=args.langs))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--authors", required=True)
    rec.add_argument("--count", type=int, default=4)
    rec.add_argument("--numbers", default="")
    rec.add_argument("--cache", required=True)
    rec.add_argument("--out", required=True)
    sw = sub.add_parser("sweep")
    sw.add_argument("--records", required=True)
    sw.add_argument("--only", default="", help="tally only these authors' records")
    sw.add_argument("--langs", action="store_true")
    sw.add_argument("--groups", type=int, default=4)
    sw.add_argument("--l2", default="0.001")
    sw.add_argument("--fresh", default="", help="authors no rule was tuned on, weighted by --fresh-weight")
    sw.add_argument("--fresh-weight", default="1")
    args = ap.parse_args()
    return record(args) if args.command == "record" else sweep(args)


if __name__ == "__main__":
    sys.exit(main())
