"""Slow clients against a real `watchword serve` (issue 11, item 15): 500 connections trickling their
headers or bodies all stayed open after 60 s. Now each request has a deadline for its headers and for
its body; past it the client gets 408 and the connection is closed, while other clients are served."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import serve

# Timing: runs in the serial pass of `make test`, alone on the machine.
pytestmark = [pytest.mark.attack, pytest.mark.serial]

HEADER_SECONDS = 2.0
BODY_IDLE_SECONDS = 2.0
BODY_TOTAL_SECONDS = 4.0
SILENT, TRICKLE_HEADERS, TRICKLE_BODY = 60, 160, 80  # 300 connections, bounded for CI


def _connect(port: int, first: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if first:
        sock.sendall(first)
    sock.setblocking(False)
    return sock


def _closed_by_server(sock: socket.socket, seen: bytearray) -> bool:
    """True once the server has closed the connection (EOF or reset), keeping what it sent."""
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
            seen.extend(data)
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_slow_headers_and_bodies_are_cut_off_and_others_are_still_served(tmp_path: Path) -> None:
    with serve(
        tmp_path,
        HTTP_HEADER_TIMEOUT_SECONDS=str(HEADER_SECONDS),
        HTTP_BODY_IDLE_SECONDS=str(BODY_IDLE_SECONDS),
        HTTP_BODY_TOTAL_SECONDS=str(BODY_TOTAL_SECONDS),
    ) as server:
        started = time.monotonic()
        body_head = (
            b"POST /api/v1/reports/email HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: message/rfc822\r\n"
            b"Content-Length: 100000\r\n\r\nFrom: a@example.org\r\n"
        )
        sockets = (
            [_connect(server.port, b"") for _ in range(SILENT)]
            + [
                _connect(server.port, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                for _ in range(TRICKLE_HEADERS)
            ]
            + [_connect(server.port, body_head) for _ in range(TRICKLE_BODY)]
        )
        kinds = ["silent"] * SILENT + ["headers"] * TRICKLE_HEADERS + ["body"] * TRICKLE_BODY
        seen = [bytearray() for _ in sockets]
        closed_at: list[float | None] = [None] * len(sockets)
        health: list[float] = []
        deadline = started + BODY_TOTAL_SECONDS + 10
        while time.monotonic() < deadline and any(t is None for t in closed_at):
            for i, sock in enumerate(sockets):
                if closed_at[i] is not None:
                    continue
                if _closed_by_server(sock, seen[i]):
                    closed_at[i] = time.monotonic() - started
                    continue
                if kinds[i] != "silent":
                    try:  # one more byte, well inside the idle limits: only the deadlines can stop it
                        sock.send(b"X" if kinds[i] == "headers" else b"a")
                    except OSError:
                        closed_at[i] = time.monotonic() - started
            t0 = time.monotonic()
            assert httpx.get(server.base + "/api/v1/health", timeout=5).status_code == 200
            health.append(time.monotonic() - t0)
            time.sleep(0.5)
        for sock in sockets:
            sock.close()
    still_open = [kinds[i] for i, t in enumerate(closed_at) if t is None]
    assert not still_open, f"{len(still_open)} slow connections still open: {set(still_open)}"
    latest = {
        kind: max(t for t, k in zip(closed_at, kinds, strict=True) if k == kind and t is not None)
        for kind in set(kinds)
    }
    # Every connection closed within its deadline plus scheduling slack (the machine is shared).
    assert latest["silent"] <= HEADER_SECONDS + 4 and latest["headers"] <= HEADER_SECONDS + 4
    assert latest["body"] <= BODY_TOTAL_SECONDS + 4
    timed_out = sum(1 for s, k in zip(seen, kinds, strict=True) if k != "silent" and b" 408 " in bytes(s[:20]))
    assert timed_out >= (TRICKLE_HEADERS + TRICKLE_BODY) * 0.9  # told why, not just dropped
    assert max(health) < 2.0, f"health checks took up to {max(health):.2f} s during the attack"
