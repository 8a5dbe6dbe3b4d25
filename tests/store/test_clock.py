"""watchword.clock: tests let time pass without sleeping, and the code under test sees it."""

from __future__ import annotations

import time
from types import ModuleType

import pytest

from watchword.runtime import Runtime
from watchword.security.ratelimit import Limiter
from watchword.store import jobs


def test_advancing_moves_every_reading_and_never_goes_back(clock: ModuleType) -> None:
    # Small steps: the shift stays for the rest of this test process, as real time would have passed.
    before = (clock.now(), clock.time(), clock.monotonic())
    clock.advance(2)
    after = (clock.now(), clock.time(), clock.monotonic())
    assert (after[0] - before[0]).total_seconds() >= 2
    assert after[1] - before[1] >= 2 and after[2] - before[2] >= 2
    with pytest.raises(ValueError, match="does not go back"):
        clock.advance(-1)


def test_a_held_clock_moves_only_when_advanced_and_never_goes_back_after(clock: ModuleType) -> None:
    """GIVEN the clock held WHEN real time passes THEN no reading moves; WHEN advanced THEN each moves
    by exactly that; WHEN released THEN the readings are the system's again and none is earlier."""
    with clock.held():
        held = (clock.now(), clock.time(), clock.monotonic())
        time.sleep(0.01)  # real time passing, which the held clock must not show
        assert (clock.now(), clock.time(), clock.monotonic()) == held
        clock.advance(1.5)
        moved = (clock.now(), clock.time(), clock.monotonic())
        steps = [(moved[0] - held[0]).total_seconds(), moved[1] - held[1], moved[2] - held[2]]
        assert steps == pytest.approx([1.5, 1.5, 1.5], abs=1e-5)
    released = (clock.now(), clock.time(), clock.monotonic())
    assert released[0] >= moved[0] and released[1] >= moved[1] and released[2] >= moved[2]
    time.sleep(0.01)
    assert clock.monotonic() > released[2], "released, it runs again"


def test_a_lease_runs_out_when_its_time_has_passed(rt: Runtime, clock: ModuleType) -> None:
    """GIVEN a job claimed with a 2 s lease WHEN another worker asks at once THEN it is not theirs;
    WHEN 3 s have passed THEN the other worker takes it over, as from a worker that died."""
    with rt.db.write() as session:
        jobs.enqueue(session, jobs.ANALYZE)
    first = jobs.claim(rt.db, "worker-a", lease_seconds=2)
    assert first is not None
    assert jobs.claim(rt.db, "worker-b", lease_seconds=2) is None
    clock.advance(3)
    taken = jobs.claim(rt.db, "worker-b", lease_seconds=2)
    assert taken is not None and taken.id == first.id and taken.locked_by == "worker-b"


def test_a_rate_limited_client_may_go_again_once_its_wait_has_passed(clock: ModuleType) -> None:
    """The rate limiter's buckets refill by watchword.clock: no test waits for them."""
    limiter = Limiter("reports", per_client_per_minute=60, global_per_minute=None)
    waits = [limiter.check(b"client") for _ in range(200)]
    assert waits[0] == 0.0 and waits[-1] > 0, "a burst of 200 in a moment is limited"
    wait = waits[-1]
    assert wait <= 1.0
    clock.advance(wait + 0.001)
    assert limiter.check(b"client") == 0.0
