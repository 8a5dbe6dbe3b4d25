"""Analyst accounts: passwords, sessions, login throttling, TOTP, API tokens.

Plain functions over a SQLAlchemy session, called the same way by the console,
the CLI and tests. Every mutation writes an audit event in the caller's
transaction, so the event and the change commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from watchword import errors
from watchword.security import passwords as hashing
from watchword.security import same_secret
from watchword.security.sealing import seal, unseal
from watchword.store import audit
from watchword.store.models import utcnow
from watchword.store.models_people import ROLES, TOKEN_SCOPES, ApiToken, LoginFailure, User, UserSession

# Argon2id at the cost the settings give (security/passwords.py: RFC 9106's "low memory"
# profile unless changed); an unknown username is verified against a dummy hash at the same cost.

MIN_PASSWORD = 12
SESSION_HOURS = 12  # absolute lifetime: an analyst signs in once a working day
IDLE_MINUTES = 120  # an unattended console signs itself out
TOUCH_MINUTES = 5  # last_seen is written at most this often: reads must not queue for the writer
# -- sign-in throttling ---------------------------------------------------------
# The design, and why (issue 11: five wrong passwords locked the real user out for
# 15 minutes, so anyone could lock anyone out; four wrong TOTP codes, a fresh
# password sign-in, four more, without end):
#
# * Per (account, client): the first few failures are free (typos), then each
#   further attempt from that client on that account waits twice as long as the
#   one before (1 s, 2 s, 4 s ... up to the window). It slows a guesser down; it
#   does not touch the same account from any other client, so it locks nobody out.
# * Per client, all accounts: MAX_FAILURES_PER_IP per window against spraying one
#   common password over many accounts. Only that client is refused.
# * Per account, all clients: past ACCOUNT_ATTACK_FAILURES failures in the window the
#   account is under attack (a botnet spreads its guesses over many addresses). From
#   then on a password alone does not sign in from a browser we have not seen sign in
#   to this account before: the password and a current TOTP code must come together,
#   and every other answer is the same refusal, right password or not. Guessing
#   therefore stops teaching the guesser anything, while the real user still gets in:
#   from their usual browser (it holds a signed "known device" cookie from an earlier
#   sign-in, see `device_token`), or from a new one with password + code.
#   An account without TOTP can only come in from a known browser during an attack:
#   the console says so, and enrolling TOTP is the remedy.
# * TOTP codes: at most MAX_TOTP_FAILURES wrong codes per account per window, counted
#   from their own rows (kind "totp"); no password sign-in clears them.
THROTTLE_WINDOW = dt.timedelta(minutes=15)
FREE_FAILURES_PER_CLIENT = 3
MAX_FAILURES_PER_IP = 30
ACCOUNT_ATTACK_FAILURES = 20
MAX_TOTP_FAILURES = 5
DEVICE_DAYS = 180
TOKEN_PREFIX = "ww_"  # noqa: S105 - a marker that makes leaked tokens findable, not a secret


class AccountError(errors.Invalid):
    """A refusal whose message is safe to show to the person asking."""


class Throttled(errors.Throttled, AccountError):
    pass


class AccountNotFound(errors.NotFound, AccountError):
    pass


class AccountConflict(errors.Conflict, AccountError):
    pass


class SignInFailed(errors.Unauthenticated, AccountError):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in person or a machine token."""

    username: str
    role: str  # admin | analyst | viewer | submit (a submit-only token) | writer (a TAXII write token)
    user_id: int | None = None
    session_hash: str = ""
    csrf_token: str = ""
    token_id: int | None = None
    has_totp: bool = False  # a session's account has two-factor sign-in turned on

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "analyst")

    @property
    def can_see_contacts(self) -> bool:
        # Viewers are read-only observers; contact details are for those who act on them.
        return self.role in ("admin", "analyst")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _aware(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# -- users -------------------------------------------------------------------


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD} characters.")
    if len(password) > 1024:
        raise AccountError("That password is too long.")


