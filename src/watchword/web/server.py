"""Running the app under uvicorn with bounds on slow clients.

uvicorn's HTTP protocols wait for a request's headers and body as long as the
client cares to take: 500 connections each sending a byte now and then all
stayed open (issue 11). `BoundedProtocol` gives every request a deadline for
its headers and an idle and a total deadline for its body; past one, the client
gets 408 and the connection is closed. While the app works on a complete
request no deadline runs (that time is the app's, and bounded there). The
request line and headers are bounded in size (431 past `MAX_HEAD_BYTES`). The
server also caps concurrent connections (`limit_concurrency`: over it, 503) and
keeps idle keep-alive connections for a few seconds only.

The protocol is uvicorn's httptools one (llhttp, in C) on a uvloop event loop:
h11's pure-Python parsing and header validation were about a third of the event
loop's CPU per report on the busiest route (issue 14).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from watchword import logsafe
from watchword.config import Settings

MAX_HEAD_BYTES = 64 * 1024  # request line and headers together (h11's limit before, the same figure)
REFUSED_LINGER_SECONDS = 2.0  # how long a connection refused for its head may still send (dropped)

# Where a connection is in receiving its current request (`BoundedProtocol._state`).
_IDLE, _HEADERS, _BODY, _DONE = "idle", "headers", "body", "done"


def _closing_answer(status: bytes, text: bytes) -> bytes:
    """A whole plain-text answer written straight to the transport, the connection closed after it
    (the app never saw the request: a head too slow or too large)."""
    head = (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        b"content-length: " + str(len(text)).encode() + b"\r\n\r\n"
    )
    return head + text


TIMEOUT_ANSWER = _closing_answer(b"408 Request Timeout", b"The request was sent too slowly.")
HEAD_TOO_LARGE_ANSWER = _closing_answer(b"431 Request Header Fields Too Large", b"The request's headers are too large.")


class BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines for receiving a request and a bound on its
    head (class attributes set by `protocol_for`).

    The parser's callbacks tell where the request being received is (`_state`): waiting for
    or reading its head, reading its body, or complete and with the app. `_pending` counts
    requests complete but not yet answered: while one is, the time is the app's (a pipelined
    request behind it waits with reading paused), so no deadline runs.
    """

    header_seconds = 10.0
    body_idle_seconds = 15.0
    body_total_seconds = 120.0
    max_head_bytes = MAX_HEAD_BYTES

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._state = _IDLE
        self._pending = 0
        self._head_bytes = 0  # bytes received while the current request's head is incomplete
        self._head_tail = b""  # the last bytes of the previous read, while in the head
        self._refused = False  # a 431 was sent: the connection only drains, then closes
        self._phase_started = time.monotonic()  # when we started waiting for the current request
        self._last_data = self._phase_started
        self._body_started: float | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._watch()

    def data_received(self, data: bytes) -> None:
        self._last_data = time.monotonic()
        if self._refused:
            return  # the 431 is sent: what the client still sends is read and dropped
        receiving_head = self._state in (_IDLE, _HEADERS)
        if receiving_head and self._head_too_large(data):
            self._refuse_head()
            return
        super().data_received(data)
        if receiving_head and self._state in (_IDLE, _HEADERS):
            # Still in the head after this read: what came so far counts towards its bound.
            self._head_bytes += len(data)
            self._head_tail = data[-3:]
        else:
            self._head_bytes, self._head_tail = 0, b""
        self._watch()

    def _refuse_head(self) -> None:
        """431, then a lingering close: closing at once with the client's bytes unread makes the
        kernel send a reset, which can reach the client before the answer and destroy it. The
        sending half is shut, what arrives is dropped, and the connection closes when the client
        closes its half or after `REFUSED_LINGER_SECONDS`."""
        self._refused = True
        self._cancel()
        self.transport.write(HEAD_TOO_LARGE_ANSWER)
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.loop.call_later(REFUSED_LINGER_SECONDS, self.transport.close)

    def eof_received(self) -> None:
        if self._refused:
            self.transport.close()
            return
        super().eof_received()

    def _head_too_large(self, data: bytes) -> bool:
        """Whether this read takes the head past its bound, judged before the parser sees it: one
        read can hold a whole 200 KiB head, which a count after parsing let through. The head ends
        at the first blank line; only the bytes the bound still allows (and the three before them,
        for an end split across reads) are searched for it."""
        room = self.max_head_bytes - self._head_bytes
        if len(data) <= room:
            return False
        window = self._head_tail + data[: max(room, 0) + 4]
        return b"\r\n\r\n" not in window

    # Parser callbacks (llhttp calls them from `feed_data`, inside data_received).
    def on_message_begin(self) -> None:
        if self._state is _DONE:  # pipelined behind an unanswered request: its own clock
            self._phase_started = time.monotonic()
        self._state = _HEADERS
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._state = _BODY
        self._body_started = time.monotonic()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        answered = self.cycle is not None and self.cycle.response_complete  # e.g. 413 before the body ended
        super().on_message_complete()
        if answered:  # nothing left for the app: the next request's clock starts now
            self._state = _IDLE
            self._phase_started = self._last_data = time.monotonic()
            self._body_started = None
        else:
            self._state = _DONE
            self._pending += 1

    def on_response_complete(self) -> None:
        self._pending = max(0, self._pending - 1)
        if self._state is _DONE and not self._pending:
            self._state = _IDLE
            self._phase_started = self._last_data = time.monotonic()
            self._body_started = None
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _due(self) -> float | None:
        """When the request in progress must have arrived by; None while none is being received."""
        if self._pending:
            return None  # the app has a complete request: the time is the app's
        if self._state in (_IDLE, _HEADERS):
            # The keep-alive timer covers a silent connection; this covers one that trickles in headers.
            return self._phase_started + self.header_seconds
        if self._state is _BODY:
            if self.flow.read_paused:
                return None  # the app is not reading yet: the client is not the slow one
            started = self._body_started if self._body_started is not None else self._last_data
            return min(started + self.body_total_seconds, self._last_data + self.body_idle_seconds)
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
            if self._state is _BODY and self._deadline is None:  # paused: look again shortly
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
            self.transport.write(TIMEOUT_ANSWER)
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app's receive() answers http.disconnect
            cycle.message_event.set()
        self.transport.close()


