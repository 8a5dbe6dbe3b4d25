"""Token buckets, per client and global, kept in memory only.

A client is named by an HMAC of its address under a key that lives only in
this process: the limiter needs to tell clients apart for a few minutes, never
to know who they are, and nothing here is ever written anywhere. Restarting
the process forgets everything, which is the point.

Limits are generous per client on purpose: a class of 20 reporting together
from one school network, or every Tor user of an onion service (who all reach
us from the tor daemon on 127.0.0.1), share one address. The per-request cost
that a flood cannot share is the proof of work (see web/reporter/challenge.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from watchword import clock as default_clock
from watchword.config import Settings


@dataclass(slots=True)
class TokenBucket:
    """`capacity` tokens, refilled at `per_second`; a request takes one."""

    per_second: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def per_minute(cls, count: int, now: float, burst: int | None = None) -> TokenBucket:
        capacity = float(max(1, burst if burst is not None else count))
        return cls(per_second=max(count, 1) / 60.0, capacity=capacity, tokens=capacity, updated=now)

    def take(self, now: float, cost: float = 1.0) -> float:
        """0.0 when allowed (and charged), else the seconds to wait before it would be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.per_second


class Limiter:
    """One limit, applied per client key and/or globally."""

    def __init__(
        self,
        name: str,
        per_client_per_minute: int | None,
        global_per_minute: int | None,
        max_clients: int = 100_000,
        clock: Callable[[], float] = default_clock.monotonic,
    ) -> None:
        self.name = name
        self.per_client = per_client_per_minute
        self.clock = clock
        now = clock()
        self.global_bucket = TokenBucket.per_minute(global_per_minute, now) if global_per_minute else None
        self.clients: OrderedDict[bytes, TokenBucket] = OrderedDict()
        # Bounded: a flood from many addresses must not grow memory without end.
        self.max_clients = max_clients
        self.lock = threading.Lock()

    def check(self, client: bytes | None) -> float:
        """0.0 if the request may go ahead (both buckets charged), else seconds to wait."""
        with self.lock:
            now = self.clock()
            bucket = None
            if self.per_client and client is not None:
                bucket = self.clients.get(client)
                if bucket is None:
                    bucket = TokenBucket.per_minute(self.per_client, now)
                    self.clients[client] = bucket
                    if len(self.clients) > self.max_clients:
                        self.clients.popitem(last=False)
                else:
                    self.clients.move_to_end(client)
                wait = bucket.take(now)
                if wait:
                    return wait
            if self.global_bucket is not None:
                wait = self.global_bucket.take(now)
                if wait:
                    if bucket is not None:
                        bucket.tokens += 1  # refused globally: the client's own token is given back
                    return wait
            return 0.0


class ClientNamer:
    """Turns an address into an opaque, per-process key. The address itself is dropped."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __call__(self, address: str) -> bytes:
        return hmac.new(self._key, address.encode(), hashlib.sha256).digest()[:16]


@dataclass
class Limits:
    """The limits of the public channels, built once per application from the settings."""

    pages: Limiter
    submit: Limiter  # web submissions that carry a solved proof of work
    submit_nojs: Limiter  # web submissions without one (JavaScript off)
    status: Limiter  # receipt sign-ins and reporter messages
    api: Limiter  # POST /api/v1/reports
    namer: ClientNamer

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            pages=Limiter("pages", s.rate_pages_per_client_per_minute, None),
            submit=Limiter("submit", s.rate_submit_per_client_per_minute, s.rate_submit_global_per_minute),
            submit_nojs=Limiter("submit-nojs", s.rate_nojs_per_client_per_minute, s.rate_nojs_global_per_minute),
            # Sign-ins cost an Argon2id hash each: the global ceiling bounds that CPU.
            status=Limiter("status", s.rate_status_per_client_per_minute, 1200),
            api=Limiter("api", s.rate_api_per_client_per_minute, s.rate_submit_global_per_minute),
            namer=ClientNamer(),
        )
