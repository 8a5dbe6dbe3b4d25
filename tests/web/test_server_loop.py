"""The server runs on the event loop and HTTP protocol `uvicorn_options` names (issue 14), and that
protocol keeps the bounds the h11 one had: a deadline for every request's head, however many came
before it on the connection, and a bound on the head's size.

uvicorn quietly falls back to asyncio's loop when "auto" finds no uvloop; the options name uvloop,
so a server started with them must answer its requests from a uvloop loop, through the bounded
httptools protocol, in one process (`serve`) and when each process imports the protocol by name
(`serve --workers N`).
"""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.support.ports import reserved_port
from tests.support.settings import make_settings
from tests.support.waiting import ReadyServer
from watchword.web.server import MAX_HEAD_BYTES, BoundedProtocol, uvicorn_options


class _App:
    """A minimal ASGI app that records the loop it runs on and answers "ok" after reading the body."""

    def __init__(self) -> None:
        self.loop_type: type | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        self.loop_type = type(asyncio.get_running_loop())
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def _running(options: dict[str, Any], app: _App) -> Iterator[tuple[int, uvicorn.Config]]:
    with reserved_port() as port:  # held until the server is gone: no other process can take it
        config = uvicorn.Config(app, host="127.0.0.1", port=port, **options)
        server = ReadyServer(config)
        thread = server.start_in_thread(30)
        try:
            yield port, config
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def _get(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
        return bytes(answer.read())


def _read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started, seen = time.monotonic(), bytearray()
    sock.settimeout(limit)
    while True:
        data = sock.recv(65536)
        if not data:
            return bytes(seen), time.monotonic() - started
        seen.extend(data)


@pytest.mark.parametrize("by_name", [False, True], ids=["serve", "serve --workers N"])
def test_the_server_answers_from_uvloop_through_the_bounded_protocol(by_name: bool, tmp_path: Path) -> None:
    app = _App()
    with _running(uvicorn_options(make_settings(tmp_path), by_name=by_name), app) as (port, config):
        assert _get(port) == b"ok"
    assert app.loop_type is not None and issubclass(app.loop_type, uvloop.Loop), app.loop_type
    protocol = config.http_protocol_class
    assert isinstance(protocol, type) and issubclass(protocol, BoundedProtocol), protocol
    assert issubclass(protocol, HttpToolsProtocol)


def test_the_harness_tells_asyncio_from_uvloop(tmp_path: Path) -> None:
    app = _App()
    with _running({**uvicorn_options(make_settings(tmp_path)), "loop": "asyncio"}, app) as (port, _):
        assert _get(port) == b"ok"
    assert app.loop_type is not None and not issubclass(app.loop_type, uvloop.Loop), app.loop_type


def test_a_head_past_the_bound_is_431_and_one_within_it_is_served(tmp_path: Path) -> None:
    with _running(uvicorn_options(make_settings(tmp_path)), _App()) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (MAX_HEAD_BYTES - 1024) + b"\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            try:
                for _ in range(MAX_HEAD_BYTES // 4096 + 8):  # in pieces, as a trickling client would
                    sock.sendall(b"X-Pad: " + b"a" * 4088 + b"\r\n")
                    time.sleep(0.001)
            except OSError:
                pass  # the server may close before the last pieces
            seen, _ = _read_until_closed(sock, 10)
        assert seen.startswith(b"HTTP/1.1 431"), seen[:80]
        assert _get(port) == b"ok"  # the server is still serving


def test_a_head_past_the_bound_in_one_write_is_431(tmp_path: Path) -> None:
    """A client that sends its whole oversized head at once: the event loop hands it over in one
    read (up to 256 KiB), and a bound counted only after parsing let a 70 KB head through."""
    with _running(uvicorn_options(make_settings(tmp_path)), _App()) as (port, _):
        for pad in (MAX_HEAD_BYTES + 4096, 3 * MAX_HEAD_BYTES):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=" + b"b" * pad + b"\r\n\r\n")
                seen, _ = _read_until_closed(sock, 10)
            assert seen.startswith(b"HTTP/1.1 431"), (pad, seen[:80])
        # A head within the bound with a body behind it in the same write is served.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            body = b"x" * (2 * MAX_HEAD_BYTES)
            head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            sock.sendall(head + body)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")


def test_a_request_after_others_on_a_kept_connection_still_has_a_head_deadline(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, http_header_timeout_seconds=1.0)
    with _running(uvicorn_options(settings), _App()) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for _ in range(2):  # answered, the connection kept
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
                assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and then the head never ends
            seen, waited = _read_until_closed(sock, 10)
        assert seen.startswith(b"HTTP/1.1 408"), seen[:80]
        assert waited < 4  # the header deadline (1 s), not the keep-alive (5 s) or the read timeout


def test_a_body_that_stops_is_cut_off_by_the_idle_deadline(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, http_body_idle_seconds=1.0)
    with _running(uvicorn_options(settings), _App()) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            seen, waited = _read_until_closed(sock, 10)
        assert seen.startswith(b"HTTP/1.1 408"), seen[:80]
        assert waited < 4


def test_expect_100_continue_and_kept_connections_through_the_real_server(tmp_path: Path) -> None:
    with (
        _running(uvicorn_options(make_settings(tmp_path)), _App()) as (port, _),
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
    ):
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"  # asked for the body, before any answer
        sock.sendall(b"abc")
        answer = b""
        while not answer.endswith(b"ok"):
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200") and answer.count(b"HTTP/1.1") == 1
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b"ok"):
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200") and b"content-length: 2" in answer
