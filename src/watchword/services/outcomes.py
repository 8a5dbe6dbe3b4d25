"""What a reporter is told, in plain words: one module for the mail replies and the web pages.

Reporters are not analysts. Every text here says what happened and what, if
anything, they should do, in short sentences without jargon. Nothing here
names other reporters, the sender, or any indicator: an outcome may be sent to
hundreds of people and must be safe for all of them to read.
"""

from __future__ import annotations

from watchword.domain import Verdict
from watchword.domain.states import ReportStatus

# How an approach type is named in a sentence such as "part of a ... campaign".
_KIND_WORDS = {
    "credential_phishing": "phishing",
    "malware_delivery": "malware",
    "invoice_or_payment_fraud": "payment fraud",
    "fake_recruitment": "fake recruitment",
    "elicitation": "information-gathering",
    "inducement": "inducement",
    "fake_profile_or_impersonation": "impersonation",
    "technical_surveillance": "surveillance",
    "physical_approach": "in-person approach",
    "extortion": "extortion",
    "scam_or_spam": "scam",
}

RECEIVED = (
    "We have your report and will look at it. You do not need to do anything else. "
    "Please do not reply to, click or open anything in the message you reported."
)
ANALYSED = "We have looked at your report. We will tell you the outcome once it has been reviewed."
OUT_OF_SCOPE_BY_GUARD = (
    "Thank you for telling us. This report is outside what we look into: we act on concrete "
    "approaches made to you or to the organisation, not on who a person is or what they lawfully "
    "say or believe."
)


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def outcome_text(verdict: str | None, *, approach_type: str = "", reporters: int = 1, action: str = "") -> str:
    """The outcome of a report once its campaign has a verdict.

    `reporters` is how many people reported the campaign; `action` is an
    optional plain sentence about what was done ("The link has been blocked.").
    With no verdict yet the text says the report is still being looked at.
    """
    action = " ".join(action.split())
    if action:
        action = action[0].upper() + action[1:]
        if action[-1] not in ".!?":
            action += "."
    kind = _KIND_WORDS.get(approach_type, "")
    if verdict == Verdict.MALICIOUS:
        label = f"{kind} campaign" if kind else "malicious campaign"
        if reporters > 1:
            first = f"This was part of {_article(label)} {label} reported by {_people(reporters)}."
        else:
            attempt = f"{kind} attempt" if kind else "malicious approach"
            first = f"This was {_article(attempt)} {attempt}."
        rest = action or "We are acting on it."
        return f"{first} {rest} Thank you for reporting it: your report helped protect others."
    if verdict == Verdict.SUSPICIOUS:
        first = "We could not confirm that this was malicious, but it is suspicious and we are keeping watch."
        advice = "If you clicked a link, opened an attachment or replied, tell your security team."
        return " ".join(part for part in (first, action, advice) if part)
    if verdict == Verdict.BENIGN:
        first = "We checked this and it is genuine: you can treat it as normal."
        thanks = "Thank you for checking with us; reporting when unsure is exactly right."
        return " ".join(part for part in (first, action, thanks) if part)
    if verdict == Verdict.OUT_OF_SCOPE:
        return OUT_OF_SCOPE_BY_GUARD
    return RECEIVED if not verdict else ANALYSED


def status_text(
    status: str,
    verdict: str | None = None,
    *,
    approach_type: str = "",
    reporters: int = 1,
    action: str = "",
    scope: str = "in_scope",
) -> str:
    """The one line a reporter sees for a report's state, whatever the channel."""
    if verdict:
        return outcome_text(verdict, approach_type=approach_type, reporters=reporters, action=action)
    if scope == "out_of_scope":
        return OUT_OF_SCOPE_BY_GUARD
    if status == ReportStatus.ANALYSED:
        return ANALYSED
    return RECEIVED
