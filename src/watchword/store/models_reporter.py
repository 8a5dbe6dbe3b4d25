"""Tables of the reporter area (none yet). Import Base from watchword.store.models."""

from __future__ import annotations
