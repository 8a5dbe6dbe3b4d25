"""Read a report with the rules and say what was expected when the scope or the type is not it."""

from __future__ import annotations

from watchword.analysis.reading import Reading, read
from watchword.domain import ApproachType, Scope


def assert_read(text: str, scope: Scope, kind: ApproachType | None = None) -> Reading:
    """The rules' reading of `text` has `scope` (and, when given, `kind` as its primary type)."""
    reading = read(text)
    assert reading.scope is scope, f"{scope.value} expected, read {reading.scope.value}: {reading.scope_reason}"
    if kind is not None:
        assert reading.primary is kind, f"{kind.value} expected, read {reading.primary}: {reading.scope_reason}"
    return reading
