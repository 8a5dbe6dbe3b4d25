"""A title for a report (and a new campaign) with no subject: the approach and the main act, from the analysis.

Web, SMS and in-person reports have no subject line, and "(no subject)" in
the queue tells an analyst nothing. The title is made of what the analysis
concluded ("Elicitation — questions were asked about work, colleagues,
security or access"), never of the reporter's words: `reports.subject` is
stored in plain text and listed everywhere, while their words are sealed.
"""

from __future__ import annotations

import re

from watchword.domain import Analysis, ApproachType, Scope

MAX_TITLE = 120

APPROACH_NAMES: dict[str, str] = {
    ApproachType.CREDENTIAL_PHISHING: "Credential phishing",
    ApproachType.MALWARE_DELIVERY: "Malware delivery",
    ApproachType.INVOICE_OR_PAYMENT_FRAUD: "Payment fraud",
    ApproachType.FAKE_RECRUITMENT: "Fake recruitment",
    ApproachType.ELICITATION: "Elicitation",
    ApproachType.INDUCEMENT: "Inducement",
    ApproachType.FAKE_PROFILE_OR_IMPERSONATION: "Impersonation",
    ApproachType.TECHNICAL_SURVEILLANCE: "Technical surveillance",
    ApproachType.PHYSICAL_APPROACH: "Physical approach",
    ApproachType.EXTORTION: "Extortion",
    ApproachType.SCAM_OR_SPAM: "Scam or spam",
}


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# A report the scope guard did not take is titled by that outcome alone: its reason quotes the
# reporter's words about a person, which must not reach a plain-text subject either.
SCOPE_TITLES = {
    Scope.OUT_OF_SCOPE: "Out of scope — no act done to the reporter is described",
    Scope.NEEDS_DETAIL: "Needs detail — no act is described yet",
}
_QUOTED = re.compile(r'\s*\(?"[^"]*"\)?')


def _act_name(reason: str) -> str:
    """A reason without the reporter's words it quotes: 'asked about work…: "who leads the
    team"' names the act, and the quote after it is sealed text that a plain title would leak."""
    name = _QUOTED.sub("", reason.split(': "', 1)[0])
    return " ".join(name.split())


def report_title(analysis: Analysis) -> str:
    """The subject when there is one; else the approach and the main act; else ''."""
    subject = " ".join(analysis.subject.split())
    if subject:
        return subject[:500]
    if analysis.scope in SCOPE_TITLES:
        return SCOPE_TITLES[Scope(analysis.scope)]
    approach = APPROACH_NAMES.get(analysis.approach_type, "")
    act = _act_name(analysis.reasons[0]) if analysis.reasons else ""
    if approach and act:
        return _cut(f"{approach} — {act}", MAX_TITLE)
    return _cut(approach or act, MAX_TITLE)
