"""The closed sets of values stored rows hold, as enums: one spelling, checked by the store.

States, kinds, roles, channels, verdicts: each is a `StrEnum`, so a member is its
string (`JobStatus.DONE == "done"`) and rows, JSON and templates keep plain text.
The store refuses any other value: migrations 0006, 0014, 0022 and 0023 add a CHECK
constraint per column of `STORED_STATES` (on SQLite a trigger pair, since SQLite
cannot add a CHECK to an existing table); `store/schema.py` declares the same
constraints on the tables from this module.
"""

from __future__ import annotations

import enum


class ApproachType(enum.StrEnum):
    """The published taxonomy (DESIGN.md). Narrow on purpose."""

    CREDENTIAL_PHISHING = "credential_phishing"
    MALWARE_DELIVERY = "malware_delivery"
    INVOICE_OR_PAYMENT_FRAUD = "invoice_or_payment_fraud"
    FAKE_RECRUITMENT = "fake_recruitment"
    ELICITATION = "elicitation"
    INDUCEMENT = "inducement"
    FAKE_PROFILE_OR_IMPERSONATION = "fake_profile_or_impersonation"
    TECHNICAL_SURVEILLANCE = "technical_surveillance"
    PHYSICAL_APPROACH = "physical_approach"
    EXTORTION = "extortion"
    SCAM_OR_SPAM = "scam_or_spam"
    BENIGN = "benign"
    # A free-text report that does not yet say what was done: not benign, not yet typed.
    UNDETERMINED = "undetermined"


class Verdict(enum.StrEnum):
    MALICIOUS = "malicious"
    SUSPICIOUS = "suspicious"
    SPAM = "spam"  # a scam or junk mail sent to many: not genuine, not aimed at us; never called "benign"
    BENIGN = "benign"
    OUT_OF_SCOPE = "out_of_scope"


class Channel(enum.StrEnum):
    API = "api"
    WEB = "web"
    EMAIL = "email"  # SMTP listener or IMAP mailbox
    IMPORT = "import"  # `watchword import` of files, mbox, Maildir
    SMS = "sms"  # a text message forwarded through an SMS gateway's webhook (intake/sms.py)


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


class JobKind(enum.StrEnum):
    """What a background job does; the worker runs each kind with its own handler."""

    ANALYZE = "analyze"
    RETROHUNT = "intel.retrohunt"
    FEEDS_PULL = "intel.feeds_pull"
    TAXII_FOLLOW = "intel.taxii_follow"
    NOTIFY = "notify"
    RETENTION = "retention"


class RiskClass(enum.StrEnum):
    """The clustering namespace of a campaign (campaigns/engine.py risk_class)."""

    HIGH = "high"
    LOW = "low"


