"""Placeholder: being written (see the pipeline contract in pipeline.py)."""

from watchword.domain import Document


def unwrap_forwarded(doc: Document) -> None:
    return None
