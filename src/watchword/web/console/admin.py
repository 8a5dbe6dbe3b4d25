"""The audit log page and API-token management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.responses import Response

from watchword import errors
from watchword.services import accounts
from watchword.store.audit import verify
from watchword.store.models import AuditEvent
from watchword.store.models_people import TOKEN_SCOPES, ApiToken
from watchword.web.console.auth import Admin, AnalystReader, Rt
from watchword.web.console.common import flash_url, page, see_other
from watchword.web.deps import Before

router = APIRouter()

PAGE = 100


@router.get("/audit")
def audit_log(
    request: Request,
    rt: Rt,
    me: AnalystReader,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    before: Before = None,
) -> Response:
    """Newest first, filtered by user, action and object; keyset paging by id."""
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip())
    if action:
        # "report." finds every report action; a full name finds one.
        action = action.strip()
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEvent.action == action
        )
    if object_type:
        query = query.where(AuditEvent.object_type == object_type.strip())
    if object_id:
        query = query.where(AuditEvent.object_id == object_id.strip())
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = session_rows = []
    with rt.db.session() as session:
        session_rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE + 1)))
    events = session_rows[:PAGE]
    filters = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id}
    return page(
        request,
        "audit.html",
        me,
        events=events,
        filters=filters,
        next_before=events[-1].id if len(session_rows) > PAGE else None,
    )


@router.get("/audit/verify")
def audit_verify(request: Request, rt: Rt, me: AnalystReader) -> Response:
    with rt.db.session() as session:
        check = verify(session)
    return page(request, "audit_verify.html", me, check=check)


@router.get("/tokens")
def tokens(request: Request, rt: Rt, me: AnalystReader) -> Response:
    if not me.is_admin:
        raise errors.Refused("Only administrators manage tokens.")
    with rt.db.session() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    return page(request, "tokens.html", me, tokens=rows, scopes=TOKEN_SCOPES)


@router.post("/tokens")
def token_create(
    request: Request, rt: Rt, me: Admin, name: Annotated[str, Form()] = "", scope: Annotated[str, Form()] = "read"
) -> Response:
    with rt.db.write() as session:
        value, _row = accounts.create_token(session, name, scope, me.username)
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()
    # Shown this once; only its hash is kept.
    return page(request, "tokens.html", me, tokens=rows, scopes=TOKEN_SCOPES, new_token=value)


@router.post("/tokens/{token_id:id}/revoke")
def token_revoke(rt: Rt, me: Admin, token_id: int) -> Response:
    with rt.db.write() as session:
        accounts.revoke_token(session, token_id, me.username)
    return see_other(flash_url("/console/tokens", "token"))
