"""Instructions per email of `pipeline.run`, counted by valgrind's callgrind: a figure the neighbours
on a shared machine do not move.

    .venv/bin/python bench/pipeline_callgrind.py --tree src [--tree /tmp/base/src] [--warm 300] [--limit 500]

For each source tree, one child process under `valgrind --tool=callgrind` imports the pipeline,
runs the first --warm emails of DIR/{phishing,spam,ham} (interleaved, read only, never copied;
default /work/shared/data) uncounted, then the next --limit emails inside `functools.reduce`, and
only what runs inside that call is counted (`--toggle-collect=functools_reduce`; the pipeline
itself never calls reduce). Start-up, imports, reading the files and the warm-up are left out, so
two trees' figures differ by what their code does per email. The child runs with
PYTHONHASHSEED=0, as bench/analysis_equal.py does. Slow: ~50x the plain run, a few minutes per tree
for the defaults. Export an old tree with `git archive <commit> src | tar -x -C /tmp/base`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import functools, sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from analyze import load
from watchword.analysis.pipeline import run
from watchword.domain import Document
raws = load(Path({corpus!r}), {warm} + {limit})
for raw in raws[:{warm}]:
    run(Document(kind="email", raw=raw))
functools.reduce(lambda acc, raw: (run(Document(kind="email", raw=raw)), acc)[1], raws[{warm}:], 0)
print(len(raws) - {warm})
"""

FOLDERS = ("phishing", "spam", "ham")


def count(tree: Path, corpus: Path, warm: int, limit: int) -> tuple[int, int]:
    """(instructions counted, emails run) for one tree."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        code = CHILD.format(bench=str(Path(__file__).parent), corpus=str(corpus), warm=warm, limit=limit)
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                code,
            ],
            env={**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"Collected : (\d+)", result.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count from valgrind: {result.stderr[-500:]}")
        return int(found.group(1)), int(result.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tree", type=Path, action="append", required=True, help="a source tree (repeatable)")
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--warm", type=int, default=300, help="emails run before counting (default 300)")
    parser.add_argument("--limit", type=int, default=500, help="emails counted (default 500)")
    args = parser.parse_args()
    if not any((args.corpus / folder).is_dir() for folder in FOLDERS):
        print(f"No corpus at {args.corpus} (expected {', '.join(FOLDERS)} folders of .eml); nothing to do.")
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed; nothing to do.")
        return 0
    for tree in args.tree:
        instructions, emails = count(tree.resolve(), args.corpus, args.warm, args.limit)
        per_email = instructions / emails / 1e6
        print(f"{tree}: {instructions:,} instructions over {emails} emails, {per_email:.2f} M per email")
    return 0


if __name__ == "__main__":
    sys.exit(main())
