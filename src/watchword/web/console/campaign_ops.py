"""The console's calls into the analysts' decisions: merge, split, verdict.

`services.decisions` makes each decision and everything that follows from it
(priority, search, reporters' outcomes); the console turns refusals into 400s.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from watchword.services import decisions


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        # The campaigns service refuses with ValueError subclasses whose text is for people.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc


def merge(session: Session, into_id: int, from_id: int, actor: str) -> None:
    _call(decisions.merge, session, into_id, from_id, actor)


def split(session: Session, report_id: int, actor: str) -> int:
    return int(_call(decisions.split, session, report_id, actor).id)


def set_verdict(session: Session, campaign_id: int, verdict: str, reporter_message: str, actor: str) -> int:
    """The verdict and the message reporters are told with it; returns the campaign decided
    (the one `campaign_id` was merged into, if it was)."""
    return int(_call(decisions.set_verdict, session, campaign_id, verdict, actor, note=reporter_message).id)