def add_user(session: Session, username: str, password: str, role: str, actor: str) -> User:
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("A username is 1 to 100 characters without spaces.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    check_password_policy(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountConflict(f"The user {username!r} already exists.")
    user = User(username=username, role=role, password_hash=hashing.hasher().hash(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "user", user.id, {"username": username, "role": role})
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountNotFound(f"No user {username!r}.")
    return user


def set_password(session: Session, username: str, password: str, actor: str) -> None:
    check_password_policy(password)
    user = get_user(session, username)
    user.password_hash = hashing.hasher().hash(password)
    user.password_changed_at = utcnow()
    # A new password ends every existing session: that is usually why it changed.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, "user.passwd", "user", user.id, {"username": username})


def set_disabled(session: Session, username: str, disabled: bool, actor: str) -> None:
    user = get_user(session, username)
    user.disabled = disabled
    if disabled:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, "user.disable" if disabled else "user.enable", "user", user.id, {"username": username})


def set_role(session: Session, username: str, role: str, actor: str) -> None:
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    user = get_user(session, username)
    user.role = role
    audit.record(session, actor, "user.role", "user", user.id, {"username": username, "role": role})


# -- signing in ----------------------------------------------------------------


def _failures(session: Session, since: dt.datetime, *where: Any) -> tuple[int, dt.datetime | None]:
    """How many failures match, and when the last one was."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at > since, *where)
    ).one()
    return int(count or 0), _aware(last) if last is not None else None


def client_delay(failures: int) -> float:
    """Seconds a client must wait after its last failure on one account, after `failures` of them."""
    if failures < FREE_FAILURES_PER_CLIENT:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES_PER_CLIENT), THROTTLE_WINDOW.total_seconds()))


def device_token(key: bytes, username: str) -> str:
    """The "known device" cookie a browser gets when it signs in to `username`: an HMAC
    with an expiry, no database row. It only exempts that browser from the account-wide
    attack mode; every other limit still applies to it."""
    until = int((utcnow() + dt.timedelta(days=DEVICE_DAYS)).timestamp())
    mac = hmac.new(key, f"device\x00{username}\x00{until}".encode(), hashlib.sha256).hexdigest()
    return f"{until}.{mac}"


def known_device(key: bytes, username: str, token: str) -> bool:
    until, _, mac = token.partition(".")
    if not until.isdigit() or len(until) > 12 or int(until) < utcnow().timestamp():
        return False
    expected = hmac.new(key, f"device\x00{username}\x00{until}".encode(), hashlib.sha256).hexdigest()
    return same_secret(mac, expected)


class UnderAttack(Throttled):
    """The account is under attack and this browser is new to it: password and code together."""


def check_credentials(
    session: Session,
    username: str,
    password: str,
    ip: str,
    *,
    totp_code: str = "",
    key: bytes | None = None,
    known: bool = True,
) -> tuple[User, bool]:
    """(the user for these credentials, whether the TOTP code was checked too), or AccountError.
    Failures are throttled and audited (the design is described at THROTTLE_WINDOW above).

    `known` says whether the browser holds this account's known-device cookie; `key`
    (the contact key) and `totp_code` let a new browser through an attack with both factors:
    only then is the code checked here (otherwise the second step asks for it).
    """
    username = username.strip()[:100]
    now = utcnow()
    since = now - THROTTLE_WINDOW
    passwords = LoginFailure.kind == "password"
    by_ip, _ = _failures(session, since, LoginFailure.ip == ip, passwords)
    by_client, last = _failures(session, since, LoginFailure.username == username, LoginFailure.ip == ip, passwords)
    wait = client_delay(by_client)
    ready_at = last + dt.timedelta(seconds=wait) if last is not None else now
    if by_ip >= MAX_FAILURES_PER_IP or ready_at > now:
        audit.record(session, username or "-", "login.throttled", "user", "", {"ip": ip})
        seconds = max(1, math.ceil((ready_at - now).total_seconds())) if ready_at > now else 15 * 60
        unit = "second" if seconds == 1 else "seconds"
        raise Throttled(f"Too many failed sign-ins from here. Wait {seconds} {unit} and try again.")
    by_account, _ = _failures(session, since, LoginFailure.username == username, passwords)
    under_attack = by_account >= ACCOUNT_ATTACK_FAILURES and not known
    user = session.scalar(select(User).where(User.username == username))
    try:
        hashing.hasher().verify(user.password_hash if user is not None else hashing.dummy_hash(), password)
        ok = user is not None and not user.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        session.add(LoginFailure(username=username, ip=ip, kind="password", at=now))
        audit.record(session, username or "-", "login.failed", "user", user.id if user else "", {"ip": ip})
        if under_attack:  # the same answer as for a right password without its code
            raise UnderAttack(UNDER_ATTACK_TEXT)
        raise SignInFailed("Wrong username or password, or the account is disabled.")
    if under_attack:
        if not (user.totp_enabled and key is not None and totp_code.strip()):
            audit.record(session, username, "login.throttled", "user", user.id, {"ip": ip, "attack": True})
            raise UnderAttack(UNDER_ATTACK_TEXT)
        _second_factor_or_refuse(session, key, user, totp_code, ip, under_attack=True)
    _after_success(session, user, password, ip, now)
    return user, under_attack


def _after_success(session: Session, user: User, password: str, ip: str, now: dt.datetime) -> None:
    passwords = LoginFailure.kind == "password"
    if hashing.hasher().check_needs_rehash(user.password_hash):  # a cost changed since
        user.password_hash = hashing.hasher().hash(password)
    # Housekeeping on success: this client's own password failures (the user's typos), and
    # anything older than a day. Other clients' failures and TOTP failures stay counted.
    session.execute(
        delete(LoginFailure).where(
            (LoginFailure.username == user.username) & (LoginFailure.ip == ip) & passwords
            | (LoginFailure.at < now - dt.timedelta(days=1))
        )
    )
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now))


def authenticate(session: Session, username: str, password: str, ip: str) -> User:
    """The user for these credentials (password only, e.g. to confirm a password change), or AccountError."""
    return check_credentials(session, username, password, ip)[0]


UNDER_ATTACK_TEXT = (
    "This account is receiving many wrong sign-ins. From a browser that has not signed in to it before, "
    "enter the password together with a code from your authenticator app (accounts without one can sign "
    "in from a browser that has)."
)


def start_session(session: Session, user: User, ip: str, second_factor_done: bool = False) -> tuple[str, UserSession]:
    """A new session; returns the cookie value (only its hash is stored). `second_factor_done`:
    the TOTP code came with the password (an account under attack, see `authenticate`)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        verified=second_factor_done or not user.totp_enabled,
        created_at=now,
        last_seen=now,
        expires_at=now + dt.timedelta(hours=SESSION_HOURS),
        ip=ip[:64],
    )
    session.add(row)
    audit.record(
        session,
        user.username,
        "login",
        "user",
        user.id,
        {"ip": ip, "second_factor": "done" if second_factor_done else "pending" if user.totp_enabled else "none"},
    )
    return token, row


