"""A Watchword runtime served over real HTTP on loopback, for TAXII clients and feed pulls."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.support.ports import reserve_port
from tests.support.waiting import ReadyServer
from watchword.runtime import Runtime
from watchword.web.app import create_app


@contextmanager
def serve(rt: Runtime) -> Iterator[str]:
    """Serve `rt` on 127.0.0.1 (its public address set to match); yield the base URL."""
    with reserve_port() as reservation:  # held while the server runs (tests/support/ports.py)
        port = reservation.getsockname()[1]
        rt.settings = dataclasses.replace(rt.settings, public_base_url=f"http://127.0.0.1:{port}")
        server = ReadyServer(
            uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = server.start_in_thread(20)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
