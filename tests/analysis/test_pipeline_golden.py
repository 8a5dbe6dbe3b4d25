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
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.test_text_links import PHISH_HTML
from tests.support import campaign_mail as cm
from tests.support import mailbuilders as mb
from watchword.analysis.pipeline import STAGES_WITHOUT_SHINGLES, run
from watchword.domain import Analysis, Document

GOLDEN = Path(__file__).with_name("pipeline_golden.json")
SAMPLE = Path(__file__).with_name("reading_sample.jsonl")


def _emails() -> list[tuple[str, bytes]]:
    """Every message the test support modules build, plus a few HTML lures assembled from their parts."""
    out: list[tuple[str, bytes]] = [
        ("original", mb.original_message()),
        ("gmail_forward", mb.gmail_forward()),
        ("outlook_forward_en", mb.outlook_forward("en")),
        ("outlook_forward_de", mb.outlook_forward("de", original_marker=True)),
        ("outlook_forward_fr", mb.outlook_forward("fr")),
        ("owa_forward", mb.owa_forward()),
        ("apple_forward", mb.apple_forward()),
        ("thunderbird_forward", mb.thunderbird_forward()),
        ("attached_forward", mb.attached_forward(mb.original_message(), mb.password_phish())),
        ("attached_forward_eml", mb.attached_forward(mb.original_message(), as_eml_file=True)),
        ("password_phish", mb.password_phish()),
        ("forwarded_by", mb.forwarded_by(mb.password_phish(), "bob@corp.example", 3, "report@corp.example")),
        ("simple", mb.simple("Lunch on Friday?", "Hi Sam,\nare we still on for lunch on Friday?\nJo\n")),
        (
            "html_phish",
            mb.message(
                subject="Your PayPal account is locked",
                from_="PayPal Security <service@paypa1-secure.example.ru>",
                body=mb.part("text/html", PHISH_HTML, cte="quoted-printable"),
            ),
        ),
        (
            "html_and_attachment",
            mb.message(
                subject="Invoice 4471 overdue - pay today",
                from_="Accounts <billing@invoices-now.xyz>",
                body=mb.multipart(
                    "mixed",
                    [
                        mb.part("text/html", PHISH_HTML.replace("Dear", "Dear valued"), cte="base64"),
                        mb.part("application/zip", b"PK\x03\x04zip", charset=None, cte="base64", filename="inv.zip"),
                    ],
                ),
            ),
        ),
    ]
    rng = random.Random(14)
    for lure in cm.LURES:
        for encoding in ("8bit", "base64", "qp"):
            out.append((f"campaign_{lure}_{encoding}", cm.make_email(lure, rng, encoding, reorder=encoding == "qp")))
    out += [(f"sorting_thread_{n}", raw) for n, raw in enumerate(cm.sorting_thread(7))]
    return out


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
    for name, raw in _emails():
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
