"""The time Watchword's code sees: wall-clock now, epoch seconds and a monotonic reading.

Code that decides by the time of day or by elapsed time (proof-of-work token age, rate-limit
buckets, job leases, receipt and session expiry, TOTP windows) reads it here instead of calling
`time` or `datetime` directly, so that a test can move time forward with `advance()` rather
than sleep. In production nothing ever calls `advance()` and these are the system clocks.

The shift is process-wide (every thread sees it, as the system clock is) and only ever grows,
so readings never go back and an advance is indistinguishable from time having passed; a child
process does not inherit it.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager

_shift_seconds = 0.0
# The system's readings (now, epoch, monotonic) taken when `held()` stopped the clock; None when it runs.
_held: tuple[dt.datetime, float, float] | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    base = _held[0] if _held is not None else dt.datetime.now(dt.UTC)
    return base + dt.timedelta(seconds=_shift_seconds)


def time() -> float:
    """Seconds since the epoch, like `time.time()`."""
    return (_held[1] if _held is not None else _time.time()) + _shift_seconds


def monotonic() -> float:
    """A clock that never goes back, like `time.monotonic()`, for measuring intervals."""
    return (_held[2] if _held is not None else _time.monotonic()) + _shift_seconds


def advance(seconds: float) -> None:
    """Move every reading forward (tests only): as if `seconds` had passed, without waiting."""
    global _shift_seconds
    if seconds < 0:
        raise ValueError("time does not go back")
    _shift_seconds += seconds


@contextmanager
def held() -> Iterator[None]:
    """Stop every reading where it stands for the block (tests only): time then passes only by
    `advance()`, so a test deciding by elapsed time (the no-JavaScript form's 3 s) gets the same
    answer however long its requests really take on a loaded machine. After the block the system's
    clocks count again; they have moved on meanwhile, so no reading goes back."""
    global _held
    _held = (dt.datetime.now(dt.UTC), _time.time(), _time.monotonic())
    try:
        yield
    finally:
        _held = None
