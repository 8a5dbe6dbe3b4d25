"""A real local SMTP server (aiosmtpd) standing in for the relay: it keeps every message it is given."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import reserved_port


@dataclass
class Sink:
    """Every message the relay was given: (envelope sender, recipients, parsed message)."""

    port: int
    received: list[tuple[str, list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=default_policy)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for _, rcpts, m in self.received if address in rcpts]


@contextmanager
def running_sink() -> Iterator[Sink]:
    with reserved_port() as port:
        sink = Sink(port=port)
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port, server_hostname="sink.test")
        controller.start()
        try:
            yield sink
        finally:
            controller.stop()


REPORT_TO = "report@watchword.test"


def replying_to(sink: Sink) -> dict[str, Any]:
    """Settings under which mail reporters get replies, relayed to `sink`, from REPORT_TO."""
    return {
        "smtp_addresses": (REPORT_TO,),
        "reply_from": f"Watchword <{REPORT_TO}>",
        "relay_host": "127.0.0.1",
        "relay_port": sink.port,
    }


# Every header a reply of ours may carry: none comes from the reported mail or its reporter.
OUR_REPLY_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "auto-submitted",
        "x-auto-response-suppress",
        "list-unsubscribe",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
        "content-language",  # the language the reply is written in, never a value from the reported mail
    }
)
