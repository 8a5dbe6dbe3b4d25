"""Safeguards every layer may use, below services/ and intake/: sealing contact details,
rate limits, and redaction of names and addresses before anything is shared."""

from __future__ import annotations

import hmac


def same_secret(given: str, expected: str) -> bool:
    """Compare a secret someone sent with the one expected, in constant time.

    `hmac.compare_digest` raises TypeError on a str with a non-ASCII character, and what people
    send (a form field, a cookie, a token in a URL) can hold any character: comparing the UTF-8
    bytes turns such a value into a plain mismatch instead of a server error."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
