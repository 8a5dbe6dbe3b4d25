"""The analysis pipeline: one visible, ordered list of pure stages.

Contract for a stage: `stage(doc: Document) -> None`. It reads the facts that
earlier stages set on the document and adds its own. It never touches the
database, the network or the file system, never executes or opens an
attachment, and never raises on odd input: it records a warning and leaves
its facts empty instead. `run()` still guards each stage so that a bug in one
cannot lose the report; the failure is recorded in `doc.warnings`.
"""

from __future__ import annotations

from collections.abc import Callable

from watchword.analysis.attachments import describe_attachments
from watchword.analysis.auth import read_authentication
from watchword.analysis.classify import classify
from watchword.analysis.fingerprint import fingerprint, fingerprint_for, recipients_of
from watchword.analysis.forwarded import unwrap_forwarded
from watchword.analysis.indicators import extract_indicators
from watchword.analysis.mime import parse_mime
from watchword.analysis.reuse import AskedAddresses, AskedWords, MiddleMemo, Tail, inputs_of, middle_key
from watchword.analysis.scope import guard_scope
from watchword.analysis.text import extract_text_and_links
from watchword.domain import Analysis, Document
from watchword.domain.states import DocumentKind

Stage = Callable[[Document], None]

STAGES: tuple[Stage, ...] = (
    parse_mime,  # raw bytes -> headers, text and HTML parts, attachment payloads (emails only)
    unwrap_forwarded,  # a reporter's forward -> the original message; wrapper facts kept apart
    extract_text_and_links,  # readable text from HTML, every href/form/img with its visible text
    extract_indicators,  # URLs, domains, IPs, addresses, phones, hashes, wallets, IBANs, profiles
    describe_attachments,  # name, declared and sniffed type, size, SHA-256, risk flags
    read_authentication,  # SPF/DKIM/DMARC, From/Reply-To/Return-Path, lookalikes
    classify,  # risk in 0..1 with reasons, approach type
    guard_scope,  # in scope or out of scope, with a plain reason
    fingerprint,  # content hash and shingles for campaigns
)


def _fingerprint_without_shingles(doc: Document) -> None:
    fingerprint(doc, shingles=False)


# Named as the stage it stands for: a failure's warning reads the same ("fingerprint failed: ...").
_fingerprint_without_shingles.__name__ = fingerprint.__name__
# Every stage, the fingerprint without its MinHash signature: for callers that never read the
# shingles (`watchword analyze` does not print them). Every other fact is the same as STAGES give.
STAGES_WITHOUT_SHINGLES: tuple[Stage, ...] = (*STAGES[:-1], _fingerprint_without_shingles)


# Where the stages a near-identical copy can reuse begin and end (analysis/reuse.py): after
# parsing and unwrapping, before fingerprinting (which reads the recipient and the wrapper).
_MIDDLE_START = STAGES.index(extract_text_and_links)
_MIDDLE_END = STAGES.index(fingerprint)


def run(doc: Document, stages: tuple[Stage, ...] = STAGES, memo: MiddleMemo | None = None) -> Document:
    """Every stage in order. With `memo`, a document equal to an earlier one in everything
    the middle stages read takes their facts from it instead of running them again, and its
    fingerprint too where its recipients make no difference to it."""
    if memo is None or stages is not STAGES:
        _run_stages(doc, stages)
        return doc
    memo.last = None
    _run_stages(doc, STAGES[:_MIDDLE_START])
    key = middle_key(doc)
    if key is None or not memo.restore(key, doc):
        headers_before = dict(doc.headers)
        inputs_before = inputs_of(doc)
        _run_stages(doc, STAGES[_MIDDLE_START:_MIDDLE_END])
        if key is not None:
            memo.keep(key, doc, headers_before, inputs_before)
    if key is not None and memo.holds(key):
        # The document has the key's middle facts (restored, or just kept: no middle stage changed
        # its headers), so the fingerprint is a function of them and of its recipients' answers.
        _run_stages(doc, (_fingerprint_reusing(key, memo),))
        _run_stages(doc, STAGES[_MIDDLE_END + 1 :])
    else:
        _run_stages(doc, STAGES[_MIDDLE_END:])
    return doc


def _fingerprint_reusing(key: bytes, memo: MiddleMemo) -> Stage:
    def fingerprint(doc: Document) -> None:  # named as the stage: a failure reads the same
        recipients, addresses = recipients_of(doc)
        tail = memo.tail(key, recipients, addresses)
        if tail is None:
            asked_words, asked_addresses = AskedWords(recipients), AskedAddresses(addresses)
            warnings = len(doc.warnings)
            fingerprint_for(doc, asked_words, asked_addresses)
            if len(doc.warnings) > warnings:
                return  # a fact the stage could not make is not one to give other copies
            tail = Tail.of(asked_words, asked_addresses, doc)
            memo.keep_tail(key, tail)
        else:
            tail.give(doc)
        memo.last = tail

    return fingerprint


def _run_stages(doc: Document, stages: tuple[Stage, ...]) -> None:
    for stage in stages:
        try:
            stage(doc)
        except Exception as exc:  # noqa: BLE001 - one stage's bug must not lose the report
            doc.warnings.append(f"{stage.__name__} failed: {type(exc).__name__}: {exc}")


def analyze_email(raw: bytes, shingles: bool = True) -> Analysis:
    """`shingles=False`: the analysis without its MinHash signature (empty), every other field the same."""
    stages = STAGES if shingles else STAGES_WITHOUT_SHINGLES
    return Analysis.from_document(run(Document(kind=DocumentKind.EMAIL, raw=raw), stages))


def analyze_text(text: str, form: str = "", answers: dict[str, str] | None = None, shingles: bool = True) -> Analysis:
    doc = Document(kind=DocumentKind.TEXT, text_input=text, form=form, answers=dict(answers or {}))
    return Analysis.from_document(run(doc, STAGES if shingles else STAGES_WITHOUT_SHINGLES))


def analyze_report(
    text: str,
    raw_email: bytes | None,
    approach_hint: str = "",
    answers: dict[str, str] | None = None,
    form: str = "",
    memo: MiddleMemo | None = None,
) -> Analysis:
    """A report may carry both the reporter's words and the suspicious email.

    `form` is the guided form's key; the reporter pages also keep it in the
    answers under "form", so that a stored report re-analysed later has it. With `memo`,
    near-identical copies reuse the middle stages' facts (analysis/reuse.py): the same result.
    """
    answers = dict(answers or {})
    doc = Document(
        kind=DocumentKind.EMAIL if raw_email else DocumentKind.TEXT,
        raw=raw_email or b"",
        text_input=text,
        approach_hint=approach_hint,
        answers=answers,
        form=form or answers.get("form", ""),
    )
    return Analysis.from_document(run(doc, memo=memo))
