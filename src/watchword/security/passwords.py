"""Argon2id for analysts' passwords: one hasher per process, its cost taken from the settings.

The defaults are argon2-cffi's, RFC 9106's "low memory" profile (64 MiB, t=3, p=4): about
50 ms of a core per hash, slow for a guesser and fine for a sign-in. `open_runtime` applies
the settings (`password_argon2_time_cost`, `password_argon2_memory_kib`), so every process
that opens a runtime hashes with them. The test suite lowers them (tests/support/settings.py):
hundreds of tests create and sign in accounts, and at 64 MiB each hash was most of such a
test's time; one test keeps the production cost (tests/services/test_accounts.py).

A stored hash carries its own parameters, so a hash made at another cost still verifies, and
a successful sign-in re-hashes it at the configured cost (`needs_rehash`).
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher

DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_KIB = 64 * 1024
PARALLELISM = 4

_hasher = PasswordHasher(time_cost=DEFAULT_TIME_COST, memory_cost=DEFAULT_MEMORY_KIB, parallelism=PARALLELISM)


def configure(time_cost: int, memory_kib: int) -> None:
    """Hash this process's passwords at this cost from now on (a no-op when it is the current one)."""
    global _hasher
    if (time_cost, memory_kib) != (_hasher.time_cost, _hasher.memory_cost):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM)


def hasher() -> PasswordHasher:
    return _hasher


@functools.cache
def _dummy(time_cost: int, memory_kib: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM).hash(
        "watchword: no such user"
    )


def dummy_hash() -> str:
    """Verified against when the username does not exist, at the current cost, so that a wrong
    name costs the same time as a wrong password and names cannot be probed. Made on first use:
    a process that never signs anyone in never pays for it."""
    return _dummy(_hasher.time_cost, _hasher.memory_cost)
