"""Analyses made by hand, for tests that need an engine's or a step's input without the pipeline."""

from __future__ import annotations

from typing import Any

from watchword.domain import Analysis


def make_analysis(**fields: Any) -> Analysis:
    """An empty text analysis with `fields` set (the rest blank, as an empty report reads)."""
    blank: dict[str, Any] = {
        "kind": "text",
        "subject": "",
        "approach_type": "benign",
        "scope": "in_scope",
        "scope_reason": "",
        "risk": 0.0,
        "reasons": [],
        "indicators": [],
        "links": [],
        "attachments": [],
        "auth": None,
        "wrapper": None,
        "body_text": "",
        "content_hash": "",
        "shingles": [],
        "warnings": [],
        "headers": {},
    }
    return Analysis(**{**blank, **fields})
