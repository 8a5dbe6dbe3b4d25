"""Reporter contact details are sealed with AES-GCM before they reach the store."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"  # lets a later key rotation or algorithm change tell old seals apart
_AAD = b"watchword contact v1"


def seal(key: bytes, plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _AAD)


def unseal(key: bytes, sealed: bytes) -> str:
    if not sealed or sealed[:1] != _VERSION:
        raise ValueError("unknown sealed-contact format")
    nonce, body = sealed[1:13], sealed[13:]
    return AESGCM(key).decrypt(nonce, body, _AAD).decode("utf-8")
