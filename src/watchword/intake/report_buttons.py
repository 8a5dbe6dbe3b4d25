"""What a mail client's Report button (or a mail system's copy rule) said about the message it sent us.

The buttons themselves need nothing special: each sends the reported message
as an attached .eml or .msg, which the mail channel already submits as a
report of its own (intake/mail.py). What is added here is the reporter's
choice, kept as context beside their submission (sealed with their comment,
shown to analysts, never analysed: it is their opinion, not the attacker's).
Each shape is recognised from what its maker documents (docs/report-buttons.md):

* Microsoft 365 ("User reported message settings", *Message submission format*):
  the report's Subject is `SafetyAPIAction|NetworkMessageId|SenderIp|FromAddress|(Message Subject)`
  with SafetyAPIAction 1 = junk, 2 = not junk, 3 = phishing. Third-party buttons that
  submit to a Microsoft reporting mailbox are asked to use it too.
* KnowBe4's Phish Alert Button, with *Allow users to leave comments and disposition*: the
  person picks one of the three documented dispositions (Phish/Suspicious, Spam/Junk,
  Unknown), written as a "Disposition: …" line of the forwarding mail's text, beside their comment.
* Cofense Reporter: the reporting mail carries Cofense's own X-Cofense… header (X-PhishMe… from
  before the company was renamed); its one button means "suspicious".
* Google Workspace: Gmail's own *Report phishing* goes to Google only. What reaches a mailbox of
  ours is a copy made by an Admin console routing or compliance rule ("Also deliver to"), which
  can add the documented X-Gm-Original-To, X-Gm-Spam and X-Gm-Phishy headers: the copy IS the
  suspicious message (no wrapper), and Gmail's own classification is what is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message

MICROSOFT_ACTIONS = {"1": "junk", "2": "not junk", "3": "phishing"}
# Bounded pieces: a subject is at most a few hundred characters, and nothing here backtracks.
_MICROSOFT_SUBJECT = re.compile(
    r"\A\s*(?P<action>[123])\|(?P<network_id>[0-9A-Fa-f-]{0,64})\|(?P<sender_ip>[0-9A-Fa-f.:]{0,45})\|"
    r"(?P<from>[^|\s]{0,320})\|\((?P<subject>.{0,998})\)\s*\Z",
    re.DOTALL,
)
KNOWBE4_DISPOSITIONS = {"phish/suspicious": "phishing", "spam/junk": "junk", "unknown": "unsure"}
_KNOWBE4_LINE = re.compile(
    r"^[ \t]*(?:email[ \t]+|user[ \t]+)?disposition[ \t]*:[ \t]*"
    r"(phish ?/ ?suspicious|spam ?/ ?junk|unknown)[ \t]*\.?[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_COFENSE_HEADERS = ("x-cofense", "x-phishme")
MAX_SUBJECT_CHARS = 2000
MAX_TEXT_CHARS = 20000  # the disposition line is near the top of the forwarding mail's text


@dataclass(frozen=True, slots=True)
class ButtonReport:
    button: str
    choice: str  # phishing | junk | not junk | unsure | suspicious | spam | not spam
    original_from: str = ""
    original_subject: str = ""
    # Who made the choice: the reporter (a button), or the mail system (a copy rule's classification).
    by_mail_system: bool = False

    def context(self) -> str:
        """One line for the analyst, kept with the reporter's comment."""
        if self.by_mail_system:
            line = f"Copied to us by {self.button}; Gmail had classed it as: {self.choice}."
        else:
            line = f"Reported with {self.button} as: {self.choice}."
        if self.original_from:
            line += f" The button named the sender {self.original_from}."
        return line


def _subject(msg: Message) -> str:
    value = msg.get("subject", "")
    try:
        return str(make_header(decode_header(str(value))))[:MAX_SUBJECT_CHARS]
    except (ValueError, LookupError, UnicodeError):
        return str(value)[:MAX_SUBJECT_CHARS]


def _microsoft(msg: Message) -> ButtonReport | None:
    found = _MICROSOFT_SUBJECT.match(_subject(msg))
    if found is None:
        return None
    return ButtonReport(
        button="a Microsoft 365 Report button",
        choice=MICROSOFT_ACTIONS[found.group("action")],
        original_from=found.group("from"),
        original_subject=found.group("subject"),
    )


def _knowbe4(text: str) -> ButtonReport | None:
    found = _KNOWBE4_LINE.search(text[:MAX_TEXT_CHARS])
    if found is None:
        return None
    label = re.sub(r"\s+", "", found.group(1)).lower()
    return ButtonReport(button="KnowBe4's Phish Alert Button", choice=KNOWBE4_DISPOSITIONS[label])


def _cofense(msg: Message) -> ButtonReport | None:
    if not any(str(name).lower().startswith(_COFENSE_HEADERS) for name in msg):
        return None
    return ButtonReport(button="Cofense Reporter", choice="suspicious")


def _gmail_copy(msg: Message) -> ButtonReport | None:
    phishy, spam = (str(msg.get(name, "") or "").strip() for name in ("x-gm-phishy", "x-gm-spam"))
    if not (phishy or spam) or msg.get("x-gm-original-to") is None:
        return None
    choice = "phishing" if phishy == "1" else "spam" if spam == "1" else "not spam"
    return ButtonReport(button="a Google Workspace routing rule", choice=choice, by_mail_system=True)


def recognise(msg: Message, text: str = "") -> ButtonReport | None:
    """The button and the reporter's choice, when the wrapper's headers (or, for the Phish Alert
    Button, the forwarding mail's own text) say so."""
    return _microsoft(msg) or _knowbe4(text) or _cofense(msg)


def recognise_copy(msg: Message) -> ButtonReport | None:
    """A mail system's copy of a suspicious message (no wrapper): what the system had made of it."""
    return _gmail_copy(msg)


def with_choice(msg: Message, comment: str) -> str:
    """The reporter's comment, with what their button said above it (if anything)."""
    report = recognise(msg, comment)
    if report is None:
        return comment
    return report.context() + ("\n\n" + comment if comment.strip() else "")
