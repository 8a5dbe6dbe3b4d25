"""Leave-authors-out cross-validation of the approach type alone (the rules and the type tie-breaker).

    PYTHONPATH=src .venv/bin/python bench/type_cv.py --cache /tmp/tcv                    # 4 folds, authors[k::4]
    PYTHONPATH=src .venv/bin/python bench/type_cv.py --cache /tmp/tcv --fit-only --folds 0,1  # fit two folds' models
    PYTHONPATH=src .venv/bin/python bench/type_cv.py --cache /tmp/tcv --delta 1.0,1.5,2.5 --min-chars 0,250

bench/reading_cv.py also fits a scope model per fold and reads every report; when only the type is in
question that is most of its cost. Here each fold's type model (bench/train_type_model.py's, the same
rows, features and steps) is fitted once and kept in --cache, and only the fold's in-scope reports are
read, through the whole pipeline (bench/reading.py's `predict`, the shipped learned scope reading), once
per setting of the tie-breaker (TIE_DELTA, TIE_MIN_CHARS). "type" counts a report kept in scope and
typed as labelled, as bench/reading.py does. The rules were tuned on every tuning author, so the
figures hold the model out, not the rules. Only tune/ is read, never test/.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from reading import LANGS, load, predict
from train_scope_model import fit
from train_type_model import STEPS, text_of
from watchword.analysis import reading, typemodel
from watchword.analysis.reading import _PRECEDENCE, lexicons
from watchword.analysis.typemodel import TypeModel, features

Row = dict[str, object]


def fold_authors(authors: list[str], count: int) -> list[list[str]]:
    return [authors[k::count] for k in range(count)]


def fold_model(cache: Path, train: list[Row], steps: int) -> TypeModel:
    """The type model fitted on these rows, or the one an earlier run fitted on exactly them."""
    types = sorted(t.value for t in _PRECEDENCE)
    texts = [text_of(r) for r in train]
    labels = [types.index(str(r["type"])) for r in train]
    digest = hashlib.sha256(repr((sorted(str(r["id"]) for r in train), steps)).encode())
    for text in texts:
        digest.update(text.encode())
    path = cache / f"type-{digest.hexdigest()[:20]}.npz"
    if not path.is_file():
        used, w, b = fit([features(t) for t in texts], labels, len(types), steps)
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, used=used, w=w, b=b)
    with np.load(path) as npz:
        return TypeModel(npz["used"].astype(np.int64), npz["w"], npz["b"], types)


_BREAK_TIE = reading._break_tie


def blended(alpha: float):  # type: ignore[no-untyped-def]
    """A close call decided by the rules' rank plus alpha times the model's logit (not the logit alone)."""

    def break_tie(ranked, rank, folded, answers):  # type: ignore[no-untyped-def]
        learned = typemodel.model()
        if learned is None:
            return ranked
        close = [t for t in ranked if rank[t] >= rank[ranked[0]] - reading.TIE_DELTA]
        scores = learned.scores(folded + " \n" + reading.fold(answers))
        best = max(close, key=lambda t: rank[t] + alpha * scores.get(t.value, -1e9))
        return [best] + [t for t in ranked if t != best]

    return break_tie


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, help="a folder to keep each fold's fitted model in")
    ap.add_argument("--count", type=int, default=4, help="how many folds (authors dealt round in sorted order)")
    ap.add_argument("--folds", default="", help="only these fold numbers, e.g. 0,1")
    ap.add_argument(
        "--held",
        default="",
        help="instead, one fold of these authors (e.g. the round's new ones), the model fitted on the rest",
    )
    ap.add_argument("--without", default="", help="leave these authors out altogether (to compare with an earlier run)")
    ap.add_argument("--steps", type=int, default=STEPS, help="gradient steps of each fold's fit")
    ap.add_argument("--fit-only", action="store_true", help="fit (and cache) the folds' models, read nothing")
    ap.add_argument("--delta", default=str(reading.TIE_DELTA), help="TIE_DELTA settings, comma-separated")
    ap.add_argument("--min-chars", default=str(reading.TIE_MIN_CHARS), help="TIE_MIN_CHARS settings")
    ap.add_argument(
        "--alpha",
        default="",
        help="also read with the rules' rank plus alpha x the model's logit deciding a close call, e.g. 0.5,1",
    )
    ap.add_argument(
        "--form-describes", default=str(reading.FORM_DESCRIBES), help="FORM_DESCRIBES and FORM_COVERS_ON (0: both off)"
    )
    ap.add_argument("--cjk-weight", type=int, default=reading.CJK_CHAR_WEIGHT, help="CJK_CHAR_WEIGHT")
    ap.add_argument("--no-model", action="store_true", help="also read with the rules alone")
    ap.add_argument("--wrong", default="", help="print the reports this setting (delta/min) types wrong")
    args = ap.parse_args()
    cache = Path(args.cache)
    left_out = {a.strip() for a in args.without.split(",") if a.strip()}
    rows = [r for r in load("tune") if r["scope"] == "in_scope" and str(r["author"]) not in left_out]
    authors = sorted({str(r["author"]) for r in rows}, key=lambda a: (len(a), a))
    folds = fold_authors(authors, args.count)
    chosen = [int(k) for k in args.folds.split(",")] if args.folds else range(args.count)
    if args.held:
        folds, chosen = [[a.strip() for a in args.held.split(",") if a.strip()]], [0]
    alphas = [None] + [float(a) for a in args.alpha.split(",") if a]
    settings = [
        (float(d), int(m), a, int(f))
        for d in args.delta.split(",")
        for m in args.min_chars.split(",")
        for a in alphas
        for f in args.form_describes.split(",")
    ]
    names = [f"delta {d} / min {m} / form {f}" + (f" / alpha {a}" if a is not None else "") for d, m, a, f in settings]
    names += ["rules alone"] if args.no_model else []
    reading.CJK_CHAR_WEIGHT = args.cjk_weight
    lexicons().matcher.warm()
    started = time.process_time()
    results: dict[str, list[tuple[Row, str, str]]] = defaultdict(list)
    for k in chosen:
        held = set(folds[k])
        model = fold_model(cache, [r for r in rows if str(r["author"]) not in held], args.steps)
        print(f"fold {k} ({','.join(folds[k])}): model ready ({time.process_time() - started:.0f} s CPU)", flush=True)
        if args.fit_only:
            continue
        test = [r for r in rows if str(r["author"]) in held]
        plain = (reading.TIE_DELTA, reading.TIE_MIN_CHARS, None, reading.FORM_DESCRIBES)
        for name, (delta, least, alpha, form) in zip(names, [*settings, plain], strict=False):
            typemodel.use(None if name == "rules alone" else model)
            reading.TIE_DELTA, reading.TIE_MIN_CHARS = delta, least
            reading.FORM_DESCRIBES = reading.FORM_COVERS_ON = form
            reading._break_tie = _BREAK_TIE if alpha is None else blended(alpha)
            for r in test:
                scope, kind, _ = predict(r)
                results[name].append((r, scope, kind))
    if args.fit_only:
        return 0
    for name in names:
        t: dict[str, Counter[str]] = defaultdict(Counter)
        confusion: Counter[tuple[str, str]] = Counter()
        for r, scope, kind in results[name]:
            right = scope == "in_scope" and kind == r["type"]
            for key in ("all", f"lang:{r['lang']}", f"author:{r['author']}", f"type:{r['type']}"):
                t[key]["n"] += 1
                t[key]["right"] += right
            if not right:
                confusion[(str(r["type"]), kind if scope == "in_scope" else scope)] += 1
            if name == args.wrong and not right:
                text = " ".join(str(r["text"]).split())[:240]
                print(f"wrong {r['id']} {r['lang']} {r['form']}: {r['type']} read {kind or scope} | {text}")

        def ratio(key: str, t: dict[str, Counter[str]] = t) -> str:
            return f"{t[key]['right'] / max(t[key]['n'], 1):.3f} ({t[key]['right']}/{t[key]['n']})"

        print(f"\n{name}: type {ratio('all')}")
        print("  " + "  ".join(f"{lang} {ratio('lang:' + lang)}" for lang in LANGS))
        # The round's new authors (out of sample for the rules as well), or every author of a small run.
        seen = sorted((k[7:] for k in t if k.startswith("author:")), key=lambda a: (len(a), a))
        honest = seen if len(seen) <= 8 else [a for a in ("AI", "AJ", "AS", "AT", "AU", "AV") if a in seen]
        print("  " + "  ".join(f"{a} {ratio('author:' + a)}" for a in honest))
        print("  " + "  ".join(f"{k[5:][:12]} {ratio(k)}" for k in sorted(t) if k.startswith("type:")))
        print("  confused: " + ", ".join(f"{a[:10]}->{b[:10]} {n}" for (a, b), n in confusion.most_common(8)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
