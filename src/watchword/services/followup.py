"""Follow-up with reporters: the two-way thread, status and outcome, contact details, the review list.

Called the same way by the reporter pages and the analyst console:

    report_reporters(session, report_id)                            # each person: a receipt or a mail address
    post_analyst_message(session, report_id, author, text, to="r7")  # to one of them, and no one else
    list_thread(session, report_id)                                 # the analyst's view, every person's thread
    reveal_contact(session, key, report_id, actor)                  # audited, never in lists
    list_out_of_scope(session)                                      # the separate review list

Each reporter of a report (a web receipt, or an address that mailed it in)
has a thread of their own: an analyst writes to one person at a time, and
nothing written to one is shown to another, even when their identical emails
became one report. Telling all of a campaign's reporters its outcome is the
verdict's job (`decisions.set_verdict`, `replies.outbox.notify_campaign_outcome`).

Every analyst write and every analyst read of a reporter's words or contact
writes an audit event in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain import Analysis
from watchword.domain.states import AuthorKind, RestrictionSource
from watchword.replies.outcomes import status_text
from watchword.security import sealing
from watchword.security.sealing import unseal
from watchword.services.notifications import reporter_replied
from watchword.store import audit
from watchword.store.counts import counts_of
from watchword.store.models import AnalysisRecord, Campaign, Report, Submission, utcnow
from watchword.store.models_reporter import ReporterReceipt, RestrictedReport, ThreadMessage
from watchword.translation import N_

MAX_MESSAGE_CHARS = 5000


class FollowupError(errors.Invalid):
    """The message cannot be posted; the text is safe to show."""


class FollowupNotFound(errors.NotFound, FollowupError):
    pass


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    id: int
    at: dt.datetime
    author_kind: str  # reporter | analyst
    author: str  # analyst's name for the console; "" on reporter pages
    receipt_id: int | None
    reporter_label: str  # "Reporter 2" for the console: which receipt wrote, never who
    body: str


@dataclass(frozen=True, slots=True)
class ReceiptStatus:
    """What a returning reporter sees for one receipt."""

    receipt_id: int
    submitted_at: dt.datetime
    form: str
    status_line: str
    verdict: str | None
    outcome_at: dt.datetime | None
    history: list[tuple[dt.datetime, str]]
    thread: list[ThreadEntry]
    restricted: bool


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise FollowupError(N_("The message is empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise FollowupError(N_("Messages can be at most %(count)s characters."), count=MAX_MESSAGE_CHARS)
    return text


def _sealed_body(session: Session, text: str) -> dict[str, Any]:
    """A thread message as it is stored: sealed, like the reporter's contact details."""
    return {"body": "", "body_sealed": sealing.seal(sealing.key_of(session), _clean(text), sealing.THREAD)}


def _body(session: Session, message: ThreadMessage) -> str:
    if message.body_sealed is None:
        return message.body  # never sealed: written before migration 0004 and not yet migrated
    return sealing.unseal(sealing.key_of(session), message.body_sealed, sealing.THREAD)


def post_reporter_message(session: Session, receipt_id: int, text: str) -> ThreadMessage:
    receipt = session.get(ReporterReceipt, receipt_id)
    if receipt is None:
        raise FollowupNotFound(N_("This receipt no longer exists."))
    message = ThreadMessage(
        report_id=receipt.report_id,
        receipt_id=receipt.id,
        author_kind=AuthorKind.REPORTER,
        **_sealed_body(session, text),
    )
    session.add(message)
    session.flush()
    # No content and no receipt in the audit detail: the log must not become a copy of the thread.
    audit.record(
        session, "reporter", "thread.reporter_message", "report", receipt.report_id, {"message_id": message.id}
    )
    reporter_replied(session, receipt.report_id, message.id)  # sent by the worker, after this commit
    return message


@dataclass(frozen=True, slots=True)
class ReporterRef:
    """One person who reported a report, as the console may name them: never who they are."""

    key: str  # "r<receipt id>" or "m<keyed address hash>": the form's `to` value
    label: str  # "Reporter 2 (web form)"
    receipt_id: int | None
    mail_hash: str | None


