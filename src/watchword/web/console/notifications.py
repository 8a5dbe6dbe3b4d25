"""An analyst's notification settings: where (Apprise URLs) and on what (surge, high-risk, reply).

What is sent and when is `services.notifications`; this page saves the settings and can send a test.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from starlette.responses import Response

from watchword.services import notifications
from watchword.services.accounts import Principal
from watchword.web.console.auth import Analyst, AnalystReader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()


def _user_id(me: Principal) -> int:
    if me.user_id is None:  # pragma: no cover - console pages need a signed-in person
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Notifications belong to a person's account.")
    return me.user_id


@router.get("/notifications")
def notification_settings(request: Request, rt: Rt, me: AnalystReader) -> Response:
    with rt.db.session() as session:
        view = notifications.settings_view(session, _user_id(me))
        events = notifications.recent_events(session)
    return page(request, "notifications.html", me, view=view, kinds=notifications.EVENTS, events=events)


@router.post("/notifications")
def notification_save(
    rt: Rt,
    me: Analyst,
    urls: Annotated[str, Form(max_length=25_000)] = "",
    events: Annotated[list[str] | None, Form()] = None,
    clear: Annotated[bool, Form()] = False,
) -> Response:
    with rt.db.write() as session:
        notifications.save_settings(
            session, _user_id(me), me.username, events=events or [], urls_text=urls or None, clear=clear
        )
    return see_other(flash_url("/console/notifications", "notifications_saved"))


@router.post("/notifications/test")
def notification_test(rt: Rt, me: Analyst) -> Response:
    notifications.send_test(rt, _user_id(me))
    return see_other(flash_url("/console/notifications", "notification_test"))
