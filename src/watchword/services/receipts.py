"""Anonymous receipts: a code to write down and a passphrase, and nothing else about the person.

The code has 100 bits of randomness (20 symbols of Crockford's base32, in
groups of four so that it can be copied by hand) and is shown once. It is
derived from the random nonce of the form's signed challenge with a server
key, which makes a double-clicked or re-sent form give the *same* receipt
instead of a second report and a lost code. Nobody without the page the
reporter had in front of them (and the server key) can compute it.

The passphrase is chosen by the reporter or generated (five words, 40 bits);
only its Argon2id hash is stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import clock, errors
from watchword.config import Settings
from watchword.domain.states import RestrictionSource
from watchword.security import same_secret
from watchword.store.db import Database
from watchword.store.models import Blob, utcnow
from watchword.store.models_reporter import ReporterFile, ReporterReceipt
from watchword.store.upsert import insert_ignore
from watchword.translation import N_

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U to misread
CODE_SYMBOLS = 20  # x 5 bits = 100 bits
GROUP = 4
PASSPHRASE_WORDS = 5
MIN_PASSPHRASE_CHARS = 8
MAX_PASSPHRASE_CHARS = 200
MAX_FAILED_ATTEMPTS = 10
LOCK_MINUTES = 15
SESSION_MAX_RECEIPTS = 20

# 256 short, common, easy-to-spell words: 8 bits each.
WORDS = tuple(
    """
acorn actor adult agent alarm album alley amber angle ankle apple apron arena arrow aspen atlas
audio award bacon badge baker bamboo banjo barn basil basin beach beard bench berry bike bird blade
blank blaze bloom board boat bones book boots bottle brain brave bread brick bridge brush bucket
buddy cabin cable cactus camel candle canoe canvas cargo carpet carrot castle cedar chair chalk
cheese cherry chess chief cider cliff cloud clover coast cobra cocoa comet coral cotton cousin crane
crayon cream crown cube cycle daisy dance delta denim desk diary dinner dolphin donkey dragon drum
eagle earth easel elbow ember engine fabric falcon feast fence fern ferry field finch flame flute
forest fossil fox frost fruit garden garlic gecko giant ginger glass globe glove goose grape gravel
guitar hammer harbor harp hazel helmet hero hill honey horse hotel island ivory jacket jelly jewel
judge juice kayak kettle kiwi ladder lake lamp lantern lemon letter lily lion lizard lunar mango
maple marble meadow melon metal mirror mitten monkey moose motor mountain museum needle nest ocean
olive onion orbit orchid otter oven owl paddle palace panda paper parrot peach pearl pebble pencil
pepper piano pillow pilot pine planet plum pocket pony potato pumpkin puzzle quartz quilt rabbit
radio raven ribbon river robin rocket saddle salmon scarf shadow shell silver sketch sled snail
spoon spring stamp star stone sugar summer sunset swan table tiger timber toast tomato torch tower
tractor train tulip turtle valley velvet violin wagon walnut walrus wheat willow window winter
wizard wolf yacht zebra zipper
""".split()  # noqa: SIM905 - a word list reads best as plain words
)

if len(WORDS) != 256 or len(set(WORDS)) != 256:  # pragma: no cover - a guard for whoever edits the list
    raise RuntimeError(f"receipt word list must hold 256 distinct words, has {len(set(WORDS))}")


def derive_key(secret: bytes, label: str) -> bytes:
    """One purpose, one key: the contact-sealing key is never used directly for anything else."""
    return hmac.new(secret, f"watchword {label} v1".encode(), hashlib.sha256).digest()


def _bits(key: bytes, label: bytes, nonce: bytes) -> int:
    return int.from_bytes(hmac.new(key, label + nonce, hashlib.sha256).digest(), "big")


def code_for(key: bytes, nonce: bytes) -> str:
    value = _bits(key, b"receipt:", nonce)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(CODE_SYMBOLS))


def passphrase_for(key: bytes, nonce: bytes) -> str:
    value = _bits(key, b"passphrase:", nonce)
    return " ".join(WORDS[(value >> (8 * i)) & 255] for i in range(PASSPHRASE_WORDS))


def group(code: str) -> str:
    """`K7QM3XHD...` -> `K7QM-3XHD-...`, for writing down."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str:
    """What a person types back: any case, with or without dashes and spaces, O for 0, I or L for 1."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OILU", "011V"))


def code_hash(code: str) -> str:
    return hashlib.sha256(f"watchword-receipt\x00{normalise_code(code)}".encode()).hexdigest()


def normalise_passphrase(typed: str) -> str:
    # Spacing and case are the usual ways a written-down phrase gets retyped differently.
    return " ".join(typed.split()).casefold()


def hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.receipt_argon2_time_cost,
        memory_cost=settings.receipt_argon2_memory_kib,
        parallelism=1,
        type=Type.ID,
    )


def passphrase_problem(passphrase: str, _: Callable[[str], str] = str) -> str:
    """Why a chosen passphrase cannot be used, or "" when it can; `_` translates it."""
    length = len(normalise_passphrase(passphrase))
    if length < MIN_PASSPHRASE_CHARS:
        return _("Choose a passphrase of at least %(count)s characters, or leave it empty.") % {
            "count": MIN_PASSPHRASE_CHARS
        }
    if length > MAX_PASSPHRASE_CHARS:
        return _("The passphrase can be at most %(count)s characters.") % {"count": MAX_PASSPHRASE_CHARS}
    return ""


def find(session: Session, code: str) -> ReporterReceipt | None:
    return session.scalars(select(ReporterReceipt).where(ReporterReceipt.code_hash == code_hash(code))).first()


def exists(session: Session, code: str) -> bool:
    """Whether a receipt with this code was made (a form already sent)."""
    return session.scalar(select(ReporterReceipt.id).where(ReporterReceipt.code_hash == code_hash(code))) is not None


def hash_passphrase(settings: Settings, passphrase: str) -> str:
    """Argon2id; done before the write transaction opens, so that SQLite's lock is not held for it."""
    return hasher(settings).hash(normalise_passphrase(passphrase))


