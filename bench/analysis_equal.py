"""Prove that a change to the pipeline left every analysis equal, email by email.

    PYTHONPATH=src .venv/bin/python bench/analysis_equal.py --save /tmp/before.jsonl.gz   # on the old code
    PYTHONPATH=src .venv/bin/python bench/analysis_equal.py --check /tmp/before.jsonl.gz  # on the new code

Runs every *.eml of DIR/{phishing,spam,ham} (default /work/shared/data, read
only, never copied) through `watchword.analysis.pipeline.run` and writes, or
compares against, one line per email: its path and the whole analysis as
canonical JSON (`Analysis.to_dict()` with body text, shingles and headers,
plus the unrounded risk, which the AUCs of bench/evaluate.py are computed
from). The reference file belongs outside the project (it holds corpus text).
`--check` prints every email whose analysis differs, with the first differing
keys, and exits 1 if any does.

The script re-runs itself with PYTHONHASHSEED=0: one reason line names the
suspicious top-level domain of whichever link host a set yields last, so two
processes with different string hashes can word it differently for an email
with two such hosts (3 of the corpus's 7,368).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import sys
import time
from itertools import zip_longest
from pathlib import Path
from typing import Any

from watchword.analysis.pipeline import run
from watchword.domain import Analysis, Document

DEFAULT_CORPUS = Path("/work/shared/data")
FOLDERS = ("phishing", "spam", "ham")


def paths(corpus: Path, limit: int | None) -> list[Path]:
    lists = [sorted((corpus / folder).glob("*.eml")) for folder in FOLDERS]
    interleaved = [p for group in zip_longest(*lists) for p in group if p is not None]
    return interleaved[:limit]


def analysis_json(raw: bytes) -> str:
    doc = run(Document(kind="email", raw=raw))
    record: dict[str, Any] = Analysis.from_document(doc).to_dict()
    record["risk_unrounded"] = repr(doc.risk)
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="first N emails, interleaved (default: all)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the reference analyses here (.gz)")
    group.add_argument("--check", type=Path, help="compare with a reference written by --save")
    args = parser.parse_args()

    files = paths(args.corpus, args.limit)
    if not files:
        print(f"No .eml files under {args.corpus}; nothing to do.")
        return 0
    reference: dict[str, str] = {}
    if args.check:
        with gzip.open(args.check, "rt", encoding="utf-8") as handle:
            for line in handle:
                name, _, value = line.rstrip("\n").partition("\t")
                reference[name] = value
    start = time.process_time()
    differ: list[str] = []
    missing = 0
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(gzip.open(args.save, "wt", encoding="utf-8")) if args.save else None
        for path in files:
            name = str(path.relative_to(args.corpus))
            value = analysis_json(path.read_bytes())
            if out is not None:
                out.write(f"{name}\t{value}\n")
            elif name not in reference:
                missing += 1
            elif reference[name] != value:
                differ.append(name)
                old, new = json.loads(reference[name]), json.loads(value)
                keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
                print(f"DIFFERS {name}: {', '.join(keys)}")
    cpu = time.process_time() - start
    print(f"{len(files)} emails analysed in {cpu:.1f} s CPU (reading and JSON included)")
    if args.check:
        same = len(files) - len(differ) - missing
        print(f"equal: {same}, different: {len(differ)}, not in the reference: {missing}")
        return 1 if differ or missing else 0
    print(f"reference written to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