def report_reporters(session: Session, report_id: int) -> list[ReporterRef]:
    """Everyone with a thread on this report: its receipts, then the addresses that mailed it, in order."""
    from watchword.store.models_mail import MailMessage, MailMessageReport

    receipts = session.scalars(
        select(ReporterReceipt.id).where(ReporterReceipt.report_id == report_id).order_by(ReporterReceipt.id)
    ).all()
    hashes: dict[str, None] = {}
    for hash_ in session.scalars(
        select(MailMessage.reporter_hash)
        .join(MailMessageReport, MailMessageReport.mail_message_id == MailMessage.id)
        .where(MailMessageReport.report_id == report_id, MailMessage.reporter_hash.is_not(None))
        .order_by(MailMessage.id)
    ):
        hashes.setdefault(str(hash_), None)
    refs = [ReporterRef(f"r{rid}", f"Reporter {n} (web form)", rid, None) for n, rid in enumerate(receipts, 1)]
    refs += [ReporterRef(f"m{h}", f"Reporter {n} (by mail)", None, h) for n, h in enumerate(hashes, len(receipts) + 1)]
    return refs


def post_analyst_message(session: Session, report_id: int, author: str, text: str, to: str) -> ThreadMessage:
    """An analyst's message to one reporter of a report (`to`: a `ReporterRef.key`), in their thread only.

    A mail reporter is also sent it by mail, through the outbox, in the same transaction.
    """
    if session.get(Report, report_id) is None:
        raise FollowupNotFound("No such report.")
    if not to:
        raise FollowupError("Choose the reporter this message is for.")
    who = next((ref for ref in report_reporters(session, report_id) if ref.key == to), None)
    if who is None:
        raise FollowupNotFound("That reporter did not report this report.")
    message = ThreadMessage(
        report_id=report_id,
        receipt_id=who.receipt_id,
        mail_reporter_hash=who.mail_hash,
        author_kind=AuthorKind.ANALYST,
        author=author[:100],
        **_sealed_body(session, text),
    )
    session.add(message)
    session.flush()
    if who.mail_hash is not None:
        from watchword.replies.outbox import enqueue_message

        enqueue_message(session, report_id, who.mail_hash, message.id, _body(session, message))
    audit.record(
        session,
        author,
        "thread.analyst_message",
        "report",
        report_id,
        # Which thread, by its label: the receipt id or address hash would tie the log to a person.
        {"message_id": message.id, "to": who.label},
    )
    return message


def _label_of(message: ThreadMessage, labels: dict[str, str]) -> str:
    if message.receipt_id is not None:
        return labels.get(f"r{message.receipt_id}", "A former reporter")
    if message.mail_reporter_hash is not None:
        return labels.get(f"m{message.mail_reporter_hash}", "A former reporter")
    return "All web reporters (before threads per person)"


def list_thread(session: Session, report_id: int, actor: str | None = None) -> list[ThreadEntry]:
    """Every message of a report, oldest first, for the console. Audited when `actor` is given."""
    labels = {ref.key: ref.label for ref in report_reporters(session, report_id)}
    rows = session.scalars(
        select(ThreadMessage)
        .where(ThreadMessage.report_id == report_id)
        .order_by(ThreadMessage.created_at, ThreadMessage.id)
    ).all()
    if actor is not None:
        audit.record(session, actor, "thread.viewed", "report", report_id, {"messages": len(rows)})
    return [
        ThreadEntry(
            id=m.id,
            at=m.created_at,
            author_kind=m.author_kind,
            author=m.author,
            receipt_id=m.receipt_id,
            reporter_label=_label_of(m, labels),
            body=_body(session, m),
        )
        for m in rows
    ]


def threads_by_person(
    session: Session, report_id: int, actor: str
) -> list[tuple[ReporterRef | None, list[ThreadEntry]]]:
    """The console's thread page: each reporter with their own messages; None for pre-0011 messages to all."""
    entries = list_thread(session, report_id, actor=actor)
    refs = report_reporters(session, report_id)
    by_label: dict[str, list[ThreadEntry]] = {}
    for entry in entries:
        by_label.setdefault(entry.reporter_label, []).append(entry)
    threads: list[tuple[ReporterRef | None, list[ThreadEntry]]] = [(ref, by_label.pop(ref.label, [])) for ref in refs]
    threads += [(None, rest) for rest in by_label.values()]
    return threads


def reporter_thread(session: Session, receipt: ReporterReceipt) -> list[ThreadEntry]:
    """What one reporter sees: their own thread, and the old messages to all web reporters."""
    rows = session.scalars(
        select(ThreadMessage)
        .where(
            ThreadMessage.report_id == receipt.report_id,
            or_(
                ThreadMessage.receipt_id == receipt.id,
                ThreadMessage.receipt_id.is_(None)
                & ThreadMessage.mail_reporter_hash.is_(None)
                & (ThreadMessage.author_kind == AuthorKind.ANALYST),
            ),
        )
        .order_by(ThreadMessage.created_at, ThreadMessage.id)
    ).all()
    return [
        ThreadEntry(
            id=m.id,
            at=m.created_at,
            author_kind=m.author_kind,
            author="",
            receipt_id=m.receipt_id,
            reporter_label="",
            body=_body(session, m),
        )
        for m in rows
    ]