def passphrase_matches(settings: Settings, receipt: ReporterReceipt, passphrase: str) -> bool:
    try:
        return bool(hasher(settings).verify(receipt.passphrase_hash, normalise_passphrase(passphrase)))
    except (VerificationError, InvalidHashError):
        return False


def create(
    session: Session,
    report_id: int,
    code: str,
    passphrase_hash: str,
    form: str = "",
    generated: bool = False,
    language: str = "",
) -> ReporterReceipt:
    receipt = ReporterReceipt(
        report_id=report_id,
        code_hash=code_hash(code),
        passphrase_hash=passphrase_hash,
        form=form[:40],
        passphrase_generated=generated,
        language=language[:16],
    )
    session.add(receipt)
    session.flush()
    return receipt


@dataclass(frozen=True, slots=True)
class SentFile:
    """A file a reporter sent with their report, its bytes already durable in the blob store."""

    sha256: str
    size: int
    filename: str
    content_type: str


class Written(Protocol):
    """What the intake funnel says it wrote for one report (`intake.submit.Receipt`)."""

    @property
    def report_id(self) -> int: ...

    @property
    def submission_id(self) -> int: ...


def web_report_rows(
    code: str,
    passphrase_hash: str,
    form: str,
    *,
    generated: bool,
    language: str,
    files: Sequence[SentFile],
    restricted: str | None,
) -> Callable[[Session, Sequence[Written]], None]:
    """A web report's own rows, for `submit(..., also=[...])`: its receipt, its files and, when the
    first look found it out of scope, its restriction; written in the report's own transaction, so
    the receipt is shown only once all of it is durable and a failure leaves none of it."""

    def rows(session: Session, written: Sequence[Written]) -> None:
        report_id = written[0].report_id
        # A receipt code already used (the same form sent twice at the same moment) raises
        # IntegrityError here, and the report's rows leave the commit with it: no second sighting.
        create(session, report_id, code, passphrase_hash, form, generated=generated, language=language)
        for sent in files:
            # The same picture sent by two reporters is one blob row: the store's insert-or-nothing,
            # not a read then an add (two processes could both find it missing).
            session.execute(insert_ignore(session, Blob, "sha256").values(sha256=sent.sha256, size=sent.size))
            session.add(
                ReporterFile(
                    report_id=report_id,
                    submission_id=written[0].submission_id or None,
                    sha256=sent.sha256,
                    filename=sent.filename,
                    content_type=sent.content_type,
                    size=sent.size,
                )
            )
        if restricted is not None:
            from watchword.services.followup import mark_restricted

            mark_restricted(session, report_id, restricted, RestrictionSource.INSTANT)
        session.flush()

    return rows


class SignInRefused(errors.Unauthenticated):
    """Wrong code or passphrase, or a paused receipt. The message is safe to show."""


def sign_in(db: Database, settings: Settings, code: str, passphrase: str) -> int:
    """Check a code and passphrase and return the receipt's id; count failures, pause after too many.

    The Argon2id check runs between two short transactions, not inside one:
    on SQLite a write transaction holds the one write lock that intake needs.
    """
    refused = N_("That receipt code and passphrase do not match. Check both and try again.")
    with db.session() as session:
        receipt = find(session, code)
        if receipt is not None:
            session.expunge(receipt)
    now = utcnow()
    if receipt is None:
        # The same answer, in about the same time, for an unknown code and a wrong passphrase.
        hasher(settings).hash("x" * MIN_PASSPHRASE_CHARS)
        raise SignInRefused(refused)
    if receipt.locked_until is not None and _aware(receipt.locked_until) > now:
        raise SignInRefused(N_("This receipt is paused for a few minutes after several wrong passphrases."))
    ok = passphrase_matches(settings, receipt, passphrase)
    with db.write() as session:
        row = session.get(ReporterReceipt, receipt.id)
        if row is None:
            raise SignInRefused(refused)
        if not ok:
            row.failed_attempts += 1
            if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
                row.failed_attempts = 0
                row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        else:
            row.failed_attempts = 0
            row.locked_until = None
            row.last_visit_at = now
    if not ok:
        raise SignInRefused(refused)
    return receipt.id


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


# -- the returning reporter's session: a signed list of receipt ids in a cookie --------


@dataclass(frozen=True, slots=True)
class ReporterSession:
    receipt_ids: tuple[int, ...]
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def session_token(key: bytes, receipt_ids: list[int] | tuple[int, ...], minutes: int) -> str:
    # Newest first, bounded: a shared computer must not accumulate someone's whole history.
    ids = list(dict.fromkeys(receipt_ids))[:SESSION_MAX_RECEIPTS]
    body = _b64(json.dumps({"r": ids, "e": int(clock.time()) + minutes * 60}).encode())
    mac = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest()[:20])
    return f"{body}.{mac}"


def read_session(key: bytes, token: str | None) -> ReporterSession | None:
    if not token or "." not in token or len(token) > 4096:
        return None
    body, mac = token.rsplit(".", 1)
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest()[:20])
    if not same_secret(mac, expected):
        return None
    try:
        data = json.loads(_unb64(body))
        ids = tuple(int(i) for i in data["r"])
        expires = int(data["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires < clock.time() or not ids:
        return None
    return ReporterSession(receipt_ids=ids, expires=expires)
