"""The one intake funnel. Every channel builds an `IncomingReport` and calls `submit()`.

A report is acknowledged only once its raw bytes are fsynced in the blob store
(by the writer, for the whole batch, right before its transaction) and its row,
its first submission and its analysis job are committed in one transaction
(shared with whatever else arrived at the same moment: see writer.py). A
channel's own rows (a mail's record, a web reporter's files and receipt) go in
as `also=[...]` and commit in that same transaction. The same content
submitted again is a sighting of the existing report: counted and linked, not
analysed twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from watchword import errors
from watchword.domain import IncomingReport
from watchword.domain.model import MAX_REPORT_TEXT_CHARS
from watchword.intake.writer import Also, Committed, Prepared, Receipt, Summary
from watchword.security.sealing import seal, seal_json
from watchword.store.blobs import sha256_hex
from watchword.translation import N_

if TYPE_CHECKING:
    from watchword.runtime import Runtime

MAX_TEXT_CHARS = MAX_REPORT_TEXT_CHARS
# The values go in apart (errors.WatchwordError): a reporter page says it in the page's language.
MESSAGE_TOO_LARGE = N_("The message is larger than the %(mb)s MB limit.")
_SPACE = re.compile(r"\s+")


class IntakeError(errors.Invalid):
    """The submission cannot be accepted; the message is safe to show the reporter."""


class TooLarge(errors.TooLarge, IntakeError):
    pass


class StoreUnavailable(errors.Unavailable, IntakeError):
    """A transient failure: nothing was acknowledged, the sender should retry."""


def dedupe_key(incoming: IncomingReport) -> str:
    if incoming.raw_email:
        # The same message saved as .eml on Windows, kept in an mbox and forwarded by
        # a mail server differs only in line endings and trailing blank lines.
        # (No "\r" at all, the common case: the replace would only copy the bytes.)
        raw = incoming.raw_email
        canonical = (raw.replace(b"\r\n", b"\n") if b"\r" in raw else raw).rstrip(b"\n")
        return hashlib.sha256(canonical).hexdigest()
    normalised = _SPACE.sub(" ", incoming.text).strip().casefold()
    answers = "|".join(f"{k}={_SPACE.sub(' ', v).strip().casefold()}" for k, v in sorted(incoming.answers.items()))
    return hashlib.sha256(f"text\x00{incoming.approach_hint}\x00{normalised}\x00{answers}".encode()).hexdigest()


def megabytes(size: int) -> float:
    """A byte limit as the megabytes people are told (1 for 1 MiB; 0.5 for a smaller test limit)."""
    value = round(size / (1024 * 1024), 1)
    return int(value) if value.is_integer() else value


def validate(incoming: IncomingReport, max_bytes: int) -> None:
    # The guided form's own key is context the pages add, not something the reporter wrote: a form
    # sent with nothing filled in was stored as a report of nothing.
    said = (v for k, v in incoming.answers.items() if k != "form")
    if not incoming.raw_email and not incoming.text.strip() and not any(v.strip() for v in said):
        raise IntakeError(N_("The report is empty: describe what happened or attach the message."))
    if incoming.raw_email and len(incoming.raw_email) > max_bytes:
        raise TooLarge(MESSAGE_TOO_LARGE, mb=megabytes(max_bytes))
    if len(incoming.text) > MAX_TEXT_CHARS:
        raise TooLarge(N_("The description is longer than %(count)s characters."), count=MAX_TEXT_CHARS)


def prepare(rt: Runtime, incoming: IncomingReport, *, stage: bool = True) -> Prepared:
    """Everything that can happen outside the write lock: checks, sealing, writing the blob.

    The blob is only staged here (written, not synced): the writer makes the whole batch's
    blobs durable at once, right before the transaction that names them (writer.py).
    With `stage=False` (a caller on the event loop, which must not wait for a file to be
    created) the raw bytes go to the writer unstaged, and its syncer writes them.
    """
    validate(incoming, rt.settings.max_upload_bytes)
    contact_plain = incoming.contact or incoming.reporter_address
    key = rt.contact_key
    contact = seal(key, contact_plain) if contact_plain else None
    words = seal_json(key, plain) if (plain := reporter_words(incoming)) else None
    answers = seal_json(key, dict(incoming.answers)) if incoming.answers else None
    raw = incoming.raw_email
    staged = rt.blobs.stage(raw) if raw and stage else None  # last: nothing after it can fail
    return Prepared(
        incoming=incoming,
        key=dedupe_key(incoming),
        raw_sha=staged.sha256 if staged else (sha256_hex(raw) if raw else None),
        raw_size=len(raw or b""),
        contact=contact,
        words=words,
        answers=answers,
        blob=staged,
        unstaged=raw if raw and not stage else None,
    )


def reporter_words(incoming: IncomingReport) -> dict[str, object] | None:
    """What the reporter wrote beside (or instead of) the message: kept with their submission."""
    if not (incoming.text.strip() or incoming.approach_hint or incoming.answers or incoming.comment.strip()):
        return None
    words: dict[str, object] = {
        "text": incoming.text,
        "approach_hint": incoming.approach_hint or "",
        "answers": dict(incoming.answers),
    }
    if incoming.comment.strip():
        words["comment"] = incoming.comment
    return words


def submit(rt: Runtime, incoming: IncomingReport, *, also: Sequence[Also] = ()) -> Receipt:
    """File a report. Returns only once it is durable; raises IntakeError with a reason to show.

    `also`: the channel's own rows, written in the report's transaction (see writer.py).
    """
    return submit_all(rt, [incoming], also=also).receipt


async def submit_async(rt: Runtime, incoming: IncomingReport) -> Receipt:
    """`submit` for a caller on the event loop (the JSON API): the same checks, the same
    durability before the answer, without a thread of its own per request.

    The checks, the sealing and the hashing run on the loop (microseconds); the blob's file
    is written by the writer's syncer with the rest of its batch, so the loop never waits
    for the disk, and the request costs no hop through a thread pool (issue 14)."""
    prepared = prepare(rt, incoming, stage=False)
    try:
        return (await rt.intake.commit_async(prepared)).receipt
    except (IntakeError, IntegrityError):
        raise
    except Exception as exc:
        raise StoreUnavailable(N_("The report could not be stored just now; please try again.")) from exc


def submit_all(
    rt: Runtime, incoming: Sequence[IncomingReport], *, also: Sequence[Also] = (), summary: Summary | None = None
) -> Committed:
    """File several reports (a mail's attached originals) and their channel's rows: all or none.

    The checks, the sealing and the blobs' writing happen here, outside the
    writer's lock; the blobs' fsyncs and the rows in the one writer's turn. An
    `IntegrityError` raised by an `also` row (a unique key the channel relies
    on, such as a mail's wrapper hash) reaches the caller as it is.
    """
    for one in incoming:  # all checked before any blob is written
        validate(one, rt.settings.max_upload_bytes)
    prepared = [prepare(rt, one) for one in incoming]
    try:
        return rt.intake.commit(prepared, also=also, summary=summary)
    except (IntakeError, IntegrityError):
        raise
    except Exception as exc:
        raise StoreUnavailable(N_("The report could not be stored just now; please try again.")) from exc


__all__ = [
    "MESSAGE_TOO_LARGE",
    "Committed",
    "IntakeError",
    "Receipt",
    "StoreUnavailable",
    "TooLarge",
    "dedupe_key",
    "megabytes",
    "prepare",
    "submit",
    "submit_all",
    "submit_async",
    "validate",
]
