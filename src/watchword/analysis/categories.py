"""The one registry of lexicon category names.

The phrase lists live in `data/lexicon.toml`; the classifier's weights and the
reasons it gives are keyed by these names (`classify.py`). Loading the lexicon
refuses a category that is not listed here, and `tests/analysis/test_data_files.py`
checks that every name here has phrases, a weight and a reason.
"""

from __future__ import annotations

import enum


class EmailCategory(enum.StrEnum):
    """What a suspicious message asks of its reader."""

    CREDENTIAL = "credential"
    URGENCY = "urgency"
    THREAT = "threat"
    PRIZE = "prize"
    ADVANCE_FEE = "advance_fee"
    CRYPTO = "crypto"
    PAYMENT = "payment"
    EXTORTION = "extortion"
    DELIVERY = "delivery"
    RECRUITMENT = "recruitment"
    MALWARE_LURE = "malware_lure"
    MARKETING = "marketing"
    ROMANCE = "romance"
    GENERIC_GREETING = "generic_greeting"


class ReportCategory(enum.StrEnum):
    """What was done to a reporter, as their free-text report tells it."""

    INDUCEMENT = "inducement"
    FAKE_RECRUITMENT = "fake_recruitment"
    TECHNICAL_SURVEILLANCE = "technical_surveillance"
    PHYSICAL_APPROACH = "physical_approach"
    IMPERSONATION = "impersonation"
    EXTORTION = "extortion"
    PHISHING_REPORT = "phishing_report"
    PAYMENT_REPORT = "payment_report"
    CONTACT = "contact"


class WordSet(enum.StrEnum):
    """Single-word sets that read free-text reports sentence by sentence."""

    ASK = "ask_words"
    SENSITIVE = "sensitive_words"
    OFFER = "offer_words"
    INDUCEMENT = "inducement_words"
    JOB = "job_words"
    NEGATORS = "negators"
    NEGATED_VERBS = "negated_verbs"
