"""Rate limits for the JSON API's report intake, as ASGI middleware.

The reporter pages apply their own limits (with the proof of work that only a
browser form can carry, see web/reporter/). The API has no form, so it gets
the per-client and global buckets only: `app.add_middleware(ApiRateLimit,
settings=rt.settings)`. A refused request gets 429 with Retry-After before its
body is read. Client addresses are turned into in-memory HMACs and never kept.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from watchword import clock
from watchword.config import Settings
from watchword.security.ratelimit import Limits

if TYPE_CHECKING:
    from watchword.runtime import Runtime

LIMITED_PREFIX = "/api/v1/reports"


TOKEN_CACHE_SECONDS = 60.0


class ApiRateLimit:
    """Per-client and global buckets; a valid submit-scoped API token is exempt.

    Integrations (a mail gateway's report button backend, an import job) send on
    behalf of many people from one address: they authenticate with a token the
    admins issued, and the admins can revoke it. A verified token is remembered
    for a minute so that a busy integration costs no database round trip.
    """

    def __init__(self, app: ASGIApp, settings: Settings, rt: Runtime | None = None) -> None:
        self.app = app
        self.settings = settings
        self.rt = rt
        self.limits = Limits.from_settings(settings)
        self._trusted: dict[str, float] = {}

    def _bearer(self, scope: Scope) -> str:
        for name, value in scope.get("headers") or []:
            if name == b"authorization":
                kind, _, token = value.decode("latin-1").partition(" ")
                return token.strip() if kind.lower() == "bearer" else ""
        return ""

    async def _token_allows_submit(self, token: str) -> bool:
        if not token or self.rt is None:
            return False
        now = clock.monotonic()
        key = hashlib.sha256(token.encode()).hexdigest()
        if self._trusted.get(key, 0.0) > now:
            return True
        rt = self.rt

        def check() -> bool:
            from watchword.services.accounts import token_allows, token_principal

            with rt.db.write() as session:
                principal = token_principal(session, token)
                return principal is not None and token_allows(principal, "submit")

        allowed = await anyio.to_thread.run_sync(check)
        if allowed:
            if len(self._trusted) > 1000:
                self._trusted.clear()
            self._trusted[key] = now + TOKEN_CACHE_SECONDS
        return allowed

    def _address(self, scope: Scope) -> str:
        header = self.settings.client_ip_header
        if header:
            for name, value in scope.get("headers") or []:
                if name.decode("latin-1").lower() == header:
                    return str(value.decode("latin-1").split(",")[0].strip())
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and str(scope.get("path", "")).startswith(LIMITED_PREFIX)
        ):
            if await self._token_allows_submit(self._bearer(scope)):
                await self.app(scope, receive, send)
                return
            wait = self.limits.api.check(self.limits.namer(self._address(scope)))
            if wait:
                seconds = str(max(1, round(wait)))
                body = json.dumps({"detail": f"Too many reports at once; try again in {seconds} seconds."}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"retry-after", seconds.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
