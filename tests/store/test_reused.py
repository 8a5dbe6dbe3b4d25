"""The worker's kept analyses stay within their bounds (watchword/reused.py)."""

from __future__ import annotations

from watchword.analysis.pipeline import analyze_report
from watchword.pool import derive
from watchword.reused import Reused


def test_kept_analyses_are_bounded_in_entries_and_text_and_the_least_recently_used_go_first() -> None:
    analysis = analyze_report("a caller asked for my password", None)
    derived = derive(analysis)
    kept = Reused(max_entries=3, max_chars=1600)
    for key in "abc":
        kept.put(key, analysis, derived, "x" * 10)
    assert kept.get("a") is not None  # now the most recently used
    kept.put("d", analysis, derived, "x" * 10)
    assert len(kept) == 3 and kept.get("b") is None and kept.get("a") is not None
    kept.put("huge", analysis, derived, "x" * 101)  # over a sixteenth of the text bound: not kept
    assert kept.get("huge") is None
    for n in range(3):
        kept.put(f"t{n}", analysis, derived, "x" * 100)
    assert len(kept) == 3 and kept.get("t2") is not None and kept.get("a") is None
    by_text = Reused(max_entries=100, max_chars=1600)
    for n in range(17):  # 17 texts of 100 characters: over the 1,600, the first goes
        by_text.put(f"t{n}", analysis, derived, "x" * 100)
    assert len(by_text) == 16 and by_text.get("t0") is None and by_text.get("t1") is not None
    kept.put("", analysis, derived, None)  # no key (a report that failed before its key): nothing kept
    assert kept.get("") is None
    entry = kept.get("t2")
    assert entry is not None and entry.analysis is analysis and entry.derived == derived
