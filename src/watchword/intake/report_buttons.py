"""What a mail client's Report button said about the message it sent us.

The buttons themselves need nothing special: each sends the reported message
as an attached .eml or .msg, which the mail channel already submits as a
report of its own (intake/mail.py). What is added here is the reporter's
choice, kept as context beside their submission (sealed with their comment,
shown to analysts, never analysed: it is their opinion, not the attacker's).

Microsoft 365 documents the one machine-readable shape ("User reported
message settings", *Message submission format*): the report's Subject is

    SafetyAPIAction|NetworkMessageId|SenderIp|FromAddress|(Message Subject)

with SafetyAPIAction 1 = junk, 2 = not junk, 3 = phishing. Third-party
buttons that submit to a Microsoft custom mailbox are asked to use it too.
Other buttons (KnowBe4's Phish Alert Button, Cofense Reporter, Gmail
add-ons) attach the original with a subject of the administrator's choosing:
see docs/report-buttons.md.
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
MAX_SUBJECT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ButtonReport:
    button: str
    choice: str  # phishing | junk | not junk
    original_from: str = ""
    original_subject: str = ""

    def context(self) -> str:
        """One line for the analyst, kept with the reporter's comment."""
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


def recognise(msg: Message) -> ButtonReport | None:
    """The button and the reporter's choice, when the wrapper's headers say so."""
    found = _MICROSOFT_SUBJECT.match(_subject(msg))
    if found is None:
        return None
    return ButtonReport(
        button="a Microsoft 365 Report button",
        choice=MICROSOFT_ACTIONS[found.group("action")],
        original_from=found.group("from"),
        original_subject=found.group("subject"),
    )


def with_choice(msg: Message, comment: str) -> str:
    """The reporter's comment, with what their button said above it (if anything)."""
    report = recognise(msg)
    if report is None:
        return comment
    return report.context() + ("\n\n" + comment if comment.strip() else "")
