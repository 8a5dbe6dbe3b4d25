"""Signing in and out, the second factor, and one's own account (password, TOTP)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from watchword.runtime import Runtime
from watchword.security import same_secret
from watchword.services import accounts
from watchword.services.accounts import AccountError
from watchword.web.console.auth import (
    DEVICE_COOKIE,
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    AnyWriter,
    Reader,
    Rt,
    client_ip,
    set_cookie,
)
from watchword.web.console.common import flash_url, page, see_other
from watchword.web.errors import status_for

router = APIRouter()


def _safe_next(target: str) -> str:
    # Only a path inside the console: never another site ("//evil", "https:").
    if target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


def _login_page(request: Request, error: str = "", next_url: str = "/console/", code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, status_code=code, error=error, prelogin=token, next=next_url)
    set_cookie(response, request, PRELOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/console/") -> Response:
    return _login_page(request, next_url=_safe_next(next))


def _sign_in(rt: Runtime, username: str, password: str, ip: str, code: str, device: str) -> tuple[str, bool, str]:
    """(session cookie, second factor done, known-device cookie) for these credentials."""
    # A refusal is caught inside the transaction so that the failure record
    # and its audit event commit: they are what the throttle counts.
    refusal: AccountError | None = None
    key = rt.contact_key
    with rt.db.write() as session:
        try:
            known = bool(device) and accounts.known_device(key, username.strip(), device)
            user, both = accounts.check_credentials(
                session, username, password, ip, totp_code=code, key=key, known=known
            )
        except AccountError as exc:
            refusal = exc
        else:
            token, row = accounts.start_session(session, user, ip, second_factor_done=both)
            return token, row.verified, accounts.device_token(key, user.username)
    raise refusal


@router.post("/login")
async def login(
    request: Request,
    rt: Rt,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    # Login CSRF: the form's token must equal the cookie set with the form, so
    # another site cannot sign a victim into an account of its choosing.
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not same_secret(csrf, expected):
        return _login_page(request, "The sign-in form expired. Please try again.", _safe_next(next), 403)
    device = request.cookies.get(DEVICE_COOKIE, "")
    try:
        # Argon2 takes tens of milliseconds: off the event loop.
        token, verified, device = await run_in_threadpool(
            _sign_in, rt, username, password, client_ip(request), code, device
        )
    except AccountError as exc:
        # The form again, with the refusal and its meaning's status (web/errors.py: 401, 429).
        return _login_page(request, str(exc), _safe_next(next), status_for(exc))
    response = see_other(_safe_next(next) if verified else "/console/login/totp")
    set_cookie(response, request, SESSION_COOKIE, token, max_age=accounts.SESSION_HOURS * 3600)
    set_cookie(response, request, DEVICE_COOKIE, device, max_age=accounts.DEVICE_DAYS * 86400)
    response.delete_cookie(PRELOGIN_COOKIE, path="/console")
    return response


@router.get("/login/totp")
def totp_form(request: Request) -> Response:
    if not request.cookies.get(SESSION_COOKIE):
        return see_other("/console/login")
    return page(request, "totp.html", None)


@router.post("/login/totp")
def totp_submit(request: Request, rt: Rt, code: Annotated[str, Form()] = "") -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return see_other("/console/login")
    # No CSRF token exists yet for a half-signed-in session; SameSite=Strict on
    # the session cookie means a cross-site post arrives without it.
    refusal: AccountError | None = None
    with rt.db.write() as session:
        try:
            accounts.verify_second_factor(
                session, rt.contact_key, accounts.sha256_hex(cookie), code, client_ip(request)
            )
        except AccountError as exc:
            refusal = exc  # committed with its failure record, as for passwords
    if refusal is not None:
        return page(request, "totp.html", None, status_code=status_for(refusal), error=str(refusal))
    return see_other("/console/")


@router.post("/logout")
def logout(rt: Rt, me: AnyWriter) -> Response:
    with rt.db.write() as session:
        accounts.end_session(session, me.session_hash, me.username)
    response = see_other("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/account")
def account(request: Request, me: Reader) -> Response:
    return page(request, "account.html", me)


@router.post("/account/password")
async def change_password(
    request: Request,
    rt: Rt,
    me: AnyWriter,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
) -> Response:
    def change() -> None:
        refusal: AccountError | None = None
        with rt.db.write() as session:
            try:
                accounts.authenticate(session, me.username, current, client_ip(request))
            except AccountError as exc:
                refusal = exc  # a wrong current password counts towards the throttle
        if refusal is not None:
            raise refusal
        with rt.db.write() as session:
            accounts.set_password(session, me.username, new, me.username)

    try:
        await run_in_threadpool(change)
    except AccountError as exc:
        return page(request, "account.html", me, status_code=status_for(exc), error=str(exc))
    # Changing the password ended every session, this one included.
    response = see_other(flash_url("/console/login", "password"))
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.post("/account/totp/start")
def totp_start(request: Request, rt: Rt, me: AnyWriter) -> Response:
    if me.token_id is not None:
        return page(request, "account.html", me, status_code=400, error="Tokens have no second factor.")
    with rt.db.write() as session:
        secret = accounts.begin_totp(session, rt.contact_key, me.username)
    return page(request, "account.html", me, totp_secret=secret, totp_uri=accounts.totp_uri(secret, me.username))


@router.post("/account/totp/confirm")
def totp_confirm(request: Request, rt: Rt, me: AnyWriter, code: Annotated[str, Form()] = "") -> Response:
    try:
        with rt.db.write() as session:
            accounts.confirm_totp(session, rt.contact_key, me.username, code)
    except AccountError as exc:
        return page(request, "account.html", me, status_code=status_for(exc), error=str(exc))
    return see_other(flash_url("/console/account", "totp"))
