"""Who may read shared intelligence: TAXII clients by API token, analysts for exports.

TAXII clients present an API token as `Authorization: Bearer <token>`, as
`Authorization: Token <token>` (taxii2-client's TokenAuth), or as the password
of HTTP Basic (the user name is ignored). No token, or one we do not know, is
401; a valid token without the read scope is 403. The token is verified by
services.accounts (scoped API tokens, `watchword token create --scope read`):
scope `read`, `write` or `admin` may read; a `submit` token may not; `write`
and `admin` may also add objects to the feeds-in collection. (An interim list
of tokens in the settings served until services.accounts landed; it is gone,
so that every token can be revoked and is audited in one place.)
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from watchword.runtime import Runtime
from watchword.services import accounts
from watchword.web.console.auth import current
from watchword.web.deps import runtime

TAXII_REALM = 'Basic realm="TAXII", Bearer realm="TAXII", Token realm="TAXII"'


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() in ("bearer", "token") and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


@dataclass(frozen=True, slots=True)
class TaxiiCaller:
    actor: str
    may_write: bool  # may add objects to the feeds-in collection
    is_admin: bool
    token_id: int | None = None  # two tokens may share a name: a status resource is the token's own


def _verify(rt: Runtime, token: str) -> tuple[TaxiiCaller | None, bool]:
    """(the caller, whether it may read); (None, False) for a token we do not know."""
    with rt.db.session() as session:
        principal = accounts.token_principal(session, token)
    if principal is None:
        return None, False
    caller = TaxiiCaller(
        principal.username, accounts.token_allows(principal, "write"), principal.is_admin, principal.token_id
    )
    return caller, accounts.token_allows(principal, "read")


def taxii_caller(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> TaxiiCaller:
    """Dependency for every TAXII endpoint: 401 (with a TAXII error body) unless a known token
    is shown, 403 when the token is known but may not read."""
    token = presented_token(request)
    caller, may_read = _verify(rt, token) if token else (None, False)
    if caller is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="An API token with read scope is required.",
            headers={"WWW-Authenticate": TAXII_REALM},
        )
    if not may_read:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="This token may not read shared intelligence.")
    return caller


def export_reader(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> accounts.Principal:
    """Dependency for the console's export downloads: whoever the console lets read
    (a signed-in session; a browser without one is sent to sign in, a bare token gets 401)."""
    return current(request, rt)
