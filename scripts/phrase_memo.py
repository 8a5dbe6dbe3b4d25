"""Write src/watchword/analysis/data/phrase_memo.json: expansions, anchors, needles and automaton keys.

    PYTHONPATH=src .venv/bin/python scripts/phrase_memo.py

Run after changing acts.toml, basis.toml or the other lists the reading's matchers are built from
(a stale table is only slower at start-up, never wrong: see phrasematch.py), or after changing
`expand`, `anchor`, `needles`, `_keys` or `derive_payloads` (then raise
`MEMO_VERSION` too). Derives everything afresh: the table already shipped is not read.
"""

from __future__ import annotations

import json
from pathlib import Path

from watchword.analysis import phrasematch
from watchword.analysis.reading import lexicons

OUT = Path(__file__).resolve().parent.parent / "src" / "watchword" / "analysis" / "data" / phrasematch.MEMO_FILE


def main() -> None:
    phrasematch._memo_loaded = True  # derive every row; do not start from the shipped table
    lex = lexicons()
    for matcher in (lex.matcher, lex.act_matcher):
        matcher.warm()  # the anchors (built with the automaton) and every pattern's needles
    rows = phrasematch.memo_rows()
    OUT.write_text(json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    counts = ", ".join(f"{len(rows[name])} {name}" for name in ("expand", "payloads", "anchor", "needles"))
    print(f"{OUT}: {counts}")


if __name__ == "__main__":
    main()
