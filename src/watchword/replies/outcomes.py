"""What a reporter is told, in plain words: one module for the mail replies and the web pages.

Reporters are not analysts. Every text here says what happened and what, if
anything, they should do, in short sentences without jargon. Nothing here
names other reporters, the sender, or any indicator: an outcome may be sent to
hundreds of people and must be safe for all of them to read.

Every sentence is an English msgid marked for Babel (`_()` inside the functions,
`N_()` for the tables) and is written in the reporter's language: pass the one
remembered with their report (`language=`), English when it is unknown. Whole
sentences per approach type, not a word slotted into one sentence: articles,
genders and cases differ between the languages. A count is a placeholder in a
sentence that reads right for any number of people above one, so that no language
needs plural forms here.
"""

from __future__ import annotations

from watchword import translation
from watchword.domain import Verdict
from watchword.domain.states import ReportStatus
from watchword.translation import N_, gettext_for

# "This was a ... attempt." per approach type, for one reporter.
_ATTEMPT = {
    "credential_phishing": N_("This was a phishing attempt."),
    "malware_delivery": N_("This was a malware attempt."),
    "invoice_or_payment_fraud": N_("This was a payment fraud attempt."),
    "fake_recruitment": N_("This was a fake recruitment attempt."),
    "elicitation": N_("This was an information-gathering attempt."),
    "inducement": N_("This was an inducement attempt."),
    "fake_profile_or_impersonation": N_("This was an impersonation attempt."),
    "technical_surveillance": N_("This was a surveillance attempt."),
    "physical_approach": N_("This was an in-person approach attempt."),
    "extortion": N_("This was an extortion attempt."),
    "scam_or_spam": N_("This was a scam attempt."),
}
_ATTEMPT_ANY = N_("This was a malicious approach.")
# "This was part of a ... campaign reported by N people." when more than one person reported it.
_CAMPAIGN = {
    "credential_phishing": N_("This was part of a phishing campaign reported by %(count)s people."),
    "malware_delivery": N_("This was part of a malware campaign reported by %(count)s people."),
    "invoice_or_payment_fraud": N_("This was part of a payment fraud campaign reported by %(count)s people."),
    "fake_recruitment": N_("This was part of a fake recruitment campaign reported by %(count)s people."),
    "elicitation": N_("This was part of an information-gathering campaign reported by %(count)s people."),
    "inducement": N_("This was part of an inducement campaign reported by %(count)s people."),
    "fake_profile_or_impersonation": N_("This was part of an impersonation campaign reported by %(count)s people."),
    "technical_surveillance": N_("This was part of a surveillance campaign reported by %(count)s people."),
    "physical_approach": N_("This was part of an in-person approach campaign reported by %(count)s people."),
    "extortion": N_("This was part of an extortion campaign reported by %(count)s people."),
    "scam_or_spam": N_("This was part of a scam campaign reported by %(count)s people."),
}
_CAMPAIGN_ANY = N_("This was part of a malicious campaign reported by %(count)s people.")

RECEIVED = N_(
    "We have your report and will look at it. You do not need to do anything else. "
    "Please do not reply to, click or open anything in the message you reported."
)
# After the automatic checks, before any person has looked: it must not say "we have looked".
ANALYSED = N_(
    "Our automatic checks of your report are done. An analyst will review it, and we will tell you the outcome."
)
NEEDS_DETAIL = N_(
    "Our automatic checks read your report, but it does not yet say what happened. What did they do or ask you "
    "for? Please tell us in a message: it is added to the same report."
)
OUT_OF_SCOPE_BY_GUARD = N_(
    "Thank you for telling us. This report is outside what we look into: we act on concrete "
    "approaches made to you or to the organisation, not on who a person is or what they lawfully "
    "say or believe."
)
_ACTING = N_("We are acting on it.")
_THANKS_MALICIOUS = N_("Thank you for reporting it: your report helped protect others.")
_SUSPICIOUS = N_("We could not confirm that this was malicious, but it is suspicious and we are keeping watch.")
_SPAM = N_("This was spam or a scam sent to many people: it is not genuine, and it was not aimed at you.")
_SPAM_ADVICE = N_("Delete it, and do not reply, pay or send any details. If you already did, tell your security team.")
_BENIGN = N_("We checked this and it is genuine: you can treat it as normal.")
_BENIGN_THANKS = N_("Thank you for checking with us; reporting when unsure is exactly right.")

# What to do if the reporter already acted on it, by what the approach was: a found USB stick is
# plugged in, not clicked; a person at a conference is talked to, not replied to by mail.
_ADVICE_BY_KIND = {
    "technical_surveillance": N_("If it was plugged in, switched on or connected, tell your security team."),
    "physical_approach": N_("If you gave them access or anything else, tell your security team."),
    "elicitation": N_("If you already shared information, tell your security team: you are not in trouble."),
    "inducement": N_("If you already accepted something or agreed to meet, tell your security team."),
}
_ADVICE = N_("If you clicked a link, opened an attachment or replied, tell your security team.")


def number(n: int, language: str = "en") -> str:
    return translation.number(n, language)


def _advice(approach_type: str) -> str:
    return _ADVICE_BY_KIND.get(approach_type, _ADVICE)


def outcome_text(
    verdict: str | None, *, approach_type: str = "", reporters: int = 1, action: str = "", language: str = "en"
) -> str:
    """The outcome of a report once its campaign has a verdict, in the reporter's language.

    `reporters` is how many people reported the campaign; `action` is an
    optional plain sentence about what was done ("The link has been blocked."),
    written by an analyst and passed on as written. With no verdict yet the text
    says the report is still being looked at.
    """
    _ = gettext_for(language)
    action = " ".join(action.split())
    if action:
        action = action[0].upper() + action[1:]
        if action[-1] not in ".!?。؟":
            action += "."
    if verdict == Verdict.MALICIOUS:
        if reporters > 1:
            first = _(_CAMPAIGN.get(approach_type, _CAMPAIGN_ANY)) % {"count": number(reporters, language)}
        else:
            first = _(_ATTEMPT.get(approach_type, _ATTEMPT_ANY))
        return " ".join((first, action or _(_ACTING), _(_THANKS_MALICIOUS)))
    if verdict == Verdict.SUSPICIOUS:
        return " ".join(part for part in (_(_SUSPICIOUS), action, _(_advice(approach_type))) if part)
    if verdict == Verdict.SPAM:
        return " ".join(part for part in (_(_SPAM), action, _(_SPAM_ADVICE)) if part)
    if verdict == Verdict.BENIGN:
        return " ".join(part for part in (_(_BENIGN), action, _(_BENIGN_THANKS)) if part)
    if verdict == Verdict.OUT_OF_SCOPE:
        return _(OUT_OF_SCOPE_BY_GUARD)
    return _(RECEIVED if not verdict else ANALYSED)


def status_text(
    status: str,
    verdict: str | None = None,
    *,
    approach_type: str = "",
    reporters: int = 1,
    action: str = "",
    scope: str = "in_scope",
    language: str = "en",
) -> str:
    """The one line a reporter sees for a report's state, whatever the channel."""
    _ = gettext_for(language)
    if verdict:
        return outcome_text(verdict, approach_type=approach_type, reporters=reporters, action=action, language=language)
    if scope == "out_of_scope":
        return _(OUT_OF_SCOPE_BY_GUARD)
    if scope == "needs_detail" and status == ReportStatus.ANALYSED:
        return _(NEEDS_DETAIL)
    if status == ReportStatus.ANALYSED:
        return _(ANALYSED)
    return _(RECEIVED)
