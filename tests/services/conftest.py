"""Fixtures the services' mail tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.smtp_sink import Sink, running_sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A real local SMTP server standing in for the relay."""
    with running_sink() as running:
        yield running