class Role(enum.StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    VIEWER = "viewer"


class TokenScope(enum.StrEnum):
    SUBMIT = "submit"
    READ = "read"
    # Read shared intelligence, and add objects to the TAXII feeds-in collection (a partner who
    # exchanges indicators both ways); it opens nothing else.
    WRITE = "write"
    ADMIN = "admin"


class LoginFailureKind(enum.StrEnum):
    PASSWORD = "password"  # noqa: S105  # the kind of sign-in that failed, not a secret
    TOTP = "totp"


class CaseKind(enum.StrEnum):
    """What an analyst's note (and case work) is about."""

    REPORT = "report"
    CAMPAIGN = "campaign"


class SavedTarget(enum.StrEnum):
    """Which console page a saved search runs on."""

    QUEUE = "queue"
    SEARCH = "search"


class RestrictionSource(enum.StrEnum):
    """Who restricted a report: the reporter's page at once, or the analysis afterwards."""

    INSTANT = "instant"
    ANALYSIS = "analysis"


class MailVia(enum.StrEnum):
    """How a reported mail arrived."""

    SMTP = "smtp"
    IMAP = "imap"


class OptOutVia(enum.StrEnum):
    """Where a reporter stopped (or restarted) the replies."""

    MAIL = "mail"
    WEB = "web"
    CLI = "cli"


class NotificationKind(enum.StrEnum):
    SURGE = "surge"
    HIGH_RISK = "high_risk"
    REPORTER_REPLY = "reporter_reply"


class MatchVia(enum.StrEnum):
    """How a known-bad value was matched: as a report was analysed, or by a retro-hunt."""

    LIVE = "live"
    RETROHUNT = "retrohunt"


class FeedKind(enum.StrEnum):
    """A pulled feed's protocol (intel/pull.py)."""

    TAXII = "taxii"
    MISP = "misp"


class FeedFormat(enum.StrEnum):
    """The format an imported batch of intelligence was read from (intel/feeds.py)."""

    STIX = "stix"
    MISP = "misp"
    MISP_FEED = "misp-feed"
    CSV = "csv"


class FlagKind(enum.StrEnum):
    """An analyst's mark on a value that must not be shared as bad."""

    ALLOWLISTED = "allowlisted"
    FALSE_POSITIVE = "false_positive"


class IndicatorType(enum.StrEnum):
    """The observables the analysis extracts and the intelligence feeds carry."""

    URL = "url"
    DOMAIN = "domain"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    EMAIL = "email"
    PHONE = "phone"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    BTC = "btc"
    ETH = "eth"
    XMR = "xmr"
    IBAN = "iban"
    SOCIAL = "social"


class KnownBadType(enum.StrEnum):
    """What a known-bad value from a feed is: an indicator type, or a range of addresses
    (intel/normalise.py `ip_or_network`), which only feeds carry."""

    URL = "url"
    DOMAIN = "domain"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    CIDR = "cidr"
    EMAIL = "email"
    PHONE = "phone"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    BTC = "btc"
    ETH = "eth"
    XMR = "xmr"
    IBAN = "iban"
    SOCIAL = "social"


class Tlp(enum.StrEnum):
    """TLP 2.0 levels, least to most restricted (intel/tlp.py)."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


# (table, column) -> the enum whose values are the only ones the store accepts. A NULL passes
# a CHECK (an unset verdict or TLP); an empty string passes only where NOT_YET_SET says.
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
    # Migration 0023:
    ("reports", "channel"): Channel,
    ("submissions", "channel"): Channel,
    ("reports", "verdict"): Verdict,
    ("campaigns", "verdict"): Verdict,
    ("campaign_decisions", "verdict"): Verdict,
    ("reports", "approach_type"): ApproachType,
    ("campaigns", "approach_type"): ApproachType,
    ("campaigns", "risk_class"): RiskClass,
    ("jobs", "kind"): JobKind,
    ("users", "role"): Role,
    ("api_tokens", "scope"): TokenScope,
    ("login_failures", "kind"): LoginFailureKind,
    ("notes", "object_type"): CaseKind,
    ("saved_searches", "target"): SavedTarget,
    ("restricted_reports", "source"): RestrictionSource,
    ("mail_messages", "via"): MailVia,
    ("mail_opt_outs", "via"): OptOutVia,
    ("notification_events", "kind"): NotificationKind,
    ("intel_matches", "via"): MatchVia,
    ("intel_feed_pulls", "kind"): FeedKind,
    ("intel_import_batches", "format"): FeedFormat,
    ("intel_value_flags", "kind"): FlagKind,
    ("indicators", "type"): IndicatorType,
    ("intel_known_bad", "type"): KnownBadType,
    ("intel_value_flags", "type"): IndicatorType,
    ("intel_known_bad", "tlp"): Tlp,
}
# Columns where "" also passes: a report's approach type before its first analysis, and a
# campaign's while its members have none yet (campaigns/assign.py _approach keeps the commonest).
NOT_YET_SET: frozenset[tuple[str, str]] = frozenset({("reports", "approach_type"), ("campaigns", "approach_type")})


def check_sql(column: str, states: type[enum.StrEnum], *, empty_too: bool = False) -> str:
    """The CHECK expression: `status IN ('queued', 'running', ...)` (with `''` when `empty_too`)."""
    values = [*([""] if empty_too else []), *(str(s) for s in states)]
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
