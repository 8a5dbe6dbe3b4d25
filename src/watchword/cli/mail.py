"""Commands for this area are registered here (being written)."""

from __future__ import annotations

from watchword.cli.app import app  # noqa: F401
