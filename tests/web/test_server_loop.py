"""The server runs on the event loop and HTTP protocol `uvicorn_options` names (issue 14).

uvicorn quietly falls back to asyncio's loop when "auto" finds no uvloop; the options name uvloop,
so a server started with them must answer its requests from a uvloop loop, through the bounded
protocol that carries the slow-client deadlines, in one process (`serve`) and when each process
imports the protocol by name (`serve --workers N`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import urllib.request
from typing import Any

import pytest
import uvicorn
import uvloop

from tests.support.settings import make_settings
from watchword.web.server import BoundedH11Protocol, uvicorn_options


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_once(options: dict[str, Any]) -> tuple[type, type]:
    """Start uvicorn with `options` on a free port, make one request, return the loop's type as
    seen by the app and the protocol class uvicorn used."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        seen["loop"] = type(asyncio.get_running_loop())
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    assert answer.read() == b"ok"
                break
            except OSError:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise
                time.sleep(0.05)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    return seen["loop"], config.http_protocol_class


@pytest.mark.parametrize("by_name", [False, True], ids=["serve", "serve --workers N"])
def test_the_server_answers_from_uvloop_through_the_bounded_protocol(by_name: bool, tmp_path: Any) -> None:
    options = uvicorn_options(make_settings(tmp_path), by_name=by_name)
    loop_type, protocol = _serve_once(options)
    assert issubclass(loop_type, uvloop.Loop), loop_type
    assert isinstance(protocol, type) and issubclass(protocol, BoundedH11Protocol), protocol


def test_asyncio_default_loop_is_what_auto_would_not_guarantee(tmp_path: Any) -> None:
    # The same harness with asyncio named gives asyncio's loop: the check above can tell them apart.
    options = {**uvicorn_options(make_settings(tmp_path)), "loop": "asyncio"}
    loop_type, _ = _serve_once(options)
    assert not issubclass(loop_type, uvloop.Loop), loop_type
