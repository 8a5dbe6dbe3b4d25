"""Leave-authors-out cross-validation of the learned scope reading on the tuning half.

    PYTHONPATH=src .venv/bin/python bench/reading_cv.py                  # folds AB, CD, EF, ... (pairs in order)
    PYTHONPATH=src .venv/bin/python bench/reading_cv.py --folds KL,QR --keep 0.7,0.8,0.9
    PYTHONPATH=src .venv/bin/python bench/reading_cv.py --refuse off,0.7,0.8,0.9 --wrong --cache /tmp/cv
    PYTHONPATH=src .venv/bin/python bench/reading_cv.py --authors ABCDEFGHIJKLMNOPQRUV   # an earlier pool of authors

For each fold, the scope model (bench/train_scope_model.py) and the type tie-breaker
(bench/train_type_model.py's model, trained here the same way on sparse rows) are trained on every
other tuning author, and the fold's reports are read through the whole pipeline, as bench/reading.py
reads them: once with the rules alone (with the fold's type model) and once per threshold with the
learned scope reading (`--keep`: how sure it must be to keep a report the rules read no act in;
`--refuse`: how sure it must be to turn away a report the rules left at needs detail, `off` never).
The held-out reports of every fold are pooled and tallied per language and
per author. Only tune/ is read, never test/.

A caveat the figures carry: the rules themselves were tuned on these authors, all but M and N (held
out until the seventh round, and touched then only by two list fixes), so "rules alone" is an upper
bound for the others and the learned reading can only lose there; every author is held out from the
models. With 16 authors a pair-fold run is ~70 s of CPU a fold; `--folds ABCD --dump f.json` per
process and `--pool` over the files split it, and `--cache` reuses fitted models between runs.
A change of the rules alone can be read with the fold models an earlier run fitted (`--fitted-in` that
run's cache): the models then saw the starting rules' signals, which the change moves on a handful of
reports; the shipped model is refitted on the changed rules all the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from reading import LANGS, count, label_of, predict
from train_scope_model import (
    L2,
    OUT_WEIGHT,
    STEPS,
    UNBASED_WEIGHT,
    UNREAD_WEIGHT,
    fit,
    load_rows,
    model_input,
    training_set,
)
from train_type_model import STEPS as TYPE_STEPS
from train_type_model import text_of
from watchword.analysis import learnedscope, scopemodel, typemodel
from watchword.analysis.reading import _PRECEDENCE, fold, lexicons
from watchword.analysis.scopemodel import CLASSES, ScopeModel
from watchword.analysis.typemodel import TypeModel, features

Row = dict[str, object]


def tally(rows: list[Row], results: list[tuple[str, str, list[str]]]) -> dict[str, Counter[str]]:
    lex = lexicons()
    protected = [g for g in lex.grounds if g.name in ("origin", "faith", "politics")]
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for row, (scope, kind, _also) in zip(rows, results, strict=True):
        for key in ("all", f"lang:{row['lang']}", f"author:{row['author']}"):
            count(out[key], row, scope, kind)
        folded = fold(str(row["text"]))
        if row["scope"] == "in_scope" and scope == "out_of_scope" and any(g.pattern.search(folded) for g in protected):
            out["all"]["refused_for_grounds"] += 1
        if row["scope"] == "out_of_scope" and scope == "in_scope" and lex.watch.pattern.search(folded):
            out["all"]["watch_accepted"] += 1
    return out


def _ratio(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "   -"


def line(name: str, t: Counter[str]) -> str:
    return (
        f"{name:12s} kept {_ratio(t['kept'], t['in']):16s} caught {_ratio(t['caught'], t['out']):16s} "
        f"detail {_ratio(t['detail'], t['nd']):16s} type {_ratio(t['type'], t['in'])}"
    )


def _fit_cached(
    cache: str, name: str, vectors: list[tuple[np.ndarray, np.ndarray]], labels: list[int], classes: int, **kw: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fit`, or its result saved by an earlier run for exactly these rows, labels and settings."""
    if not cache:
        return fit(vectors, labels, classes, **kw)  # type: ignore[arg-type]
    digest = hashlib.sha256(repr((labels, classes, sorted(kw.items()))).encode())
    for index, value in vectors:
        digest.update(index.tobytes() + value.tobytes())
    path = Path(cache) / f"{name}-{digest.hexdigest()[:20]}.npz"
    if path.is_file():
        with np.load(path) as npz:
            return npz["used"], npz["w"], npz["b"]
    used, w, b = fit(vectors, labels, classes, **kw)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, used=used, w=w, b=b)
    return used, w, b


