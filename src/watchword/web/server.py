"""Running the app under uvicorn with bounds on slow clients.

uvicorn's h11 protocol waits for a request's headers and body as long as the
client cares to take: 500 connections each sending a byte now and then all
stayed open (issue 11). `BoundedH11Protocol` gives every request a deadline for
its headers and an idle and a total deadline for its body; past one, the client
gets 408 and the connection is closed. While the app works on a complete
request no deadline runs (that time is the app's, and bounded there). The
server also caps concurrent connections (`limit_concurrency`: over it, 503) and
keeps idle keep-alive connections for a few seconds only.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from watchword import logsafe
from watchword.config import Settings


def _timeout_response() -> bytes:
    body = b"The request was sent too slowly."
    head = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class BoundedH11Protocol(H11Protocol):
    """H11Protocol with deadlines for receiving a request (class attributes set by `protocol_for`)."""

    header_seconds = 10.0
    body_idle_seconds = 15.0
    body_total_seconds = 120.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._phase_started = time.monotonic()  # when we started waiting for the current request
        self._last_data = self._phase_started
        self._body_started: float | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._watch()

    def data_received(self, data: bytes) -> None:
        self._last_data = time.monotonic()
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._phase_started = self._last_data = time.monotonic()
        self._body_started = None
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _due(self) -> float | None:
        """When the request in progress must have arrived by; None while none is being received."""
        state = self.conn.their_state
        if state is h11.IDLE:
            # The keep-alive timer covers a silent connection; this covers one that trickles in headers.
            return self._phase_started + self.header_seconds
        if state is h11.SEND_BODY:
            if self._body_started is None:
                self._body_started = time.monotonic()
            if self.flow.read_paused:
                return None  # the app is not reading yet: the client is not the slow one
            return min(self._body_started + self.body_total_seconds, self._last_data + self.body_idle_seconds)
        return None

    def _watch(self) -> None:
        # Called on every chunk received and every response sent. A timer already set to fire no
        # later than the new deadline is kept: `_expire` looks again when it fires and sets the next
        # one. Cancelling and setting a timer at each call cost the busiest route (issue 14) a
        # heap push and a cancelled handle per request, for a deadline seconds away.
        if self.transport.is_closing():
            self._cancel()
            return
        due = self._due()
        if due is None:
            if self.conn.their_state is h11.SEND_BODY and self._deadline is None:  # paused: look again shortly
                self._deadline = self.loop.call_later(1.0, self._expire)
            return
        if self._deadline is not None:
            if self._deadline.when() <= due:
                return
            self._deadline.cancel()
        self._deadline = self.loop.call_later(max(0.0, due - time.monotonic()), self._expire)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        due = self._due()
        if due is None or due > time.monotonic():
            self._watch()
            return
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(_timeout_response())
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app's receive() answers http.disconnect
            cycle.message_event.set()
        self.transport.close()


def protocol_for(settings: Settings) -> type[BoundedH11Protocol]:
    return type(
        "ConfiguredH11Protocol",
        (BoundedH11Protocol,),
        {
            "header_seconds": settings.http_header_timeout_seconds,
            "body_idle_seconds": settings.http_body_idle_seconds,
            "body_total_seconds": settings.http_body_total_seconds,
        },
    )


class EnvH11Protocol(BoundedH11Protocol):
    """For `serve --workers N`: each server process imports this by name (a class made at run
    time cannot travel to another process) and reads its deadlines from the environment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        configured = _env_protocol()
        self.header_seconds = configured.header_seconds
        self.body_idle_seconds = configured.body_idle_seconds
        self.body_total_seconds = configured.body_total_seconds
        super().__init__(*args, **kwargs)


_ENV_PROTOCOL: list[type[BoundedH11Protocol]] = []


def _env_protocol() -> type[BoundedH11Protocol]:
    if not _ENV_PROTOCOL:
        _ENV_PROTOCOL.append(protocol_for(Settings.from_env()))
    return _ENV_PROTOCOL[0]


def uvicorn_options(settings: Settings, by_name: bool = False) -> dict[str, Any]:
    """Everything `uvicorn.run` needs beyond the app, host and port (`by_name`: for worker processes)."""
    return {
        "http": "watchword.web.server:EnvH11Protocol" if by_name else protocol_for(settings),
        # uvloop (libuv) in place of asyncio's own loop: the event loop's bookkeeping per request
        # (selector, transports, handles) in C. Named, not "auto", so a missing uvloop fails the
        # start instead of quietly running the slower loop (issue 14).
        "loop": "uvloop",
        "timeout_keep_alive": 5,  # an idle keep-alive connection is closed after this
        "limit_concurrency": settings.http_max_connections,  # over it: 503 at once, not a queue
        "h11_max_incomplete_event_size": 64 * 1024,  # request line and headers together
        "log_level": "info",
        "server_header": False,
        "access_log": False,  # it would write every reporter's address to disk
        "log_config": logsafe.uvicorn_log_config(),  # no report content or addresses in log lines
    }
