"""Train the approach-type tie-breaker (watchword.analysis.typemodel) on the tuning half only.

    PYTHONPATH=src .venv/bin/python bench/train_type_model.py   # writes analysis/data/type_model.npz
    PYTHONPATH=src .venv/bin/python bench/train_type_model.py --authors A,B,C,D,E,F --out /tmp/m.npz   # a fold

Reads the in-scope reports of bench/reading/tune/*.jsonl (never test/: that half is measured once,
by the integrator), the text with the form's answers as the reading sees them, and fits a
multinomial logistic regression by plain gradient descent from zero weights (a fixed number of
steps, float32, numpy only, on sparse rows: `fit` of bench/train_scope_model.py, which the cross-
validation of bench/reading_cv.py trains each fold's type model with too): the same files give the
same model. ~15 s of CPU.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from train_scope_model import fit, save
from watchword.analysis.reading import _PRECEDENCE, fold
from watchword.analysis.typemodel import features

HERE = Path(__file__).resolve().parent
TUNE = HERE / "reading" / "tune"
OUT = HERE.parent / "src" / "watchword" / "analysis" / "data" / "type_model.npz"
STEPS = 200


def text_of(row: dict[str, object]) -> str:
    # As reading.read() gives it to the model: the folded text, then the form's answers.
    answers = dict(row.get("answers") or {})  # type: ignore[call-overload]
    answered = " ".join(str(v) for k, v in answers.items() if v and k not in ("form", "files"))
    return fold(str(row["text"])[:4000]) + " \n" + fold(answered)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--authors", default="", help="only these tuning authors, e.g. A,B,C (a fold)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    authors = {a.strip() for a in args.authors.split(",") if a.strip()}
    files = sorted(p for p in TUNE.glob("*.jsonl") if not authors or p.stem in authors)
    rows = [json.loads(line) for p in files for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["scope"] == "in_scope"]
    types = sorted(t.value for t in _PRECEDENCE)
    vectors = [features(text_of(r)) for r in rows]
    labels = [types.index(str(r["type"])) for r in rows]
    used, w, b = fit(vectors, labels, len(types), STEPS)
    save(args.out, files, used, w, b, types=np.array(types))
    print(f"{len(rows)} in-scope reports from {', '.join(p.name for p in files)}; {len(used)} n-gram buckets")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
