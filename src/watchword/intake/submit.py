"""The one intake funnel. Every channel builds an `IncomingReport` and calls `submit()`.

A report is acknowledged only once its raw bytes are fsynced in the blob store
and its row, its first submission and its analysis job are committed in one
transaction. The same content submitted again is a sighting of the existing
report: counted and linked, not analysed twice.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from watchword.domain import IncomingReport
from watchword.runtime import Runtime
from watchword.services.sealing import seal
from watchword.store import jobs
from watchword.store.models import Blob, Report, Submission, utcnow

MAX_TEXT_CHARS = 100_000
_SPACE = re.compile(r"\s+")


class IntakeError(ValueError):
    """The submission cannot be accepted; the message is safe to show the reporter."""


class TooLarge(IntakeError):
    pass


@dataclass(frozen=True, slots=True)
class Receipt:
    report_id: int
    public_id: str
    duplicate: bool
    sightings: int


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


def submit(rt: Runtime, incoming: IncomingReport) -> Receipt:
    validate(incoming, rt.settings.max_upload_bytes)
    key = dedupe_key(incoming)
    raw_sha = rt.blobs.put(incoming.raw_email) if incoming.raw_email else None
    contact = seal(rt.contact_key, incoming.contact) if incoming.contact else None
    if incoming.reporter_address and not contact:
        contact = seal(rt.contact_key, incoming.reporter_address)
    for _attempt in range(3):
        existing = _add_sighting(rt, key, incoming, contact)
        if existing is not None:
            return existing
        try:
            return _create(rt, key, raw_sha, incoming, contact)
        except IntegrityError:
            # Someone else committed the same content between our look and our
            # insert: go round again and count ours as their sighting.
            continue
    raise IntakeError("The report could not be stored; please try again.")


def _add_sighting(rt: Runtime, key: str, incoming: IncomingReport, contact: bytes | None) -> Receipt | None:
    with rt.db.write() as session:
        found = session.execute(select(Report.id, Report.public_id).where(Report.dedupe_key == key)).first()
        if found is None:
            return None
        report_id, public_id = found
        now = utcnow()
        session.execute(
            update(Report).where(Report.id == report_id)
            .values(sightings=Report.sightings + 1, last_sighted_at=now)
        )
        session.add(Submission(report_id=report_id, received_at=now, channel=str(incoming.channel),
                               source_name=incoming.source_name or "", contact_sealed=contact))
        sightings = session.scalar(select(Report.sightings).where(Report.id == report_id)) or 1
        return Receipt(report_id=report_id, public_id=public_id, duplicate=True, sightings=sightings)


def _create(rt: Runtime, key: str, raw_sha: str | None, incoming: IncomingReport,
            contact: bytes | None) -> Receipt:
    with rt.db.write() as session:
        if raw_sha and session.get(Blob, raw_sha) is None:
            session.add(Blob(sha256=raw_sha, size=len(incoming.raw_email or b"")))
        report = Report(
            public_id=uuid.uuid4().hex,
            channel=str(incoming.channel),
            dedupe_key=key,
            raw_sha256=raw_sha,
            text=incoming.text,
            approach_hint=incoming.approach_hint or "",
            answers=dict(incoming.answers),
            source_name=(incoming.source_name or "")[:500],
            contact_sealed=contact,
        )
        session.add(report)
        session.flush()
        session.add(Submission(report_id=report.id, channel=str(incoming.channel),
                               source_name=(incoming.source_name or "")[:500], contact_sealed=contact))
        jobs.enqueue(session, jobs.ANALYZE, report_id=report.id)
        return Receipt(report_id=report.id, public_id=report.public_id, duplicate=False, sightings=1)
