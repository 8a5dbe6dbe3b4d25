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
# After the automatic checks, before any person has looked: it must not say "we have looked".
ANALYSED = "Our automatic checks of your report are done. An analyst will review it, and we will tell you the outcome."
NEEDS_DETAIL = (
    "Our automatic checks read your report, but it does not yet say what happened. What did they do or ask you "
    "for? Please tell us in a message: it is added to the same report."
)
OUT_OF_SCOPE_BY_GUARD = (
    "Thank you for telling us. This report is outside what we look into: we act on concrete "
    "approaches made to you or to the organisation, not on who a person is or what they lawfully "
    "say or believe."
)


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n:,} people"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


# What to do if the reporter already acted on it, by what the approach was: a found USB stick is
# plugged in, not clicked; a person at a conference is talked to, not replied to by mail.
_ADVICE_BY_KIND = {
    "technical_surveillance": "If it was plugged in, switched on or connected, tell your security team.",
    "physical_approach": "If you gave them access or anything else, tell your security team.",
    "elicitation": "If you already shared information, tell your security team: you are not in trouble.",
    "inducement": "If you already accepted something or agreed to meet, tell your security team.",
}
_ADVICE = "If you clicked a link, opened an attachment or replied, tell your security team."


def _advice(approach_type: str) -> str:
    return _ADVICE_BY_KIND.get(approach_type, _ADVICE)


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
        return " ".join(part for part in (first, action, _advice(approach_type)) if part)
    if verdict == Verdict.SPAM:
        first = "This was spam or a scam sent to many people: it is not genuine, and it was not aimed at you."
        advice = "Delete it, and do not reply, pay or send any details. If you already did, tell your security team."
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
    if scope == "needs_detail" and status == ReportStatus.ANALYSED:
        return NEEDS_DETAIL
    if status == ReportStatus.ANALYSED:
        return ANALYSED
    return RECEIVED
