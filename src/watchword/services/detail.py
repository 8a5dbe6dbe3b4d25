"""The one question asked when a report does not yet say what was done.

When the reading finds neither an act nor a basis about a person (scope
`needs_detail`), the reporter is asked, once and in plain words, "What did
they do or ask you for?". The answer is added to the same report — appended
to the reporter's words under the question, so the analyst reads both in order
— and the report is analysed again by the worker. Nothing already accepted is
changed or lost: the original words stay as they were, first.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy.orm import Session

from watchword import errors
from watchword.analysis.scope import NEEDS_DETAIL_QUESTION
from watchword.domain.model import MAX_REPORT_TEXT_CHARS as MAX_TEXT_CHARS
from watchword.domain.model import storable_text
from watchword.domain.states import ReportStatus, Scope
from watchword.security import same_secret
from watchword.store import audit, jobs
from watchword.store.models import Report
from watchword.translation import N_

MAX_DETAIL_CHARS = 5000
# The question can be answered from the thank-you page for this long after sending.
TOKEN_SECONDS = 3600


class DetailError(errors.Invalid):
    """Refused; the message is safe to show to the reporter."""


def detail_token(key: bytes, report_id: int, now: float | None = None) -> str:
    """A signed, expiring permission to add detail to one report (no account, no cookie needed)."""
    expires = int((now if now is not None else time.time()) + TOKEN_SECONDS)
    mac = hmac.new(key, f"detail:{report_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{report_id}.{expires}.{mac}"


def check_token(key: bytes, token: str, now: float | None = None) -> int:
    """The report id the token was made for; DetailError when it is forged or expired."""
    try:
        report_part, expires_part, mac = token.split(".")
        report_id, expires = int(report_part), int(expires_part)
    except ValueError:
        raise DetailError(N_("This page has expired. Please sign in with your receipt and send a message.")) from None
    good = hmac.new(key, f"detail:{report_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]
    if not same_secret(mac, good):
        raise DetailError(N_("This page has expired. Please sign in with your receipt and send a message."))
    if expires < (now if now is not None else time.time()):
        raise DetailError(N_("This page has expired. Please sign in with your receipt and send a message."))
    return report_id


def add_detail(session: Session, report_id: int, text: str) -> Report:
    """Append the reporter's answer to the report's words and queue it for analysis again."""
    added = "\n".join(" ".join(line.split()) for line in storable_text(text).strip().splitlines()).strip()
    if not added:
        raise DetailError(N_("Please write what they did or asked you for."))
    if len(added) > MAX_DETAIL_CHARS:
        raise DetailError(N_("Please keep this under %(count)s characters."), count=MAX_DETAIL_CHARS)
    report = session.get(Report, report_id)
    if report is None:
        raise DetailError(N_("This report no longer exists."))
    combined = f"{report.text}\n\n{NEEDS_DETAIL_QUESTION}\n{added}" if report.text else added
    if len(combined) > MAX_TEXT_CHARS:
        raise DetailError(N_("The report is already as long as a report can be."))
    report.text = combined
    report.status = ReportStatus.RECEIVED
    jobs.enqueue(session, jobs.ANALYZE, report.id)
    # No content in the audit detail: the log must not become a copy of the report.
    audit.record(session, "reporter", "report.detail_added", "report", report.id, {"chars": len(added)})
    return report


def message_from_reporter(session: Session, receipt_id: int, text: str) -> None:
    """A reporter's message from their status page: posted to the report's thread and, while the
    report has not yet said what was done (scope `needs_detail`) and only this reporter has sent
    it, added to the report's words as well, so the answer is analysed with them."""
    from watchword.services.followup import post_reporter_message

    message = post_reporter_message(session, receipt_id, text)
    report = session.get(Report, message.report_id)
    if report is not None and report.scope == Scope.NEEDS_DETAIL and report.sightings <= 1:
        add_detail(session, report.id, text[:MAX_DETAIL_CHARS])
