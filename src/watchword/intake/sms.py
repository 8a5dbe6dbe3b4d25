"""Text messages forwarded to a number the organisation publishes, from an SMS gateway's webhook.

Two formats, each authenticated before anything is read as a report:

* Twilio's: a form-encoded POST signed with `X-Twilio-Signature`, which is
  base64(HMAC-SHA1(auth token, the webhook URL + every parameter's name and
  value, sorted by name)), as Twilio documents it ("Webhooks security").
* A generic JSON one for any other gateway: `X-Watchword-Timestamp` (Unix
  seconds) and `X-Watchword-Signature: sha256=<hex HMAC-SHA256 of
  "<timestamp>." + body>`; a timestamp more than five minutes off is refused,
  so a captured request cannot be replayed later.

The person who forwards a text is a reporter, not a suspect: their number is
sealed as their contact detail and scrubbed from the text before it is
stored, so it never becomes an indicator. The sender of the suspicious
message (when the gateway knows it) and whatever numbers and links the text
holds are analysed like any report's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from watchword import clock, errors
from watchword.analysis.language import detect_language
from watchword.domain import Channel, IncomingReport
from watchword.translation import supported

MAX_BODY_BYTES = 64 * 1024  # Twilio caps a message at 1,600 characters; a JSON one gets room to spare
MAX_TEXT_CHARS = 10_000
MAX_FIELD_CHARS = 200
TIMESTAMP_TOLERANCE_SECONDS = 300
FORWARDER_PLACEHOLDER = "[the forwarding person's number]"
# The forwarder's number is recognised by its last digits, whatever the formatting around them.
_NUMBER_RUN = re.compile(r"\+?\d[\d ()./-]{5,}\d")
_MATCH_TAIL_DIGITS = 9


class BadSignature(errors.Refused):
    """The request is not signed with the configured secret: nothing from it is stored."""


@dataclass(frozen=True, slots=True)
class TextMessage:
    """One forwarded text, as either format carries it."""

    text: str
    forwarder: str = ""  # the number that forwarded it to us: sealed, never an indicator
    sender: str = ""  # the suspicious message's sender (number or handle), when known
    sent_at: str = ""
    app: str = "SMS"
    gateway_id: str = ""  # the gateway's message id, shown to analysts


# -- signatures -----------------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature for a form POST to `url` with `params`."""
    by_name: dict[str, list[str]] = {}
    for name, value in params:
        by_name.setdefault(name, []).append(value)
    signed = url + "".join(name + value for name in sorted(by_name) for value in sorted(by_name[name]))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as configured, and with the default port written or left out (proxies differ)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    variants = [url]
    if parts.hostname and default:
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port is None:
            variants.append(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
        elif parts.port == default:
            variants.append(urlunsplit(parts._replace(netloc=host)))
    return variants


def check_twilio(auth_token: str, url: str, params: list[tuple[str, str]], signature: str) -> None:
    if not auth_token:
        raise errors.NotFound("The Twilio text-message intake is not configured.")
    given = signature.strip().encode()
    for candidate in _url_variants(url):
        if given and hmac.compare_digest(twilio_signature(auth_token, candidate, params).encode(), given):
            return
    raise BadSignature("The X-Twilio-Signature does not match this request.")


def json_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The generic format's X-Watchword-Signature value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_json(secret: str, timestamp: str, body: bytes, signature: str) -> None:
    if not secret:
        raise errors.NotFound("The JSON text-message intake is not configured.")
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature("X-Watchword-Timestamp must be the Unix time in seconds.")
    if abs(clock.now().timestamp() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        raise BadSignature("X-Watchword-Timestamp is more than five minutes from now: check the gateway's clock.")
    expected = json_signature(secret, timestamp, body).encode()
    if not hmac.compare_digest(expected, signature.strip().encode()):
        raise BadSignature("The X-Watchword-Signature does not match this request.")


# -- reading the two formats ---------------------------------------------------------------------


def _field(value: object, limit: int = MAX_FIELD_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise errors.Invalid("Every field of a text-message report must be a string.")
    return " ".join(str(value).split())[:limit]


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errors.Invalid("'text' must be a string.")
    if len(value) > MAX_TEXT_CHARS:
        raise errors.TooLarge(f"The text is longer than {MAX_TEXT_CHARS:,} characters.")
    return value


def from_twilio(params: Mapping[str, str]) -> TextMessage:
    """Twilio's Messaging webhook: `From` forwarded `Body` to our number (`To`).

    Media (MMS pictures) stay with Twilio: their URLs are never fetched, only counted.
    """
    text = _text(params.get("Body", ""))
    media = _field(params.get("NumMedia", ""))
    if media.isdigit() and int(media) > 0:
        text += f"\n[{media} picture(s) sent with the message; kept by the gateway, not fetched]"
    return TextMessage(
        text=text,
        forwarder=_field(params.get("From")),
        app="SMS",
        gateway_id="twilio:" + _field(params.get("MessageSid"), 64),
    )


def from_json(body: bytes) -> TextMessage:
    """{"text": ..., "sender": ..., "sent_at": ..., "reporter": ..., "app": ..., "id": ...}"""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.Invalid("The body is not JSON.") from exc
    if not isinstance(data, dict):
        raise errors.Invalid("The body must be a JSON object with at least 'text'.")
    return TextMessage(
        text=_text(data.get("text")),
        forwarder=_field(data.get("reporter")),
        sender=_field(data.get("sender")),
        sent_at=_field(data.get("sent_at"), 100),
        app=_field(data.get("app"), 50) or "SMS",
        gateway_id=("json:" + _field(data.get("id"), 64)) if data.get("id") else "",
    )


# -- into a report --------------------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def scrub_number(text: str, number: str) -> str:
    """`text` with every writing of `number` (+44 7700 900123, 07700-900123…) replaced."""
    tail = _digits(number)[-_MATCH_TAIL_DIGITS:]
    if len(tail) < 6:
        return text

    def replace(match: re.Match[str]) -> str:
        return FORWARDER_PLACEHOLDER if _digits(match.group()).endswith(tail) else match.group()

    return _NUMBER_RUN.sub(replace, text)


def to_incoming(message: TextMessage) -> IncomingReport:
    """The report: the text as it was sent, who sent it and when as answers, the forwarder sealed."""
    forwarder = message.forwarder
    text = scrub_number(message.text, forwarder) if forwarder else message.text
    answers = {"app": message.app}
    if message.sender:
        sender = scrub_number(message.sender, forwarder) if forwarder else message.sender
        answers["sender"] = sender  # analysis/text.py reads it as a phone number or handle
    if message.sent_at:
        answers["when"] = message.sent_at
    if not text.strip() and not message.sender:
        raise errors.Invalid("The text message is empty.")
    return IncomingReport(
        channel=Channel.SMS,
        text=text,
        answers=answers,
        contact=forwarder or None,
        source_name=message.gateway_id or None,
        language=supported(detect_language(text)),  # a gateway says nothing of the forwarder's language
    )
