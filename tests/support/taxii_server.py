"""A Watchword runtime served over real HTTP on loopback, for TAXII clients and feed pulls."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from watchword.runtime import Runtime
from watchword.web.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(rt: Runtime) -> Iterator[str]:
    """Serve `rt` on 127.0.0.1 (its public address set to match); yield the base URL."""
    port = free_port()
    rt.settings = dataclasses.replace(rt.settings, public_base_url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