def session_principal(session: Session, token: str) -> tuple[Principal, bool] | None:
    """The principal behind a session cookie and whether the second factor is done.

    One query. `last_seen` is written back only every few minutes, so that
    reading pages does not make every request a writer.
    """
    token_hash = sha256_hex(token)
    row = session.execute(
        select(UserSession, User.username, User.role, User.disabled, User.totp_enabled)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    user_session, username, role, disabled, totp_enabled = row
    now = utcnow()
    if (
        disabled
        or _aware(user_session.expires_at) <= now
        or _aware(user_session.last_seen) + dt.timedelta(minutes=IDLE_MINUTES) <= now
    ):
        return None
    if _aware(user_session.last_seen) + dt.timedelta(minutes=TOUCH_MINUTES) <= now:
        session.execute(update(UserSession).where(UserSession.token_hash == token_hash).values(last_seen=now))
    principal = Principal(
        username=username,
        role=role,
        user_id=user_session.user_id,
        session_hash=token_hash,
        csrf_token=user_session.csrf_token,
        has_totp=bool(totp_enabled),
    )
    return principal, user_session.verified


def end_session(session: Session, token_hash: str, actor: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))
    audit.record(session, actor, "logout", "user", "", {})


# -- TOTP ----------------------------------------------------------------------


def begin_totp(session: Session, key: bytes, username: str) -> str:
    """Store a new, not yet enabled secret and return it for the authenticator app."""
    user = get_user(session, username)
    secret = pyotp.random_base32()
    user.totp_sealed = seal(key, secret)
    user.totp_enabled = False
    return secret


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Watchword")


def _check_code(user: User, key: bytes, code: str) -> bool:
    if user.totp_sealed is None:
        return False
    totp = pyotp.TOTP(unseal(key, user.totp_sealed))
    code = code.strip().replace(" ", "")
    now = int(utcnow().timestamp())
    # One step either side forgives a phone clock that is a little off.
    for drift in (-1, 0, 1):
        step = now // 30 + drift
        if step > user.totp_last_step and same_secret(code, totp.at(step * 30)):
            user.totp_last_step = step  # the same code cannot be replayed
            return True
    return False


