"""What reporters told us about themselves and in their own words is sealed (AES-GCM) before it
reaches the store: contact details, the words of each submission, free-text answers, the
comment above a forwarded message, and the messages of the reporter thread.

The key is the runtime's secret key (`Settings.secret_key`: an environment variable or a key
file that can live outside the data directory). Each kind of content has its own associated
data, so a sealed contact cannot be passed off as a thread message or the other way round.
Sessions opened by a runtime carry the key (`key_of`), so that the services that write or read
sealed columns need no extra parameter.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

_VERSION = b"\x01"  # lets a later key rotation or algorithm change tell old seals apart
_AAD = b"watchword contact v1"
WORDS = b"watchword reporter words v1"  # a submission's text and answers, free-text answers
THREAD = b"watchword thread message v1"
COMMENT = b"watchword forwarding comment v1"

SESSION_KEY = "sealing_key"  # Session.info entry: a callable returning the key


def seal(key: bytes, plaintext: str, purpose: bytes = _AAD) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), purpose)


def unseal(key: bytes, sealed: bytes, purpose: bytes = _AAD) -> str:
    if not sealed or sealed[:1] != _VERSION:
        raise ValueError("unknown sealed-contact format")
    nonce, body = sealed[1:13], sealed[13:]
    return AESGCM(key).decrypt(nonce, body, purpose).decode("utf-8")


def seal_json(key: bytes, value: Any, purpose: bytes = WORDS) -> bytes:
    return seal(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")), purpose)


def unseal_json(key: bytes, sealed: bytes, purpose: bytes = WORDS) -> Any:
    return json.loads(unseal(key, sealed, purpose))


def seal_text(key: bytes, plaintext: str, purpose: bytes) -> str:
    """Sealed, as text: for a value kept inside a JSON document (the analysis result)."""
    return base64.b64encode(seal(key, plaintext, purpose)).decode("ascii")


def unseal_text(key: bytes, sealed: str, purpose: bytes) -> str:
    return unseal(key, base64.b64decode(sealed), purpose)


def key_of(session: Session) -> bytes:
    """The sealing key of the runtime that opened this session."""
    source: Callable[[], bytes] | None = session.info.get(SESSION_KEY)
    if source is None:
        raise RuntimeError("this session was not opened by a runtime: no sealing key")
    return source()
