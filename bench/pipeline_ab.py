"""CPU time of `pipeline.run` per email, two source trees measured in turn.

    .venv/bin/python bench/pipeline_ab.py --before /tmp/base/src --after src [--rounds 3] [--limit 1500]

For a change to the pipeline on a machine other jobs share: one measurement
of each tree says more about the neighbours than about the code, so the two
are run alternately, each round in a fresh child process per tree (imports
and caches start cold, the first --warm emails are run before the clock
starts). The figure is the child's CPU time (time.process_time) over
`pipeline.run` on the next --limit emails of DIR/{phishing,spam,ham},
interleaved (default /work/shared/data, read only, never copied). Export an
old tree with `git archive <commit> src | tar -x -C /tmp/base`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from analyze import load
from watchword.analysis.pipeline import run
from watchword.domain import Document
raws = load(Path({corpus!r}), {warm} + {limit})
for raw in raws[:{warm}]:
    run(Document(kind="email", raw=raw))
raws = raws[{warm}:]
start = time.process_time()
for raw in raws:
    run(Document(kind="email", raw=raw))
print(f"{{1000 * (time.process_time() - start) / len(raws):.3f}}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--before", type=Path, required=True, help="a src directory (the old code)")
    parser.add_argument("--after", type=Path, required=True, help="a src directory (the new code)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=1500, help="emails timed per run (default 1500)")
    parser.add_argument("--warm", type=int, default=200, help="emails run before the clock starts (default 200)")
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()
    code = CHILD.format(
        bench=str(Path(__file__).resolve().parent), corpus=str(args.corpus), warm=args.warm, limit=args.limit
    )
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    figures: dict[str, list[float]] = {name: [] for name in trees}
    for number in range(1, args.rounds + 1):
        for name, src in trees.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            figures[name].append(float(out.stdout.strip()))
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
            figure = figures[name][-1]
            print(f"round {number} {name:6}: {figure:.3f} ms CPU per email (load average {load})", flush=True)
    for name, values in figures.items():
        mean = sum(values) / len(values)
        print(f"{name:6}: {' / '.join(f'{v:.2f}' for v in values)} ms per email; {1000 / mean:.0f} emails/s per core")
    ratio = [b / a for b, a in zip(figures["before"], figures["after"], strict=True)]
    print("before / after, round by round: " + ", ".join(f"{r:.2f}x" for r in ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
