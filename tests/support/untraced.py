"""Third-party checking work run without the coverage tracer.

On Python 3.11 coverage.py's C tracer is called for every line and call of every Python file, not
only the measured `watchword` ones: code outside `source` runs 3-5 times slower under it (a loop in a
module of no package: 0.19 s -> 0.63 s, calls 0.08 s -> 0.43 s). stix2-validator (jsonschema and
`referencing`, pure Python) is the largest such cost in the suite: the STIX property of
test_intel_exports.py took 6.8-8.4 s of CPU untraced, 19-22.5 s traced, for no line of ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def untraced(check: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`check(*args, **kwargs)` with coverage paused, if it is running (`make test`'s parallel pass).

    Only for a third-party check of values already made (a validator of a finished document): no
    `watchword` line runs inside. Pausing stops the tracer in every thread, and resuming restarts it
    only in this thread and threads started later, so no thread that runs our code may outlive the
    call: not inside `with TestClient(...)` (its portal thread would serve the next requests untraced;
    measured: 17 lines of the TAXII routes went unreported when test_taxii.py did that).
    """
    try:
        from coverage import Coverage
    except ImportError:  # coverage is a dev dependency; without it there is nothing to pause
        return check(*args, **kwargs)
    cov = Coverage.current()
    if cov is None:
        return check(*args, **kwargs)
    cov.stop()
    try:
        return check(*args, **kwargs)
    finally:
        cov.start()