def fold_members(group: str, authors: list[str]) -> set[str]:
    """The authors a fold holds out, read from its name: "WX" is W and X, "ACAD" is AC and AD (two-letter
    authors first), "AAC" is A and AC, "A+AE+B" is A, AE and B. A substring test would also have held out C
    and D from "ACAD"."""
    if "+" in group:
        listed = set(group.split("+"))
        if listed - set(authors):
            raise SystemExit(f"fold {group!r}: no tuning author {sorted(listed - set(authors))}")
        return listed
    names = sorted(authors, key=len, reverse=True)
    members: set[str] = set()
    rest = group
    while rest:
        name = next((n for n in names if rest.startswith(n)), None)
        if name is None:
            raise SystemExit(f"fold {group!r}: no tuning author at {rest!r}")
        members.add(name)
        rest = rest[len(name) :]
    return members


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", default="", help="comma-separated author groups held out in turn (default: pairs)")
    ap.add_argument(
        "--count",
        type=int,
        default=0,
        help="instead of --folds: this many folds, the authors dealt round in sorted order (authors[k::count])",
    )
    ap.add_argument("--numbers", default="", help="with --count: only these fold numbers, e.g. 0,1 (one process each)")
    ap.add_argument("--keep", default=str(learnedscope.LEARNED_KEEP), help="thresholds to keep a report, e.g. 0.7,0.8")
    ap.add_argument(
        "--refuse", default=str(learnedscope.LEARNED_REFUSE), help="thresholds to turn a report away, 'off' for never"
    )
    ap.add_argument(
        "--overrule",
        default="off" if learnedscope.LEARNED_OVERRULE > 1 else str(learnedscope.LEARNED_OVERRULE),
        help="thresholds to turn away a report the rules kept on one act, 'off' for never, e.g. off,0.5,0.6",
    )
    ap.add_argument("--unread-weight", type=float, default=UNREAD_WEIGHT, help="weight of approaches shown unread")
    ap.add_argument(
        "--unbased-weight", default=str(UNBASED_WEIGHT), help="weight(s) of requests shown unread, e.g. 0.5,0"
    )
    ap.add_argument("--out-weight", type=float, default=OUT_WEIGHT, help="weight of each out-of-scope report")
    ap.add_argument("--steps", type=int, default=STEPS, help="gradient steps of the scope model's fit")
    ap.add_argument("--l2", type=float, default=L2, help="the scope model's L2 penalty")
    ap.add_argument("--errors", action="store_true", help="print the reports the learned reading moved")
    ap.add_argument("--wrong", action="store_true", help="print every report the first learned setting reads wrong")
    ap.add_argument("--cache", default="", help="a folder to keep each fold's trained models in, between runs")
    ap.add_argument("--dump", default="", help="write this run's readings to a JSON file (for --pool)")
    ap.add_argument(
        "--authors",
        default="",
        help="only these tuning authors, e.g. ABCDEFGHIJKLMNOPQRUV or A,B,AC,AD (before/after on one pool)",
    )
    ap.add_argument(
        "--shipped-type",
        action="store_true",
        help="read with the shipped type model, not one fitted per fold (for scope: the type is then in sample)",
    )
    ap.add_argument("--pool", default="", help="tally the readings of earlier runs' --dump files, comma-separated")
    ap.add_argument(
        "--fitted-in",
        default="",
        help="read with each fold's scope model found in this --cache folder by an earlier run, whatever rows it "
        "was fitted on (a change of the rules measured at the starting code's models, without refitting)",
    )
    args = ap.parse_args()
    # Comma-separated names ("A,B,AC"), or single letters run together ("ABCD", the older form): a set of the
    # string's characters would drop every two-letter author.
    chosen = set(args.authors.split(",")) if "," in args.authors else set(args.authors)
    _, rows = load_rows(chosen or None)
    authors = sorted({str(r["author"]) for r in rows})
    if args.pool:
        return report(rows, authors, [json.loads(Path(f).read_text()) for f in args.pool.split(",")])
    if args.count:
        # Authors dealt round, as bench/type_cv.py deals them; named with "+" between authors, since run
        # together "A" and "AE" would read as "AA" and "E".
        dealt = ["+".join(authors[k :: args.count]) for k in range(args.count)]
        folds = [dealt[int(k)] for k in args.numbers.split(",")] if args.numbers else dealt
    else:
        folds = (
            args.folds.split(",") if args.folds else ["".join(authors[i : i + 2]) for i in range(0, len(authors), 2)]
        )
    settings = [
        (float(u), float(k), 2.0 if r == "off" else float(r), 2.0 if o == "off" else float(o))
        for u in args.unbased_weight.split(",")
        for k in args.keep.split(",")
        for r in args.refuse.split(",")
        for o in args.overrule.split(",")
    ]
    print(f"{len(rows)} tuning reports, authors {''.join(authors)}; folds {', '.join(folds)}")
    started = time.process_time()
    inputs = {str(r["id"]): model_input(r) for r in rows}
    types = sorted(t.value for t in _PRECEDENCE)
    held: list[str] = []
    results: dict[str, list[tuple[str, str, list[str]]]] = defaultdict(list)
    moved: list[str] = []
    wrong: list[str] = []
    lexicons().matcher.warm()
    for group in folds:
        members = fold_members(group, authors)
        train = [r for r in rows if str(r["author"]) not in members]
        test = [r for r in rows if str(r["author"]) in members]
        scope_models = {}
        for unbased in sorted({u for u, *_ in settings}):
            vectors, labels, weights = training_set(
                train, [inputs[str(r["id"])] for r in train], args.unread_weight, unbased, args.out_weight
            )
            earlier = sorted(Path(args.fitted_in).glob(f"scope-{group}-*.npz")) if args.fitted_in else []
            if len(earlier) > 1:
                raise SystemExit(f"--fitted-in: {len(earlier)} scope models of fold {group}, expected one")
            if earlier:
                with np.load(earlier[0]) as npz:
                    used, w, b = npz["used"], npz["w"], npz["b"]
            else:
                used, w, b = _fit_cached(
                    args.cache,
                    f"scope-{group}",
                    vectors,
                    labels,
                    len(CLASSES),
                    sample_weights=weights,
                    **({"steps": args.steps} if args.steps != STEPS else {}),
                    **({"l2": args.l2} if args.l2 != L2 else {}),
                )
            scope_models[unbased] = ScopeModel(used, w, b, list(CLASSES))
        if not args.shipped_type:
            in_scope = [r for r in train if r["scope"] == "in_scope"]
            t_used, t_w, t_b = _fit_cached(
                args.cache,
                f"type-{group}",
                [features(text_of(r)) for r in in_scope],
                [types.index(str(r["type"])) for r in in_scope],
                len(types),
                steps=TYPE_STEPS,
            )
            typemodel.use(TypeModel(t_used.astype(np.int64), t_w, t_b, types))
        scopemodel.use(None)
        rules = [predict(r) for r in test]
        results["rules alone"] += rules
        for unbased, keep, refuse, overrule in settings:
            scopemodel.use(scope_models[unbased])
            learnedscope.LEARNED_KEEP, learnedscope.LEARNED_REFUSE = keep, refuse
            learnedscope.LEARNED_OVERRULE = overrule
            got = [predict(r) for r in test]
            name = f"learned (requests shown unread at {unbased}), keep at {keep}, refuse at "
            name += "off" if refuse > 1 else str(refuse)
            name += ", overrule at " + ("off" if overrule > 1 else str(overrule))
            results[name] += got
            if (unbased, keep, refuse, overrule) != settings[0]:
                continue
            for r, before, after in zip(test, rules, got, strict=True):
                right = "right" if after[0] == r["scope"] else "WRONG"
                if args.errors and before[0] != after[0]:
                    moved.append(f"{r['id']} {r['lang']}: {before[0]} -> {after[0]} ({right}; {label_of(r)})")
                if args.wrong and label_of(r) != (after[1] if after[0] == "in_scope" else after[0]):
                    read = after[1] if after[0] == "in_scope" else after[0]
                    text = " ".join(str(r["text"]).split())[:300]
                    wrong.append(f"{r['id']} {r['lang']} {r['form']}: label {label_of(r)}, read {read} | {text}")
        held += [str(r["id"]) for r in test]
        print(f"fold {group}: trained on {len(train)}, read {len(test)} ({time.process_time() - started:.0f} s CPU)")
    run = {"held": held, "results": dict(results), "moved": moved, "wrong": wrong}
    if args.dump:
        Path(args.dump).write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return report(rows, authors, [run])


def report(rows: list[Row], authors: list[str], runs: list[dict[str, Any]]) -> int:
    """The pooled tallies of one or more runs (each a fold or several), per language and per author."""
    by_id = {str(r["id"]): r for r in rows}
    held = [by_id[i] for run in runs for i in run["held"]]
    for name in runs[0]["results"]:
        got = [tuple(x) for run in runs for x in run["results"][name]]
        t = tally(held, got)  # type: ignore[arg-type]
        print(f"\n{name}")
        print(line("overall", t["all"]))
        for lang in LANGS:
            print(line(f"  {lang}", t[f"lang:{lang}"]))
        for author in authors:
            print(line(f"  {author}", t[f"author:{author}"]))
        print(
            f"  refused for nationality/faith/politics: {t['all']['refused_for_grounds']}; "
            f"watch requests accepted: {t['all']['watch_accepted']}"
        )
    for run in runs:
        for m in run["moved"]:
            print("moved", m)
    for run in runs:
        for m in run["wrong"]:
            print("wrong", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
