"""Reading free-text reports: scope and approach type on the blind evaluation set.

    .venv/bin/python bench/reading.py                 # the test half (every bench/reading/test/*.jsonl)
    .venv/bin/python bench/reading.py --half tune     # the tuning half (every bench/reading/tune/*.jsonl)
    .venv/bin/python bench/reading.py --half tune --errors   # and every report it got wrong
    .venv/bin/python bench/reading.py --half tune --authors A,B,C --errors   # a cross-check fold:
        # errors of three authors only; --authors D then reads the held-out one
    .venv/bin/python bench/reading.py --half tune --authors H --type-model /tmp/no_H.npz   # the type
        # tie-breaker trained without H (bench/train_type_model.py --authors ... --out); 'none': rules alone
    .venv/bin/python bench/reading.py --half tune --authors Q,R --scope-model none   # the rules' scope
        # alone; or a fold's learned scope reading (bench/train_scope_model.py --authors ... --out);
        # bench/reading_cv.py runs every leave-two-authors-out fold

The reports were written blind, by authors who saw only the taxonomy, never the
rules; split by author into a tuning half (the rules were tuned on it) and a
test half (never read while tuning). Each half is whatever *.jsonl files its
folder holds: authors move from test/ to tune/ once they have been measured. Each line: id, author, lang, form,
answers, text, scope (in_scope | out_of_scope | needs_detail), type (null
unless in scope), also, sector, style, note.

Each report goes through the same pipeline as the reporter pages: the form's
key and answers with the text, and the approach hint the form itself carries
(the visitor form's), as `web/reporter/forms.py` gives it.

Prints, overall, per language and per type:
  kept     in-scope reports kept in scope;
  caught   out-of-scope reports turned away;
  detail   needs-detail reports read as needs_detail;
  type     in-scope reports given the right primary type (a report not kept counts as wrong);
then the confusion matrix (rows: the label; columns: what was read), the two
promises (no approach refused for mentioning nationality, faith or politics; no
request to watch a person accepted) and the reading speed on one core.
A per-author table follows the per-language one. Exits 2 when the half (or the
authors asked for) has no reports, saying so.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from watchword.analysis import scopemodel, typemodel
from watchword.analysis.pipeline import analyze_report
from watchword.analysis.reading import fold, lexicons
from watchword.web.reporter.forms import FORMS

HERE = Path(__file__).resolve().parent / "reading"
LANGS = ("en", "zh", "de", "es", "fr", "ru")


def load(half: str, authors: set[str] | None = None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted((HERE / half).glob("*.jsonl")):
        if authors and path.stem not in authors:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def predict(row: dict[str, object]) -> tuple[str, str, list[str]]:
    form = str(row.get("form") or "")
    form = "" if form == "none" else form
    answers = {str(k): str(v) for k, v in dict(row.get("answers") or {}).items()}  # type: ignore[call-overload]
    hint = FORMS[form].approach if form in FORMS else ""
    result = analyze_report(str(row["text"]), None, hint, answers, form=form)
    return result.scope, result.approach_type, result.also_types


def label_of(row: dict[str, object]) -> str:
    return str(row["type"]) if row["scope"] == "in_scope" else str(row["scope"])


def read_of(scope: str, kind: str) -> str:
    return kind if scope == "in_scope" else scope


def count(t: Counter[str], row: dict[str, object], scope: str, kind: str) -> None:
    """One report's reading counted into a tally: kept and typed, caught, or asked for detail."""
    if row["scope"] == "in_scope":
        t["in"] += 1
        t["kept"] += scope == "in_scope"
        t["type"] += scope == "in_scope" and kind == row["type"]
    elif row["scope"] == "out_of_scope":
        t["out"] += 1
        t["caught"] += scope == "out_of_scope"
    else:
        t["nd"] += 1
        t["detail"] += scope == "needs_detail"


