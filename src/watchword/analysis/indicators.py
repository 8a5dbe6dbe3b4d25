"""Placeholder: being written (see the pipeline contract in pipeline.py)."""

from watchword.domain import Document


def extract_indicators(doc: Document) -> None:
    return None
