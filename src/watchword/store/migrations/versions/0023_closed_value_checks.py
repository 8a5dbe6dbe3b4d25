"""the store checks every column that holds one of a closed set of values

Channels, verdicts, approach types, job kinds, roles, token scopes, sign-in failure
kinds, note subjects, saved-search pages, restriction sources, how mail arrived and
how a reporter opted out, notification kinds, how an intelligence match was made,
feed kinds and formats, value-flag kinds, indicator types and TLP levels were free
strings to the store (issue 12). Checked like the states of migrations 0006 and
0022: a CHECK constraint on PostgreSQL, a trigger pair on SQLite (which cannot add
a CHECK to an existing table without rebuilding it, and a rebuild of `reports` would
drop its search and state triggers). A NULL passes, as in any CHECK (a verdict or a
TLP not given); "" passes only where it means "not yet" (an approach type before
the first analysis).

No released version of Watchword wrote any other value to these columns (each set
has only grown). A row that holds one anyway was written by hand: the upgrade
names every such table, column and value and stops before changing anything, so
that the operator corrects them (nothing is guessed for them) and runs
`watchword migrate` again.

The values are written out here, not read from `domain/states.py`: a migration is
history.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from watchword import errors

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

CHANNELS = ("api", "web", "email", "import", "sms")
VERDICTS = ("malicious", "suspicious", "spam", "benign", "out_of_scope")
APPROACH_TYPES = (
    "credential_phishing",
    "malware_delivery",
    "invoice_or_payment_fraud",
    "fake_recruitment",
    "elicitation",
    "inducement",
    "fake_profile_or_impersonation",
    "technical_surveillance",
    "physical_approach",
    "extortion",
    "scam_or_spam",
    "benign",
    "undetermined",
)
INDICATOR_TYPES = (
    "url",
    "domain",
    "ipv4",
    "ipv6",
    "email",
    "phone",
    "md5",
    "sha1",
    "sha256",
    "btc",
    "eth",
    "xmr",
    "iban",
    "social",
)

CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("reports", "channel"): CHANNELS,
    ("submissions", "channel"): CHANNELS,
    ("reports", "verdict"): VERDICTS,
    ("campaigns", "verdict"): VERDICTS,
    ("campaign_decisions", "verdict"): VERDICTS,
    ("reports", "approach_type"): ("", *APPROACH_TYPES),
    ("campaigns", "approach_type"): ("", *APPROACH_TYPES),
    ("campaigns", "risk_class"): ("high", "low"),
    ("jobs", "kind"): (
        "analyze",
        "intel.retrohunt",
        "intel.feeds_pull",
        "intel.taxii_follow",
        "notify",
        "retention",
    ),
    ("users", "role"): ("admin", "analyst", "viewer"),
    ("api_tokens", "scope"): ("submit", "read", "write", "admin"),
    ("login_failures", "kind"): ("password", "totp"),
    ("notes", "object_type"): ("report", "campaign"),
    ("saved_searches", "target"): ("queue", "search"),
    ("restricted_reports", "source"): ("instant", "analysis"),
    ("mail_messages", "via"): ("smtp", "imap"),
    ("mail_opt_outs", "via"): ("mail", "web", "cli"),
    ("notification_events", "kind"): ("surge", "high_risk", "reporter_reply"),
    ("intel_matches", "via"): ("live", "retrohunt"),
    ("intel_feed_pulls", "kind"): ("taxii", "misp"),
    ("intel_import_batches", "format"): ("stix", "misp", "misp-feed", "csv"),
    ("intel_value_flags", "kind"): ("allowlisted", "false_positive"),
    ("indicators", "type"): INDICATOR_TYPES,
    ("intel_known_bad", "type"): (*INDICATOR_TYPES[:4], "cidr", *INDICATOR_TYPES[4:]),  # a feed's address range
    ("intel_value_flags", "type"): INDICATOR_TYPES,
    ("intel_known_bad", "tlp"): ("clear", "green", "amber", "amber+strict", "red"),
}


class UnexpectedStoredValues(errors.Conflict):
    """Rows hold values outside the sets this migration makes the store check: `watchword migrate`
    prints the sentence and exits with the code of a conflict (cli/errors.py)."""


def _name(table: str, column: str) -> str:
    return f"ck_{table}_{column}"


def _allowed(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _unexpected() -> list[str]:
    """'table.column: value (n rows)' for every stored value outside its set."""
    bind = op.get_bind()
    found = []
    for (table, column), values in CHECKS.items():
        rows = bind.execute(
            sa.text(
                f"SELECT {column}, COUNT(*) FROM {table} "  # noqa: S608  # names from CHECKS above, not input
                f"WHERE {column} IS NOT NULL AND NOT ({_allowed(column, values)}) GROUP BY {column}"
            )
        ).all()
        found += [f"{table}.{column}: {value!r} ({count} rows)" for value, count in rows]
    return found


def upgrade() -> None:
    unexpected = _unexpected()
    if unexpected:
        raise UnexpectedStoredValues(
            "migration 0023 makes the store refuse values outside each column's set, and these rows hold "
            "such values (written by hand: no version of Watchword writes them). This migration changed nothing; "
            "correct them, then run `watchword migrate` again:\n  " + "\n  ".join(unexpected)
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for (table, column), values in CHECKS.items():
        name, allowed = _name(table, column), _allowed(column, values)
        if not sqlite:
            # op.f: the name as given. Without it the metadata's naming convention prefixes it again,
            # as it did to 0006's and 0022's (ck_reports_ck_reports_scope on PostgreSQL).
            op.create_check_constraint(op.f(name), table, allowed)
            continue
        abort = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {name}')"
        op.execute(f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN NOT (NEW.{allowed}) BEGIN {abort}; END")
        op.execute(
            f"CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} "
            f"WHEN NOT (NEW.{allowed}) BEGIN {abort}; END"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in CHECKS:
        name = _name(table, column)
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_insert")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_update")
        else:
            op.drop_constraint(op.f(name), table, type_="check")