def unanswered_reports(session: Session, limit: int = 100) -> list[int]:
    """Reports whose newest message is from a reporter: the console's 'waiting for a reply' list."""
    latest: dict[int, str] = {}
    for report_id, kind in session.execute(
        select(ThreadMessage.report_id, ThreadMessage.author_kind).order_by(ThreadMessage.id)
    ):
        latest[report_id] = kind
    return [rid for rid, kind in latest.items() if kind == AuthorKind.REPORTER][:limit]


def is_restricted(session: Session, report: Report) -> bool:
    return report.scope == "out_of_scope" or session.get(RestrictedReport, report.id) is not None


# The steps of a report's history, translated where the page shows them.
RECEIVED_STEP = N_("Report received")
CHECKED_STEP = N_("Automatic checks done")
DECIDED_STEP = N_("Outcome decided")
ANALYST_WROTE = N_("Message from the analysts")
REPORTER_WROTE = N_("You wrote a message")


def receipt_statuses(
    session: Session, receipt_ids: Sequence[int], language_for: Callable[[str | None], str]
) -> tuple[list[ReceiptStatus], str]:
    """The receipts' states, in order, and the language to show them in: `language_for` gets the
    first receipt's remembered language (None when none is left) and gives the page's. A receipt
    deleted by retention since is simply gone from the list."""
    found = [r for r in (session.get(ReporterReceipt, i) for i in receipt_ids) if r is not None]
    language = language_for(found[0].language if found else None)
    return [receipt_status(session, receipt, language) for receipt in found], language


def receipt_status(session: Session, receipt: ReporterReceipt, language: str = "") -> ReceiptStatus:
    """One receipt's state, its status line in `language` (by default the one remembered with it)."""
    report = session.get(Report, receipt.report_id)
    if report is None:  # pragma: no cover - receipts cascade with their report
        raise FollowupNotFound(N_("This report has been deleted."))
    campaign = session.get(Campaign, report.campaign_id) if report.campaign_id else None
    restricted = is_restricted(session, report)
    verdict = report.verdict or (campaign.verdict if campaign else None)
    if restricted and not verdict:
        verdict = None
    line = status_text(
        report.status,
        verdict,
        approach_type=(campaign.approach_type if campaign else report.approach_type) or "",
        reporters=counts_of(session, report.id).people,
        action=campaign.verdict_note if campaign else "",
        scope="out_of_scope" if restricted else report.scope,
        language=language or receipt.language,
    )
    history: list[tuple[dt.datetime, str]] = [(receipt.created_at, RECEIVED_STEP)]
    analysis_at = report.analysis.created_at if report.analysis is not None else None
    if analysis_at is not None:
        # When others reported the same message first, it was checked before this person sent it:
        # for them it was checked when it arrived, never before they reported it.
        history.append((max(_aware(analysis_at), _aware(receipt.created_at)), CHECKED_STEP))
    outcome_at = campaign.verdict_at if campaign and campaign.verdict else None
    if verdict and outcome_at is not None:
        history.append((max(_aware(outcome_at), _aware(receipt.created_at)), DECIDED_STEP))
    thread = reporter_thread(session, receipt)
    history.extend((m.at, ANALYST_WROTE if m.author_kind == AuthorKind.ANALYST else REPORTER_WROTE) for m in thread)
    history.sort(key=lambda item: _aware(item[0]))
    return ReceiptStatus(
        receipt_id=receipt.id,
        submitted_at=receipt.created_at,
        form=receipt.form,
        status_line=line,
        verdict=verdict,
        outcome_at=outcome_at,
        history=history,
        thread=thread,
        restricted=restricted,
    )


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def reveal_contact(session: Session, key: bytes, report_id: int, actor: str) -> list[str]:
    """The contact details reporters left for one report, decrypted, with an audit event per view."""
    sealed = [
        s for s in session.scalars(select(Submission.contact_sealed).where(Submission.report_id == report_id)) if s
    ]
    report = session.get(Report, report_id)
    if report is not None and report.contact_sealed and report.contact_sealed not in sealed:
        sealed.insert(0, report.contact_sealed)
    contacts = list(dict.fromkeys(unseal(key, s) for s in sealed))
    audit.record(session, actor, "contact.viewed", "report", report_id, {"count": len(contacts)})
    return contacts


def mark_restricted(session: Session, report_id: int, reason: str, source: str) -> None:
    """Keep an out-of-scope report apart; idempotent, so the instant check and the worker may both call it."""
    if session.get(RestrictedReport, report_id) is not None:
        return
    # Set the scope now, not when the worker gets to it: queues and search already leave such reports out.
    session.execute(update(Report).where(Report.id == report_id).values(scope="out_of_scope"))
    session.add(RestrictedReport(report_id=report_id, reason=reason[:2000], source=source, restricted_at=utcnow()))
    session.flush()
    audit.record(session, "system", "report.restricted", "report", report_id, {"source": source})


