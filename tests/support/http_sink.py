"""A real HTTP server on loopback that keeps every request it is sent: a webhook target for Apprise's
json:// notifications (and any other client that posts to a URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class HttpSink:
    port: int
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)  # method, path, headers, body
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for method, _, _, body in self.requests if method == "POST"]

    def wait(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until `count` requests have arrived (an assertion error after `timeout` seconds)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while len(self.requests) < count and not deadline.is_set():
                self.arrived.wait(0.05)
                self.arrived.clear()
        finally:
            timer.cancel()
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} requests arrived"


@contextmanager
def running_http_sink() -> Iterator[HttpSink]:
    sink = HttpSink(port=0)

    class Handler(BaseHTTPRequestHandler):
        def _keep(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            sink.requests.append((self.command, self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
            sink.arrived.set()

        do_POST = _keep  # noqa: N815 - the name http.server calls
        do_GET = _keep  # noqa: N815

        def log_message(self, *args: object) -> None:  # quiet: the test reads `requests`
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
