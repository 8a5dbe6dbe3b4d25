"""Loopback ports for the servers the tests start, held from the moment they are chosen.

Asking the kernel for a free port (bind to port 0, read the number, close) and handing the number to
a server that binds it later is a race: in between, anything on the machine may take the port — a
server of the other xdist worker, or the automatic local port of any outgoing connection (an HTTP
client, a PostgreSQL connection). The server then fails to bind, or the test talks to someone else's.

A port from `reserved_port()` stays bound by a socket of this process that never listens until the
block ends. Meanwhile the kernel gives it to no other `bind(("127.0.0.1", 0))` and no outgoing
connection, and refuses it to any bind without SO_REUSEADDR; the server the test starts binds with
SO_REUSEADDR (uvicorn, asyncio's `create_server`, aiosmtpd, Dovecot all set it) and, since the
reserving socket is not listening, may bind and listen on it. A port reserved and left alone is one
where nothing listens: a connection to it is refused.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


def reserve_port() -> socket.socket:
    """A bound, never listening loopback socket holding a free port (`getsockname()[1]`); close it when done."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def reserved_port() -> Iterator[int]:
    """A free loopback port that no other process can take until the block ends (see the module)."""
    with reserve_port() as sock:
        yield int(sock.getsockname()[1])
