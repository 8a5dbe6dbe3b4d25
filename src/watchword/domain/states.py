"""The states stored rows move through, as enums: one spelling, checked by the store.

Each is a `StrEnum`, so a member is its string (`JobStatus.DONE == "done"`) and
rows, JSON and templates keep plain text. The store refuses any other value:
migration 0006 adds a CHECK constraint per column (on SQLite a trigger pair,
since SQLite cannot add a CHECK to an existing table); `store/models.py`
declares the same constraints from these enums.
"""

from __future__ import annotations

import enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    PARKED = "parked"  # failed too often: kept for an analyst to look at (console "Failed" page)


class ReportStatus(enum.StrEnum):
    RECEIVED = "received"
    ANALYSED = "analysed"
    FAILED = "failed"


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    EMPTY = "empty"  # every report split or deleted away; revived if one joins again
    MERGED = "merged"  # absorbed into another campaign (merged_into_id)


class BulletinStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    SUPPRESSED = "suppressed"
    FAILED = "failed"


class MailKind(enum.StrEnum):
    ACK = "ack"
    OUTCOME = "outcome"
    MESSAGE = "message"  # an analyst's message to one mail reporter, from their thread on a report


class DecisionKind(enum.StrEnum):
    MERGE = "merge"
    SPLIT = "split"
    VERDICT = "verdict"


class AuthorKind(enum.StrEnum):
    REPORTER = "reporter"
    ANALYST = "analyst"


class CaseStatus(enum.StrEnum):
    """Where an analyst's work on a report or a campaign stands (issue 15): apart from the
    report's processing status and the campaign's clustering status, which the system sets."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Scope(enum.StrEnum):
    """What a report is about, as read (analysis/scope.py); checked by the store since migration 0022."""

    IN_SCOPE = "in_scope"
    OUT_OF_SCOPE = "out_of_scope"
    # Neither an act nor a basis about a person can be read yet: the reporter is asked
    # "What did they do or ask you for?" and the analyst sees it as such in the queue.
    NEEDS_DETAIL = "needs_detail"


class DocumentKind(enum.StrEnum):
    EMAIL = "email"
    TEXT = "text"


# (table, column) -> the enum whose values are the only ones the store accepts.
STORED_STATES: dict[tuple[str, str], type[enum.StrEnum]] = {
    ("jobs", "status"): JobStatus,
    ("reports", "status"): ReportStatus,
    ("campaigns", "status"): CampaignStatus,
    ("bulletins", "status"): BulletinStatus,
    ("mail_outbox", "status"): MailStatus,
    ("mail_outbox", "kind"): MailKind,
    ("campaign_decisions", "kind"): DecisionKind,
    ("reporter_messages", "author_kind"): AuthorKind,
    ("reports", "case_status"): CaseStatus,
    ("campaigns", "case_status"): CaseStatus,
    ("reports", "scope"): Scope,
}


def check_sql(column: str, states: type[enum.StrEnum]) -> str:
    """The CHECK expression: `status IN ('queued', 'running', ...)`."""
    return f"{column} IN ({', '.join(repr(str(s)) for s in states)})"
