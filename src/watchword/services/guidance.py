"""What a reporter should do right now, and what the first look at their report found.

The texts are plain English marked with `N_` so that Babel extracts them;
pages translate them when they render (`_(text)`), so a catalogue for another
language changes what people read without touching this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchword.analysis.scope import explanation_parts, out_of_scope_explanation
from watchword.domain import Analysis
from watchword.services.findings import translated_findings
from watchword.translation import DEFAULT_LANGUAGE, N_, gettext_for, supported

__all__ = ["N_", "FirstLook", "first_look", "steps_for"]


# Steps for every guided form, most urgent first. Conditional steps below are
# added when an answer says the reporter already clicked, replied or plugged in.
STEPS: dict[str, list[str]] = {
    "email": [
        N_("Do not click links or open attachments in the message."),
        N_("Do not reply, and do not forward it to colleagues to ask what they think."),
        N_("You can delete it now: we have a copy."),
    ],
    "social": [
        N_("Do not reply, and do not accept any request or invitation from this contact."),
        N_("Take screenshots if you have not yet, then block and report the account on the platform."),
        N_("Do not click links they sent or open files from them."),
    ],
    "in_person": [
        N_(
            "Write down now what you remember: the date, the place, what was asked or offered, what they said "
            "about themselves."
        ),
        N_(
            "Do not agree to meet again, and do not give them anything, until you have talked to your security contact."
        ),
        N_("Keep any business card, gift or message they gave you."),
    ],
    "device": [
        N_("Do not plug it in, switch it on, charge it or connect it to anything."),
        N_("Keep it unplugged, put it somewhere nobody will use it, and hand it to your security team."),
        N_("Do not throw it away: it may be evidence."),
    ],
    "visitor": [
        N_("Do not confront the person. If you feel unsafe, go somewhere safe and call for help."),
        N_("Tell reception or your security team now, so that they can check on it while it matters."),
        N_("Write down the time, the place and what you saw."),
    ],
    "other": [
        N_("Do not reply to, click, open or plug in anything connected with it."),
        N_("Keep what you have (messages, screenshots, objects): it may help."),
    ],
}

IF_TYPED = N_(
    "You said you typed a password or a code: change that password now from a device you trust, and tell "
    "your IT help desk today. That is not your fault; telling us quickly is exactly right."
)
IF_CLICKED = N_(
    "You said you clicked a link or opened a file: do not type anything into what opened, and tell your IT "
    "help desk today. That is not your fault; telling us quickly is exactly right."
)
IF_REPLIED = N_(
    "You said you replied: do not write again or send anything. If they answer, do not reply; "
    "add it to your report with your receipt instead."
)
IF_PLUGGED = N_(
    "You said it was plugged in or used: unplug that computer from the network and tell your IT help desk today."
)
IF_SHARED = N_(
    "You said you shared information or accepted something: tell your security contact soon. "
    "You are not in trouble; approaches like this are made to be hard to spot."
)
WHO_TO_TELL = N_("If you are in immediate danger, call the emergency services first.")

# Answer values (see web/reporter/forms.py) that mean the reporter already acted on the approach.
TYPED_ANSWERS = frozenset({"typed_password"})
CLICKED_ANSWERS = frozenset({"clicked", "opened"})
REPLIED_ANSWERS = frozenset({"replied"})  # "I replied, but shared nothing": no password to change
PLUGGED_ANSWERS = frozenset({"plugged_in", "used"})
SHARED_ANSWERS = frozenset({"shared", "accepted"})

OUT_OF_SCOPE_ELSEWHERE = [
    N_(
        "If someone has been treated unfairly or you fear for someone's safety, talk to your manager, your "
        "human resources team or an ombudsperson."
    ),
    N_("If a crime is happening or someone is in danger, contact the police."),
    N_(
        "If someone did approach you (asked you questions, offered you something, sent you something), "
        "report that approach itself and leave out who the person is or what they believe."
    ),
]


@dataclass(frozen=True, slots=True)
class FirstLook:
    """The instant assessment shown on the thank-you page."""

    steps: list[str]
    # Sentences from the pipeline's reasons: plain English text on English pages, else markup in the
    # page's language with the values (domains, quoted words) isolated in <bdi> (services/findings.py).
    findings: list[str] = field(default_factory=list)
    likely_type: str = ""
    out_of_scope: bool = False
    scope_reason: str = ""
    needs_detail: bool = False  # the reporter is asked "What did they do or ask you for?"


def steps_for(form: str, answers: dict[str, str]) -> list[str]:
    steps = list(STEPS.get(form, STEPS["other"]))
    values = set(answers.values())
    if values & REPLIED_ANSWERS:
        steps.insert(0, IF_REPLIED)
    if values & CLICKED_ANSWERS:
        steps.insert(0, IF_CLICKED)
    if values & TYPED_ANSWERS:
        steps.insert(0, IF_TYPED)
    if values & PLUGGED_ANSWERS:
        steps.insert(0, IF_PLUGGED)
    if values & SHARED_ANSWERS:
        steps.insert(0, IF_SHARED)
    steps.append(WHO_TO_TELL)
    return steps


# The verbs classify.py's reasons start with when the message itself is the subject.
_MESSAGE_VERBS = frozenset(
    {"asks", "pushes", "threatens", "promises", "tells", "is", "offers", "reads", "greets", "contains", "links"}
    | {"hides", "carries", "has", "uses", "mentions", "names", "disguises"}
)
# "links pass through redirects": there "links" is the subject, followed by its own verb.
_SUBJECT_VERBS = frozenset({"go", "pass", "were", "are", "was", "is", "show", "shows"})


def _sentence(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        return ""
    # Pipeline reasons are lower-case fragments: some have a subject ("replies go to a free-mail
    # address", "questions were asked"), some start with the message's verb ("asks to verify your
    # login"). Only the second kind gets "It"; a plural noun that merely ends in "s" does not.
    words = reason.split()
    if words[0] == "sent":
        text = "It was " + reason
    elif words[0] in _MESSAGE_VERBS and (len(words) < 2 or words[1] not in _SUBJECT_VERBS):
        text = "It " + reason
    else:
        text = reason[0].upper() + reason[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def scope_explanation(scope_reason: str, language: str = "") -> str:
    """The scope guard's reason for turning a report away, told again in the reporter's language."""
    grounds, about_a_person = explanation_parts(scope_reason)
    return out_of_scope_explanation(grounds, about_a_person, gettext_for(language))


def first_look(
    form: str, answers: dict[str, str], analysis: Analysis | None, max_findings: int = 3, language: str = ""
) -> FirstLook:
    steps = steps_for(form, answers)
    if analysis is None:
        return FirstLook(steps=steps)
    if analysis.scope == "out_of_scope":
        reason = scope_explanation(analysis.scope_reason, language) if analysis.scope_reason else ""
        return FirstLook(steps=[], out_of_scope=True, scope_reason=reason)
    if analysis.scope == "needs_detail":
        return FirstLook(steps=steps, needs_detail=True)
    findings: list[str] = []
    # Findings only when the first look is fairly sure: a wrong "this is phishing" is worse than none.
    if analysis.risk >= 0.5:
        shown = analysis.reasons[:max_findings]
        if (supported(language) or DEFAULT_LANGUAGE) == DEFAULT_LANGUAGE:
            findings = [s for s in (_sentence(r) for r in shown) if s]
        else:
            # Only the reasons that have a sentence in the page's language (services/findings.py);
            # the others are left out there, never shown in English on a page in another language.
            findings = translated_findings(shown, language, TYPE_NAMES)
    likely = analysis.approach_type if analysis.risk >= 0.5 and analysis.approach_type != "benign" else ""
    return FirstLook(steps=steps, findings=findings, likely_type=likely)


# How each approach type is named to a reporter.
TYPE_NAMES: dict[str, str] = {
    "credential_phishing": N_("an attempt to steal a password or login"),
    "malware_delivery": N_("an attempt to get malicious software onto your device"),
    "invoice_or_payment_fraud": N_("payment or invoice fraud"),
    "fake_recruitment": N_("a fake job, consulting or research offer"),
    "elicitation": N_("an attempt to get sensitive or non-public information"),
    "inducement": N_("an offer of gifts, money, travel or favours"),
    "fake_profile_or_impersonation": N_("a fake profile or someone pretending to be someone else"),
    "technical_surveillance": N_("a device that may be used for surveillance"),
    "physical_approach": N_("an attempt to get in, watch or follow"),
    "extortion": N_("extortion"),
    "scam_or_spam": N_("a scam or spam"),
}