def list_out_of_scope(session: Session, limit: int = 200) -> list[tuple[Report, str]]:
    """The analysts' separate review list: restricted reports with the guard's reason, newest first."""
    rows = session.execute(
        select(Report, RestrictedReport.reason, AnalysisRecord.result)
        .outerjoin(RestrictedReport, RestrictedReport.report_id == Report.id)
        .outerjoin(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .where(or_(Report.scope == "out_of_scope", RestrictedReport.report_id.is_not(None)))
        .order_by(Report.created_at.desc())
        .limit(limit)
    ).all()
    # Reports from other channels carry the guard's reason in their analysis only.
    return [(report, reason or str((result or {}).get("scope_reason", ""))) for report, reason, result in rows]


def restrict_out_of_scope(session: Session, report: Report, analysis: Analysis) -> None:
    """After-analysis step: the stored analysis's scope decision, for reports from every channel."""
    if analysis.scope == "out_of_scope":
        mark_restricted(session, report.id, analysis.scope_reason, RestrictionSource.ANALYSIS)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file a reporter attached: what the console lists. Its bytes are served only by web/console/files.py."""

    id: int
    filename: str
    content_type: str  # as the reporter's browser declared it: a hint, not a fact
    size: int
    sha256: str

    @property
    def shown_as_picture(self) -> bool:
        # Only a hint for the page; the re-encoder decides, and refuses anything that is not a picture.
        return self.content_type.startswith("image/") and self.content_type not in ("image/svg+xml",)


@dataclass(slots=True)
class SubmissionEntry:
    """One submission of a report (the first or a sighting) and everything its reporter wrote."""

    id: int
    at: dt.datetime
    channel: str
    source_name: str
    text: str
    approach_hint: str
    answers: dict[str, str]
    files: list[FileEntry]
    has_contact: bool
    comment: str = ""  # a mail reporter's words above the message they attached
    questions: list[tuple[str, str]] = field(default_factory=list)  # (question, answer), filled by the console


def list_submissions(session: Session, report_id: int, actor: str) -> list[SubmissionEntry]:
    """Every submission of a report with its reporter's words (unsealed), oldest first.

    Reading them is audited, like the thread: they are the reporters' own words.
    """
    entries = read_submissions(session, report_id)
    record_submissions_read(session, actor, report_id, entries, via="submissions")
    return entries


def record_submissions_read(
    session: Session, actor: str, report_id: int, entries: list[SubmissionEntry], via: str
) -> None:
    """The audit event for reading reporters' words, wherever they were shown (`via`: the page)."""
    detail = {"submissions": len(entries), "files": sum(len(e.files) for e in entries), "via": via}
    audit.record(session, actor, "submissions.viewed", "report", report_id, detail)


def read_submissions(session: Session, report_id: int, limit: int | None = None) -> list[SubmissionEntry]:
    """The submissions (at most `limit`, oldest first) unsealed, in two queries whatever their number.

    The caller records the read (`record_submissions_read`) in a transaction that
    commits before anything unsealed is shown: `list_submissions` does both.
    """
    from watchword.store.models_reporter import ReporterFile

    query = select(Submission).where(Submission.report_id == report_id).order_by(Submission.received_at, Submission.id)
    rows = session.scalars(query.limit(limit) if limit is not None else query).all()
    files: dict[int | None, list[FileEntry]] = {}
    for kept in session.scalars(
        select(ReporterFile).where(ReporterFile.report_id == report_id).order_by(ReporterFile.id)
    ):
        entry = FileEntry(kept.id, kept.filename, kept.content_type, kept.size, kept.sha256)
        files.setdefault(kept.submission_id, []).append(entry)
    key = sealing.key_of(session)
    entries = []
    for row in rows:
        words = sealing.unseal_json(key, row.words_sealed) if row.words_sealed else {}
        entries.append(
            SubmissionEntry(
                id=row.id,
                at=row.received_at,
                channel=row.channel,
                source_name=row.source_name,
                text=str(words.get("text") or ""),
                approach_hint=str(words.get("approach_hint") or ""),
                answers={str(k): str(v) for k, v in (words.get("answers") or {}).items()},
                files=files.get(row.id, []),
                has_contact=row.contact_sealed is not None,
                comment=str(words.get("comment") or ""),
            )
        )
    if None in files and entries:
        # Files stored before submissions were recorded with them: shown with the first.
        entries[0].files = files[None] + entries[0].files
    return entries
