"""The loopback ports test servers start on are held from the moment they are chosen (tests/support/ports.py).

Before, a port was found by binding port 0 and closing the socket, and the server bound the number
later: in between, the other xdist worker's server or any outgoing connection could take it.
"""

from __future__ import annotations

import asyncio
import errno
import socket

import pytest

from tests.support.ports import reserved_port


def test_a_reserved_port_is_refused_to_every_other_bind() -> None:
    """What keeps the other worker's port search and outgoing connections away: the kernel counts the
    port as taken while the reservation lasts (a port found and closed, as before, was free again)."""
    with reserved_port() as port:
        with socket.socket() as other, pytest.raises(OSError, match="in use") as refused:
            other.bind(("127.0.0.1", port))
        assert refused.value.errno == errno.EADDRINUSE


def test_nothing_answers_on_a_reserved_port_until_a_server_listens_there() -> None:
    with reserved_port() as port:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()

        async def serve_once() -> bytes:
            # As uvicorn, aiosmtpd and the SMTP intake bind: asyncio's create_server, SO_REUSEADDR set.
            async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                writer.write(b"ours\n")
                await writer.drain()
                writer.close()

            server = await asyncio.start_server(answer, "127.0.0.1", port, reuse_address=True)
            async with server:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                line = await reader.readline()
                writer.close()
                await writer.wait_closed()
                return line

        assert asyncio.run(serve_once()) == b"ours\n"
