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

from watchword.services import search


def _service() -> ModuleType:
    try:
        # Imported by name: the module is written by the campaigns area.
        return importlib.import_module("watchword.campaigns.service")
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


def merge(session: Session, into_id: int, from_id: int, actor: str) -> None:
    _call("merge", session, into_id, from_id, actor=actor)
    search.index_campaign(session, into_id)
    search.index_campaign(session, from_id)


def split(session: Session, report_id: int, actor: str) -> int:
    new_id = int(_call("split", session, report_id, actor=actor))
    search.index_campaign(session, new_id)
    return new_id


def set_verdict(session: Session, campaign_id: int, verdict: str, note: str, actor: str) -> None:
    _call("set_verdict", session, campaign_id, verdict, note, actor=actor)
    search.index_campaign(session, campaign_id)
