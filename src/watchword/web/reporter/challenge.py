"""A stateless, signed challenge on every report form, and its proof of work.

The form page carries a token `1.<issued>.<bits>.<nonce>.<mac>`. With
JavaScript on, `static/reporter.js` finds a number `s` such that
SHA-256(`token:s`) starts with `bits` zero bits while the person is still
typing (~65,000 hashes at 16 bits: well under a second on a phone), so they do
not notice it; a bot pays it for every single report. The server checks it
with one HMAC and one hash, and keeps no state: the token's own signature
says it is ours, its age says whether it is fresh.

Without JavaScript (Tor Browser's safest mode) there is no proof; such a form
must have been open for a few seconds, which a person filling it in always
exceeds, and it counts against a tighter limit of its own. A form sent back to
the person (too fast, or for any other reason) keeps its first token, so the
wait counts from the first render, and carries a signed resend mark: a person is
refused for speed at most once (issue 15, item 10).

The nonce also seeds the receipt code (services/receipts.py): one form gives
one receipt, however often it is sent.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
from dataclasses import dataclass

from watchword import clock
from watchword.security import same_secret

VERSION = "1"
MAX_SOLUTION_CHARS = 24


class Check(enum.Enum):
    SOLVED = "solved"  # valid, fresh, proof of work done
    UNSOLVED = "unsolved"  # valid, old enough, no proof: the no-JavaScript path
    TOO_FRESH = "too_fresh"  # no proof and sent faster than a person could
    EXPIRED = "expired"
    INVALID = "invalid"  # not ours, tampered with, or a wrong proof


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    issued: int
    bits: int
    nonce: bytes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest()[:16])


def issue(key: bytes, bits: int, now: float | None = None) -> Challenge:
    issued = int(now if now is not None else clock.time())
    nonce = os.urandom(16)
    body = f"{VERSION}.{issued}.{bits}.{_b64(nonce)}"
    return Challenge(token=f"{body}.{_mac(key, body)}", issued=issued, bits=bits, nonce=nonce)


def parse(key: bytes, token: str) -> Challenge | None:
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    body = ".".join(parts[:4])
    if not same_secret(parts[4], _mac(key, body)):
        return None
    try:
        issued, bits = int(parts[1]), int(parts[2])
        nonce = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
    except ValueError:
        return None
    return Challenge(token=token, issued=issued, bits=bits, nonce=nonce)


def resend_mark(key: bytes, token: str) -> str:
    """The mark a form sent back to the person carries: its next send is never refused for speed."""
    return _mac(key, f"resend|{token}")


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def is_solution(token: str, solution: str, bits: int) -> bool:
    if not solution or len(solution) > MAX_SOLUTION_CHARS or not solution.isdigit():
        return False
    return leading_zero_bits(hashlib.sha256(f"{token}:{solution}".encode()).digest()) >= bits


def solve(token: str, bits: int) -> str:
    """What the browser script does; used by tests and by scripted reporters."""
    counter = 0
    while not is_solution(token, str(counter), bits):
        counter += 1
    return str(counter)


def check(
    key: bytes,
    token: str,
    solution: str,
    min_bits: int,
    max_age: float,
    nojs_min_age: float,
    now: float | None = None,
    resend: str = "",
) -> tuple[Check, Challenge | None]:
    challenge = parse(key, token)
    if challenge is None:
        return Check.INVALID, None
    now = now if now is not None else clock.time()
    age = now - challenge.issued
    if age > max_age or age < -60:  # a minute of clock skew between processes is tolerated
        return Check.EXPIRED, challenge
    if solution:
        # Difficulty is the one signed into the token, but never below today's setting.
        if is_solution(token, solution, max(challenge.bits, min_bits)):
            return Check.SOLVED, challenge
        return Check.INVALID, challenge
    if age < nojs_min_age and not (resend and same_secret(resend, resend_mark(key, token))):
        return Check.TOO_FRESH, challenge
    return Check.UNSOLVED, challenge
