"""Placeholder: being written (see the pipeline contract in pipeline.py)."""

from watchword.domain import Document


def describe_attachments(doc: Document) -> None:
    return None
