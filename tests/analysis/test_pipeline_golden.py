"""The whole pipeline's output on the repository's own fixture messages, compared with a stored copy.

Speed work on the pipeline (issue 14) must not change a single analysis. The
stored copy, `pipeline_golden.json`, holds each fixture's input (the raw
message bytes, or a free-text report with its form and answers) and the
analysis the pipeline gave it *before* that work, as canonical JSON with the
unrounded risk. A change that is meant to alter analyses rewrites the copy on
purpose:

    PYTHONPATH=src .venv/bin/python -m tests.analysis.test_pipeline_golden --write

and the diff of the JSON file is then the reviewable record of what changed.
The corpus-wide counterpart is `bench/analysis_equal.py`.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixture_mail import fixture_emails
from watchword.analysis.pipeline import STAGES_WITHOUT_SHINGLES, run
from watchword.domain import Analysis, Document

GOLDEN = Path(__file__).with_name("pipeline_golden.json")
SAMPLE = Path(__file__).with_name("reading_sample.jsonl")


def _reports() -> list[tuple[str, str, str, dict[str, str]]]:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["id"], row["text"], row.get("form", ""), dict(row.get("answers", {}))) for row in rows]


def _analysis(doc: Document) -> dict[str, Any]:
    done = run(doc)
    record: dict[str, Any] = Analysis.from_document(done).to_dict()
    record["risk_unrounded"] = repr(done.risk)
    return json.loads(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))


def _cases_from(golden: dict[str, Any]) -> list[tuple[str, Document]]:
    cases: list[tuple[str, Document]] = []
    for name, case in golden.items():
        if "raw" in case:
            cases.append((name, Document(kind="email", raw=base64.b64decode(case["raw"]))))
        else:
            # Pairs, not an object: the answers' order is the order the text stage joins them in.
            answers = dict(case["answers"])
            doc = Document(kind="text", text_input=case["text"], form=case["form"], answers=answers)
            cases.append((name, doc))
    return cases


def write() -> None:
    golden: dict[str, Any] = {}
    for name, raw in fixture_emails():
        golden[f"email:{name}"] = {"raw": base64.b64encode(raw).decode()}
    for rid, text, form, answers in _reports():
        golden[f"report:{rid}"] = {"text": text, "form": form, "answers": list(answers.items())}
    for name, doc in _cases_from(golden):
        golden[name]["analysis"] = _analysis(doc)
    GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _golden() -> dict[str, Any]:
    if not GOLDEN.exists():
        return {}  # the coverage test below then fails: the copy must be in the repository
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(_golden()))
def test_the_analysis_of_each_fixture_is_unchanged(name: str) -> None:
    golden = _golden()
    [(_, doc)] = _cases_from({name: golden[name]})
    expected = golden[name]["analysis"]
    got = _analysis(doc)
    assert {k for k in expected if expected[k] != got.get(k)} == set()
    assert got == expected


def test_without_shingles_every_other_field_is_the_golden_one() -> None:
    """`watchword analyze` runs STAGES_WITHOUT_SHINGLES (it never prints the shingles)."""
    golden = _golden()
    with_shingles = 0
    for name, doc in _cases_from(golden):
        done = run(doc, STAGES_WITHOUT_SHINGLES)
        got: dict[str, Any] = Analysis.from_document(done).to_dict()
        got["risk_unrounded"] = repr(done.risk)
        got = json.loads(json.dumps(got, ensure_ascii=False, sort_keys=True, default=str))
        expected = dict(golden[name]["analysis"])
        with_shingles += bool(expected["shingles"])
        assert got["shingles"] == [], name
        expected["shingles"] = []
        assert got == expected, name
    assert with_shingles >= 30  # the cases do have shingles to leave out


def test_the_golden_copy_covers_html_attachments_forwards_and_reports() -> None:
    golden = _golden()
    analyses = [case["analysis"] for case in golden.values()]
    assert sum(1 for a in analyses if a["kind"] == "text") >= 30
    assert any(a["attachments"] for a in analyses)
    assert any(a["wrapper"] for a in analyses)
    assert any(link["kind"] == "form" for a in analyses for link in a["links"])
    assert any(a["approach_type"] not in ("benign", "undetermined") for a in analyses)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
        print(f"wrote {GOLDEN}")
    else:
        print(__doc__)