def confirm_totp(session: Session, key: bytes, username: str, code: str) -> None:
    user = get_user(session, username)
    if not _check_code(user, key, code):
        raise SignInFailed("That code did not match. Check the phone's clock and try the next code.")
    user.totp_enabled = True
    audit.record(session, username, "user.totp_enable", "user", user.id, {})


def verify_second_factor(session: Session, key: bytes, token_hash: str, code: str, ip: str) -> None:
    row = session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        raise SignInFailed("The sign-in has expired; start again.")
    user_session, user = row
    _second_factor_or_refuse(session, key, user, code, ip)
    user_session.verified = True


def _second_factor_or_refuse(
    session: Session, key: bytes, user: User, code: str, ip: str, under_attack: bool = False
) -> None:
    """Check a TOTP code under the per-account limit on wrong codes (never reset by a password)."""
    since = utcnow() - THROTTLE_WINDOW
    wrong, _ = _failures(session, since, LoginFailure.username == user.username, LoginFailure.kind == "totp")
    if wrong >= MAX_TOTP_FAILURES:
        audit.record(session, user.username, "login.throttled", "user", user.id, {"ip": ip, "totp": True})
        # Under attack, every refusal reads the same: this one would say the password was right.
        raise UnderAttack(UNDER_ATTACK_TEXT) if under_attack else Throttled("Too many wrong codes. Wait 15 minutes.")
    if not _check_code(user, key, code):
        session.add(LoginFailure(username=user.username, ip=ip, kind="totp", at=utcnow()))
        audit.record(session, user.username, "login.totp_failed", "user", user.id, {"ip": ip})
        raise UnderAttack(UNDER_ATTACK_TEXT) if under_attack else SignInFailed("That code did not match.")
    audit.record(session, user.username, "login.totp", "user", user.id, {"ip": ip})


def reset_totp(session: Session, username: str, actor: str) -> None:
    user = get_user(session, username)
    user.totp_sealed = None
    user.totp_enabled = False
    user.totp_last_step = 0
    audit.record(session, actor, "user.totp_reset", "user", user.id, {"username": username})


# -- API tokens ----------------------------------------------------------------


def create_token(session: Session, name: str, scope: str, actor: str) -> tuple[str, ApiToken]:
    """A new token. The plain value is returned once and never stored.

    SHA-256, not Argon2: the token is 256 random bits, so there is nothing to
    guess and a fast hash keeps every API call cheap.
    """
    if scope not in TOKEN_SCOPES:
        raise AccountError(f"The scope must be one of: {', '.join(TOKEN_SCOPES)}.")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name.strip()[:100] or "token",
        scope=scope,
        token_hash=sha256_hex(value),
        prefix=value[:10],
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "token.create", "api_token", row.id, {"name": row.name, "scope": scope})
    return value, row


def list_tokens(session: Session) -> list[ApiToken]:
    """Every API token, newest first (their hashes only: a value is shown once, at creation)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, token_id: int, actor: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountNotFound(f"No token {token_id}.")
    row.revoked_at = utcnow()
    audit.record(session, actor, "token.revoke", "api_token", token_id, {"name": row.name})


def token_principal(session: Session, value: str) -> Principal | None:
    """The principal for a bearer token; None when unknown or revoked."""
    if not value.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(value)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or _aware(row.last_used_at) + dt.timedelta(minutes=TOUCH_MINUTES) <= now:
        # Written at most every few minutes: enough to spot a token nobody uses any more.
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    role = {"admin": "admin", "read": "viewer", "write": "writer", "submit": "submit"}[row.scope]
    return Principal(username=f"token:{row.name}", role=role, token_id=row.id)


def token_allows(principal: Principal, scope: str) -> bool:
    """Whether a principal may act with `scope`: admin covers read, write and submit; write covers
    read (a partner exchanging indicators); read covers nothing else."""
    if scope == "submit":
        return principal.role in ("submit", "admin")
    if scope == "read":
        return principal.role in ("admin", "analyst", "viewer", "writer")
    if scope == "write":
        return principal.role in ("admin", "writer")
    return principal.role == "admin"
