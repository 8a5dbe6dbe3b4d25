"""The console's calls into the analysts' decisions: merge, split, verdict.

`services.decisions` makes each decision and everything that follows from it
(priority, search, reporters' outcomes). Its refusals are `watchword.errors`
(not found, conflict, invalid), which web/errors.py turns into responses.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from watchword.services import decisions


def merge(session: Session, into_id: int, from_id: int, actor: str) -> None:
    decisions.merge(session, into_id, from_id, actor)


def split(session: Session, report_id: int, actor: str) -> int:
    return int(decisions.split(session, report_id, actor).id)


def set_verdict(session: Session, campaign_id: int, verdict: str, reporter_message: str, actor: str) -> int:
    """The verdict and the message reporters are told with it; returns the campaign decided
    (the one `campaign_id` was merged into, if it was)."""
    return int(decisions.set_verdict(session, campaign_id, verdict, actor, note=reporter_message).id)
