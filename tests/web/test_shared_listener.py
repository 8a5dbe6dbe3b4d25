"""`serve --workers N`: the server processes share one listening socket, and each takes one
waiting connection per wake-up, so that connections arriving together spread over the processes
(asyncio alone accepts every waiting connection at once: one process took all 16 of a load
generator's, issue 14)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from watchword.config import Settings
from watchword.web.server import SharedListenerLoop, uvicorn_options


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


def _wait_pending(sock: socket.socket, clients: list[socket.socket]) -> None:
    for client in clients:
        client.connect(sock.getsockname())
    time.sleep(0.05)  # the handshakes complete in the kernel's accept queue


class _Recorded(asyncio.Protocol):
    def __init__(self, made: list[asyncio.BaseTransport]) -> None:
        self.made = made

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made.append(transport)


@pytest.mark.parametrize("loop_class", [SharedListenerLoop, asyncio.SelectorEventLoop])
def test_one_connection_is_taken_per_wake_up_and_the_rest_left_for_others(loop_class: Any) -> None:
    loop = loop_class()
    sock = _listener()
    clients = [socket.socket() for _ in range(4)]
    accepted: list[asyncio.BaseTransport] = []
    try:
        _wait_pending(sock, clients)
        # What the loop calls each time the listening socket is readable.
        loop._accept_connection(lambda: _Recorded(accepted), sock, None, None, 100)
        loop.run_until_complete(asyncio.sleep(0.01))  # the accepted connections' transports are made
        left = 0
        while True:
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                break
            conn.close()
            left += 1
        if loop_class is SharedListenerLoop:
            assert (len(accepted), left) == (1, 3)  # three still waiting, for whichever process wakes
        else:
            assert (len(accepted), left) == (4, 0)  # why it exists: asyncio takes them all
    finally:
        for transport in accepted:
            transport.close()
        loop.run_until_complete(asyncio.sleep(0))
        for client in clients:
            client.close()
        sock.close()
        loop.close()


def test_a_shared_listener_loop_serves_every_waiting_connection_in_turn() -> None:
    loop = SharedListenerLoop()
    sock = _listener()
    clients = [socket.socket() for _ in range(5)]
    made: list[asyncio.BaseTransport] = []
    try:

        async def serve_a_while() -> None:
            server = await loop.create_server(lambda: _Recorded(made), sock=sock, backlog=64)
            _wait_pending(sock, clients)
            deadline = loop.time() + 5
            while len(made) < 5 and loop.time() < deadline:
                await asyncio.sleep(0.01)
            for transport in made:
                transport.close()
            server.close()
            await server.wait_closed()

        loop.run_until_complete(serve_a_while())
        assert len(made) == 5  # nobody left waiting: the socket stays readable until all are taken
    finally:
        for client in clients:
            client.close()
        loop.close()


def test_only_serve_with_several_processes_uses_it() -> None:
    settings = Settings.from_env()
    assert uvicorn_options(settings, by_name=True)["loop"] == "watchword.web.server:SharedListenerLoop"
    assert "loop" not in uvicorn_options(settings)  # uvicorn's own choice for one process
