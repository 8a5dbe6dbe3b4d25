"""The one intake funnel. Every channel builds an `IncomingReport` and calls `submit()`.

A report is acknowledged only once its raw bytes are fsynced in the blob store
and its row, its first submission and its analysis job are committed in one
transaction (shared with whatever else arrived at the same
moment: see writer.py). The same content submitted again is a sighting of the existing
report: counted and linked, not analysed twice.
"""

from __future__ import annotations

import hashlib
import re

from watchword import errors
from watchword.domain import IncomingReport
from watchword.intake.writer import Prepared, Receipt
from watchword.runtime import Runtime
from watchword.security.sealing import seal

MAX_TEXT_CHARS = 100_000
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
        canonical = incoming.raw_email.replace(b"\r\n", b"\n").rstrip(b"\n")
        return hashlib.sha256(canonical).hexdigest()
    normalised = _SPACE.sub(" ", incoming.text).strip().casefold()
    answers = "|".join(f"{k}={_SPACE.sub(' ', v).strip().casefold()}" for k, v in sorted(incoming.answers.items()))
    return hashlib.sha256(f"text\x00{incoming.approach_hint}\x00{normalised}\x00{answers}".encode()).hexdigest()


def validate(incoming: IncomingReport, max_bytes: int) -> None:
    if not incoming.raw_email and not incoming.text.strip() and not any(v.strip() for v in incoming.answers.values()):
        raise IntakeError("The report is empty: describe what happened or attach the message.")
    if incoming.raw_email and len(incoming.raw_email) > max_bytes:
        raise TooLarge(f"The message is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    if len(incoming.text) > MAX_TEXT_CHARS:
        raise TooLarge(f"The description is longer than {MAX_TEXT_CHARS:,} characters.")


def prepare(rt: Runtime, incoming: IncomingReport) -> Prepared:
    """Everything that can happen outside the write lock: checks, the blob's fsync, sealing."""
    validate(incoming, rt.settings.max_upload_bytes)
    raw_sha = rt.blobs.put(incoming.raw_email) if incoming.raw_email else None
    contact_plain = incoming.contact or incoming.reporter_address
    return Prepared(
        incoming=incoming,
        key=dedupe_key(incoming),
        raw_sha=raw_sha,
        raw_size=len(incoming.raw_email or b""),
        contact=seal(rt.contact_key, contact_plain) if contact_plain else None,
    )


def submit(rt: Runtime, incoming: IncomingReport) -> Receipt:
    """File a report. Returns only once it is durable; raises IntakeError with a reason to show."""
    prepared = prepare(rt, incoming)
    try:
        return rt.intake.commit(prepared)
    except IntakeError:
        raise
    except Exception as exc:
        raise StoreUnavailable("The report could not be stored just now; please try again.") from exc


__all__ = ["IntakeError", "Receipt", "StoreUnavailable", "TooLarge", "dedupe_key", "prepare", "submit", "validate"]
