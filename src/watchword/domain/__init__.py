"""Watchword's vocabulary: plain dataclasses and enums, no I/O.

Everything else in the package speaks in these terms. The analysis pipeline
fills a `Document`; the store persists `Analysis.to_dict()`; the web, CLI and
mail channels build an `IncomingReport` and hand it to `intake.submit()`.
"""

from watchword.domain.model import (
    Analysis,
    Attachment,
    AuthResult,
    Document,
    IncomingReport,
    Indicator,
    Link,
    WrapperFacts,
)
from watchword.domain.states import ApproachType, Channel, Scope, Verdict

__all__ = [
    "Analysis",
    "ApproachType",
    "Attachment",
    "AuthResult",
    "Channel",
    "Document",
    "IncomingReport",
    "Indicator",
    "Link",
    "Scope",
    "Verdict",
    "WrapperFacts",
]
