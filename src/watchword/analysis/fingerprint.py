"""Placeholder: being written (see the pipeline contract in pipeline.py)."""

from watchword.domain import Document


def fingerprint(doc: Document) -> None:
    return None
