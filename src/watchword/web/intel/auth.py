"""Who may read shared intelligence: TAXII clients by API token, analysts for exports.

TAXII clients present an API token either as `Authorization: Bearer <token>`
or as the password of HTTP Basic (taxii2-client and most TAXII tools only
speak Basic; the user name is ignored). The token is verified by
services.accounts (scoped API tokens, `watchword token create --scope read`):
scope `read` or `admin` may read; a `submit` token may not. (An interim list
of tokens in the settings served until services.accounts landed; it is gone,
so that every token can be revoked and is audited in one place.)
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from watchword.runtime import Runtime
from watchword.services import accounts
from watchword.web.console.auth import current
from watchword.web.deps import runtime

TAXII_REALM = 'Basic realm="TAXII", Bearer realm="TAXII"'


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def _verify(rt: Runtime, token: str) -> str | None:
    """The actor name for a token allowed to read, or None."""
    with rt.db.session() as session:
        principal = accounts.token_principal(session, token)
    if principal is None or not accounts.token_allows(principal, "read"):
        return None
    return principal.username


def taxii_reader(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> str:
    """Dependency for every TAXII endpoint: 401 with a TAXII error body unless a read token is shown."""
    token = presented_token(request)
    actor = _verify(rt, token) if token else None
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="An API token with read scope is required.",
            headers={"WWW-Authenticate": TAXII_REALM},
        )
    return actor


def export_reader(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> accounts.Principal:
    """Dependency for the console's export downloads: whoever the console lets read
    (a signed-in session; a browser without one is sent to sign in, a bare token gets 401)."""
    return current(request, rt)
