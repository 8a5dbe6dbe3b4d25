"""Rate limits for the JSON API's report intake, as ASGI middleware.

The reporter pages apply their own limits (with the proof of work that only a
browser form can carry, see web/reporter/). The API has no form, so it gets
the per-client and global buckets only: `app.add_middleware(ApiRateLimit,
settings=rt.settings)`. A refused request gets 429 with Retry-After before its
body is read. Client addresses are turned into in-memory HMACs and never kept.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from watchword.config import Settings
from watchword.services.ratelimit import Limits

LIMITED_PREFIX = "/api/v1/reports"


class ApiRateLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limits = Limits.from_settings(settings)

    def _address(self, scope: Scope) -> str:
        header = self.settings.client_ip_header
        if header:
            for name, value in scope.get("headers") or []:
                if name.decode("latin-1").lower() == header:
                    return value.decode("latin-1").split(",")[0].strip()
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope.get("method") == "POST"
                and str(scope.get("path", "")).startswith(LIMITED_PREFIX)):
            wait = self.limits.api.check(self.limits.namer(self._address(scope)))
            if wait:
                seconds = str(max(1, round(wait)))
                body = json.dumps({"detail": f"Too many reports at once; try again in {seconds} seconds."}).encode()
                await send({"type": "http.response.start", "status": 429, "headers": [
                    (b"content-type", b"application/json"), (b"retry-after", seconds.encode()),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