def _ratio(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "   -"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half", choices=("tune", "test"), default="test", help="which half to read (default: test)")
    ap.add_argument("--errors", action="store_true", help="print every report read wrongly")
    ap.add_argument("--authors", default="", help="only these authors' files, e.g. A,B,C (a cross-check fold)")
    ap.add_argument(
        "--type-model",
        default="",
        help="the type tie-breaker: a fold's .npz (bench/train_type_model.py --out), or 'none' (rules alone)",
    )
    ap.add_argument(
        "--scope-model",
        default="",
        help="the learned scope reading: a fold's .npz (bench/train_scope_model.py --out), or 'none' (rules alone)",
    )
    args = ap.parse_args()
    authors = {a.strip() for a in args.authors.split(",") if a.strip()} or None
    rows = load(args.half, authors)
    if not rows:
        wanted = f" for authors {','.join(sorted(authors))}" if authors else ""
        why = " (empty until the integrator adds a new blind author's file)" if args.half == "test" else ""
        print(
            f"no reports in the {args.half} half{wanted}: {HERE / args.half} holds no matching *.jsonl file{why}; "
            "nothing measured"
        )
        return 2
    print(f"half: {args.half} ({len(rows)} reports from {HERE / args.half})")
    # Loaded once, outside the timing, and every entry compiled (the matcher compiles them on first
    # use): the figure is the steady state of a long-running worker.
    lexicons().matcher.warm()
    if args.type_model:
        typemodel.use(None if args.type_model == "none" else typemodel.load(Path(args.type_model).read_bytes()))
    if args.scope_model:
        scopemodel.use(None if args.scope_model == "none" else scopemodel.load(Path(args.scope_model).read_bytes()))
    results = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for row in rows:
        results.append(predict(row))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    tally: dict[str, Counter[str]] = defaultdict(Counter)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[str] = []
    refused_for_grounds = watch_accepted = 0
    lex = lexicons()
    for row, (scope, kind, also) in zip(rows, results, strict=True):
        lang, gold = str(row["lang"]), label_of(row)
        got = read_of(scope, kind)
        confusion[gold][got] += 1
        keys = ("all", f"lang:{lang}", f"type:{gold}", f"author:{row['author']}")
        for key in keys:
            count(tally[key], row, scope, kind)
        folded = fold(str(row["text"]))
        protected = [g for g in lex.grounds if g.name in ("origin", "faith", "politics")]
        if row["scope"] == "in_scope" and scope == "out_of_scope" and any(g.pattern.search(folded) for g in protected):
            refused_for_grounds += 1
        if row["scope"] == "out_of_scope" and scope == "in_scope" and lex.watch.pattern.search(folded):
            watch_accepted += 1
        if gold != got:
            errors.append(f"{row['id']} {lang} {row['form']}: label {gold}, read {got} (also {also}) | {row['text']}")

    def line(name: str, t: Counter[str]) -> str:
        return (
            f"{name:34s} kept {_ratio(t['kept'], t['in']):16s} caught {_ratio(t['caught'], t['out']):16s} "
            f"detail {_ratio(t['detail'], t['nd']):16s} type {_ratio(t['type'], t['in'])}"
        )

    print(line("overall", tally["all"]))
    print("\nper language")
    for lang in LANGS:
        print(line(f"  {lang}", tally[f"lang:{lang}"]))
    print("\nper author")
    for key in sorted(k for k in tally if k.startswith("author:")):
        print(line(f"  {key[7:]}", tally[key]))
    print("\nper label")
    for key in sorted(k for k in tally if k.startswith("type:")):
        print(line(f"  {key[5:]}", tally[key]))
    labels = sorted(set(confusion) | {g for c in confusion.values() for g in c})
    short = {name: name[:6] for name in labels}
    print("\nconfusion (rows: label, columns: read)")
    print(" " * 30 + " ".join(f"{short[c]:>6s}" for c in labels))
    for gold in labels:
        print(f"{gold:30s}" + " ".join(f"{confusion[gold][c] or '.':>6}" for c in labels))
    print(f"\napproach reports refused that mention nationality, faith or politics: {refused_for_grounds}")
    print(f"out-of-scope requests to check or watch a person accepted: {watch_accepted}")
    # Per core: CPU time of this one process (the machine may be shared); wall time beside it.
    print(
        f"speed: {len(rows) / cpu:.0f} reports/s per core ({1000 * cpu / len(rows):.2f} ms CPU each, whole "
        f"pipeline); wall clock {len(rows) / elapsed:.0f} reports/s"
    )
    if args.errors:
        print("\nerrors")
        for e in errors:
            print("  " + e[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
