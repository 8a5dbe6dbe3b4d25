"""Synthetic campaign mail: personalised copies of three lures, and a mailing-list thread."""

from __future__ import annotations

import base64
import quopri
import random

NAMES = ["Alice Martin", "Bogdan Nowak", "Chiara Rossi", "Dmitri Ivanov", "Eva Lindqvist", "Farah Haddad"]

LURES = {
    "payroll": (
        "Action required: payroll update",
        "Dear {name},\n\nOur records show your salary payment of EUR {amount} on {date} could not be processed.\n"
        "Please confirm your bank details through the HR portal before Friday, otherwise the transfer "
        "will be delayed until the next cycle.\n\n{url}\n\nHuman Resources Department\n",
        "https://hr-portal-payroll.xyz/confirm?uid={token}",
    ),
    "parcel": (
        "Your parcel is waiting",
        "Hello {name},\n\nWe tried to deliver parcel {amount} on {date} but nobody was home. A customs fee "
        "must be settled before we can schedule a new delivery slot for your shipment.\n\n{url}\n\n"
        "Customer service team\n",
        "https://parcel-fees-now.xyz/pay?ref={token}",
    ),
    "mailbox": (
        "Mailbox storage almost full",
        "Hi {name},\n\nYour mailbox has reached 98% of its quota and incoming messages will be rejected "
        "from {date}. Verify your account now to receive {amount} MB of extra storage at no cost.\n\n{url}\n\n"
        "IT Service Desk\n",
        "https://mail-quota-upgrade.xyz/verify?u={token}",
    ),
}


def make_email(lure: str, rng: random.Random, encoding: str = "8bit", reorder: bool = False) -> bytes:
    subject, body, url = LURES[lure]
    name = rng.choice(NAMES)
    text = body.format(
        name=name,
        amount=rng.randrange(100, 99999),
        date=f"{rng.randrange(1, 28)}.{rng.randrange(1, 12)}.2025",
        url=url.format(token="".join(rng.choice("abcdef0123456789") for _ in range(16))),
    )
    if encoding == "base64":
        payload, cte = base64.encodebytes(text.encode()).decode(), "base64"
    elif encoding == "qp":
        payload, cte = quopri.encodestring(text.encode()).decode(), "quoted-printable"
    else:
        payload, cte = text, "8bit"
    first, last = name.split()
    headers = [
        f"From: Notifications <notify@{lure}-sender.example>",
        f"To: {name} <{first.lower()}.{last.lower()}@corp.example>",
        f"Subject: {subject}",
        f"Message-ID: <{rng.randrange(10**12)}@{lure}-sender.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Transfer-Encoding: {cte}",
    ]
    if reorder:
        rng.shuffle(headers)
    return ("\r\n".join(headers) + "\r\n\r\n" + payload).encode()


def list_post(
    subject: str,
    body: str,
    sender: str,
    message_id: str,
    references: str = "",
    list_id: str = "<talk.lists.example.org>",
) -> bytes:
    headers = [
        f"From: {sender}",
        "To: talk@lists.example.org",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        f"List-Id: Talk {list_id}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if references:
        headers.append(f"References: {references}")
        headers.append(f"In-Reply-To: {references.split()[-1]}")
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def sorting_thread(number: int) -> list[bytes]:
    """A question and two replies on one list, under a one-word subject; ids start with `number`."""
    root = f"{number}01.a@a.example"
    return [
        list_post("Sorting", "How do you sort folders by date in the viewer?", "ann@a.example", root),
        list_post(
            "Re: Sorting",
            "The pick command does it, see the manual page.",
            "bo@b.example",
            f"{number}02.b@b.example",
            references=f"<{root}>",
        ),
        list_post(
            "Re: Sorting",
            "Thanks, that worked after a restart.",
            "ann@a.example",
            f"{number}03.a@a.example",
            references=f"<{root}> <{number}02.b@b.example>",
        ),
    ]
