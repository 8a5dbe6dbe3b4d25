"""Security headers on every response.

Reported content is hostile: pages never run inline script and never load
anything from elsewhere, so even a sanitiser bug cannot phone home.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


# As raw ASGI pairs (lower-case names), built once.
_RAW = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items())
_NO_STORE = ((b"cache-control", b"no-store"),)
_HSTS = ((b"strict-transport-security", b"max-age=31536000"),)


class SecurityHeaders:
    """Plain ASGI, not BaseHTTPMiddleware: the headers go onto the response's start message.
    BaseHTTPMiddleware runs every request through a task and a memory stream, which cost the
    HTTP intake more CPU than its own route (issue 14)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        # Pages about reports must not linger in shared or back-button caches.
        no_store = path.startswith(("/console", "/api", "/report/status"))
        # Only over TLS (a browser ignores it on plain http): once seen, the browser
        # never again sends a session cookie over an unencrypted link.
        tls = scope.get("scheme") == "https"

        extra = _RAW + (_NO_STORE if no_store else ()) + (_HSTS if tls else ())

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # What `MutableHeaders.setdefault` did for each header (one scan of the list per
                # header), in one pass: a header the response set itself is left as it is.
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _value in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
