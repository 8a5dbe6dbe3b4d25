"""Security headers on every response.

Reported content is hostile: pages never run inline script and never load
anything from elsewhere, so even a sanitiser bug cannot phone home.
"""

from __future__ import annotations

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

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


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/console", "/api", "/report/status")):
            # Pages about reports must not linger in shared or back-button caches.
            response.headers.setdefault("Cache-Control", "no-store")
        if request.url.scheme == "https":
            # Only over TLS (a browser ignores it on plain http): once seen, the
            # browser never again sends a session cookie over an unencrypted link.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
