"""The console's calls into the campaigns service: merge, split, verdict.

Campaign logic lives in `watchword.campaigns`; the console only calls it, then
refreshes the campaigns' search entries. This module is the one place that
names those functions, so that a renamed service breaks here, loudly.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from watchword.services import queue, search
from watchword.store.models import Report


def _service() -> ModuleType:
    try:
        # Imported by name: the module belongs to the campaigns area.
        return importlib.import_module("watchword.campaigns.services")
    except ImportError as exc:  # pragma: no cover - only while the campaigns area is being written
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "Campaign actions are not available yet.") from exc


def _call(name: str, *args: Any, **kwargs: Any) -> Any:
    function = getattr(_service(), name, None)
    if function is None:  # pragma: no cover - see _service
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, f"Campaign action {name!r} is not available yet.")
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        # The campaigns service refuses with ValueError subclasses whose text is for people.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc


def _after(session: Session, *campaign_ids: int) -> None:
    session.flush()
    for campaign_id in campaign_ids:
        queue.refresh_priority(session, campaign_id)
        search.index_campaign(session, campaign_id)


def merge(session: Session, into_id: int, from_id: int, actor: str) -> None:
    _call("merge_campaigns", session, into_id, from_id, actor)
    _after(session, into_id, from_id)


def split(session: Session, report_id: int, actor: str) -> int:
    old = session.get(Report, report_id)
    old_campaign = old.campaign_id if old is not None else None
    new_id = int(_call("split_report", session, report_id, actor).id)
    _after(session, new_id, *([old_campaign] if old_campaign else []))
    return new_id


def set_verdict(session: Session, campaign_id: int, verdict: str, note: str, actor: str) -> None:
    _call("set_verdict", session, campaign_id, verdict, actor, note=note)
    _after(session, campaign_id)
