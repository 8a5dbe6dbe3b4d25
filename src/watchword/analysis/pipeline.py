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
from watchword.analysis.fingerprint import fingerprint
from watchword.analysis.forwarded import unwrap_forwarded
from watchword.analysis.indicators import extract_indicators
from watchword.analysis.mime import parse_mime
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


def run(doc: Document, stages: tuple[Stage, ...] = STAGES) -> Document:
    for stage in stages:
        try:
            stage(doc)
        except Exception as exc:  # noqa: BLE001 - one stage's bug must not lose the report
            doc.warnings.append(f"{stage.__name__} failed: {type(exc).__name__}: {exc}")
    return doc


def analyze_email(raw: bytes) -> Analysis:
    return Analysis.from_document(run(Document(kind=DocumentKind.EMAIL, raw=raw)))


def analyze_text(text: str) -> Analysis:
    return Analysis.from_document(run(Document(kind=DocumentKind.TEXT, text_input=text)))


def analyze_report(
    text: str,
    raw_email: bytes | None,
    approach_hint: str = "",
    answers: dict[str, str] | None = None,
) -> Analysis:
    """A report may carry both the reporter's words and the suspicious email."""
    doc = Document(
        kind=DocumentKind.EMAIL if raw_email else DocumentKind.TEXT,
        raw=raw_email or b"",
        text_input=text,
        approach_hint=approach_hint,
        answers=dict(answers or {}),
    )
    return Analysis.from_document(run(doc))
