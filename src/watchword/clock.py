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

_shift_seconds = 0.0


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=_shift_seconds)


def time() -> float:
    """Seconds since the epoch, like `time.time()`."""
    return _time.time() + _shift_seconds


def monotonic() -> float:
    """A clock that never goes back, like `time.monotonic()`, for measuring intervals."""
    return _time.monotonic() + _shift_seconds


def advance(seconds: float) -> None:
    """Move every reading forward (tests only): as if `seconds` had passed, without waiting."""
    global _shift_seconds
    if seconds < 0:
        raise ValueError("time does not go back")
    _shift_seconds += seconds
