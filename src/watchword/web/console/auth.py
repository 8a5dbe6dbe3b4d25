"""Who is asking, and may they: session cookies, bearer tokens, roles, CSRF.

Console pages need a signed-in person: a session cookie, second factor done.
API tokens are for the JSON API and TAXII only and never open a console page
(a read token leaked from a SIEM must not become a way to read reports,
contacts and searches in full). An unauthenticated browser is redirected to
the sign-in page; a request that shows only a token gets 401; a refused role
gets 403. Every state-changing request must carry the session's CSRF token in
its form, and must not come from another origin.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request, status
from starlette.responses import Response

from watchword.runtime import Runtime
from watchword.security import same_secret
from watchword.services import accounts
from watchword.services.accounts import Principal
from watchword.web.deps import runtime

SESSION_COOKIE = "ww_session"
PRELOGIN_COOKIE = "ww_prelogin"
DEVICE_COOKIE = "ww_device"  # "this browser has signed in to this account before" (services.accounts)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _loopback_http(request: Request) -> bool:
    # The Host header alone is the client's word: the socket the request came in on must be
    # loopback too, and no https public address may be configured (a TLS proxy in front).
    server = request.scope.get("server")
    rt = getattr(request.app.state, "rt", None)
    public = rt.settings.public_base_url if rt is not None else ""
    return (
        _is_loopback(request.url.hostname or "")
        and (server is None or _is_loopback(str(server[0])))
        and not public.startswith("https:")
    )


def cookie_secure(request: Request) -> bool:
    """Secure everywhere except plain http to a loopback address (a developer's
    own machine or a test), where there is no TLS to require."""
    return request.url.scheme == "https" or not _loopback_http(request)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    # SameSite=Strict: the console has no reason to be entered from another
    # site, and a cross-site request then arrives without the session at all.
    response.set_cookie(
        name, value, max_age=max_age, path="/console", httponly=True, secure=cookie_secure(request), samesite="strict"
    )


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(
        status.HTTP_303_SEE_OTHER,
        "Sign in first.",
        headers={"Location": f"/console/login?next={quote(target, safe='')}"},
    )


def _principal(request: Request, rt: Runtime) -> Principal | None:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal: Principal | None = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with rt.db.session() as session:
            found = accounts.session_principal(session, cookie)
        if found is not None:
            principal, verified = found
            if not verified:
                raise HTTPException(
                    status.HTTP_303_SEE_OTHER, "Second factor needed.", headers={"Location": "/console/login/totp"}
                )
    if principal is None and request.headers.get("authorization"):
        # A token (of any scope) or other credentials without a session: say so plainly
        # rather than redirect a script to a sign-in form it cannot use.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "The console needs a signed-in session; API tokens work on /api/v1 and /taxii2/ only.",
            headers={"WWW-Authenticate": 'Cookie realm="console"'},
        )
    request.state.principal = principal
    return principal


# What an account without a second factor may still reach when one is required: setting it up, and leaving.
TOTP_SETUP_PATHS = (
    "/console/account",
    "/console/account/totp/start",
    "/console/account/totp/confirm",
    "/console/logout",
)


def current(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Principal:
    """Any signed-in reader: viewer, analyst or admin, by session only."""
    principal = _principal(request, rt)
    if principal is None:
        raise _login_redirect(request)
    if rt.settings.require_totp and not principal.has_totp and request.url.path not in TOTP_SETUP_PATHS:
        # Checked on every console route, not only at sign-in: a session opened before the setting was
        # turned on, or a second factor removed later, is sent to set it up just the same.
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            "Two-factor sign-in is required: set it up first.",
            headers={"Location": "/console/account?done=totp_required"},
        )
    return principal


def _same_origin(request: Request) -> bool:
    """Refuse a state change that a browser says came from another site.

    Fetch metadata first: browsers send Sec-Fetch-Site on every request. Then
    Origin, when it names a real origin; under our no-referrer policy a browser
    sends "null" for its own same-origin form posts, so "null" proves nothing
    either way, and the CSRF token and the SameSite=Strict cookie still stand.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.url.netloc
    return True


async def check_csrf(request: Request, principal: Principal) -> None:
    if not _same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Cross-site request refused.")
    form = await request.form()
    sent = str(form.get("csrf", ""))
    if not sent or not same_secret(sent, principal.csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The form has expired: reload the page and try again.")


def _writer(role_ok: Callable[[Principal], bool], why: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(request: Request, principal: Annotated[Principal, Depends(current)]) -> Principal:
        if not role_ok(principal):
            raise HTTPException(status.HTTP_403_FORBIDDEN, why)
        await check_csrf(request, principal)
        return principal

    return dependency


# Dependencies for state-changing routes: role, then CSRF.
analyst_write = _writer(lambda p: p.can_write, "Viewers have read-only access.")
admin_write = _writer(lambda p: p.is_admin, "Only administrators may do this.")
any_write = _writer(lambda p: True, "")


def analyst_read(principal: Annotated[Principal, Depends(current)]) -> Principal:
    """Reads that go beyond the viewer role (reporter contact details, the audit log)."""
    if not principal.can_see_contacts:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not allow this.")
    return principal


Reader = Annotated[Principal, Depends(current)]
Analyst = Annotated[Principal, Depends(analyst_write)]
AnalystReader = Annotated[Principal, Depends(analyst_read)]
Admin = Annotated[Principal, Depends(admin_write)]
AnyWriter = Annotated[Principal, Depends(any_write)]
Rt = Annotated[Runtime, Depends(runtime)]
