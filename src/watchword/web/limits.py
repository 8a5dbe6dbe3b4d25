"""Request body size limit, enforced while the body streams in.

Checking Content-Length alone is not enough: a chunked upload has none. The
limit is applied before any handler buffers the body, so an oversized upload
costs us at most `limit` bytes of memory and gets a clear 413.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchword import errors
from watchword.intake.submit import megabytes
from watchword.translation import N_
from watchword.web.errors import error_response

UPLOAD_TOO_LARGE = N_("The upload is larger than the %(mb)s MB limit.")


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int, advertised_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        # The limit a person is told: the message size, not our encoding allowance.
        self.advertised_limit = advertised_limit or limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        replaced = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the rest of the app's own answer, already replaced by the 413
            if exceeded and not started:
                # The app caught the cut-off (a form or JSON parser turns it into its own
                # 400/422, a task group into an ExceptionGroup): the answer is 413 all the same.
                started = replaced = True
                await self._refuse(scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        refusal = errors.TooLarge(UPLOAD_TOO_LARGE, mb=megabytes(self.advertised_limit))
        # Written as any refusal is (web/errors.py): problem+json for the API and machines, a page in
        # the person's language for a reporter whose form was too big.
        response = error_response(Request(scope), 413, refusal)

        async def nothing_more() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing_more, send)