def protocol_for(settings: Settings) -> type[BoundedProtocol]:
    return type(
        "ConfiguredProtocol",
        (BoundedProtocol,),
        {
            "header_seconds": settings.http_header_timeout_seconds,
            "body_idle_seconds": settings.http_body_idle_seconds,
            "body_total_seconds": settings.http_body_total_seconds,
        },
    )


class EnvProtocol(BoundedProtocol):
    """For `serve --workers N`: each server process imports this by name (a class made at run
    time cannot travel to another process) and reads its deadlines from the environment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        configured = _env_protocol()
        self.header_seconds = configured.header_seconds
        self.body_idle_seconds = configured.body_idle_seconds
        self.body_total_seconds = configured.body_total_seconds
        super().__init__(*args, **kwargs)


_ENV_PROTOCOL: list[type[BoundedProtocol]] = []


def _env_protocol() -> type[BoundedProtocol]:
    if not _ENV_PROTOCOL:
        _ENV_PROTOCOL.append(protocol_for(Settings.from_env()))
    return _ENV_PROTOCOL[0]


def uvicorn_options(settings: Settings, by_name: bool = False) -> dict[str, Any]:
    """Everything `uvicorn.run` needs beyond the app, host and port (`by_name`: for worker processes)."""
    return {
        "http": "watchword.web.server:EnvProtocol" if by_name else protocol_for(settings),
        # uvloop (libuv) in place of asyncio's own loop: the event loop's bookkeeping per request
        # (selector, transports, handles) in C. Named, not "auto", so a missing uvloop fails the
        # start instead of quietly running the slower loop (issue 14).
        "loop": "uvloop",
        "timeout_keep_alive": 5,  # an idle keep-alive connection is closed after this
        "limit_concurrency": settings.http_max_connections,  # over it: 503 at once, not a queue
        "log_level": "info",
        "server_header": False,
        "access_log": False,  # it would write every reporter's address to disk
        "log_config": logsafe.uvicorn_log_config(),  # no report content or addresses in log lines
    }
