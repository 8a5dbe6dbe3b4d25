"""Analyst accounts: passwords, sessions, login throttling, TOTP, API tokens.

Plain functions over a SQLAlchemy session, called the same way by the console,
the CLI and tests. Every mutation writes an audit event in the caller's
transaction, so the event and the change commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from watchword import errors
from watchword.security.sealing import seal, unseal
from watchword.store import audit
from watchword.store.models import utcnow
from watchword.store.models_people import ROLES, TOKEN_SCOPES, ApiToken, LoginFailure, User, UserSession

# argon2-cffi's defaults are Argon2id at RFC 9106's "low memory" profile
# (64 MiB, t=3): about 50 ms here, slow for a guesser, fine for a sign-in.
_hasher = PasswordHasher()
# Verified against when the username does not exist, so that a wrong name
# costs the same time as a wrong password and names cannot be probed.
_DUMMY_HASH = _hasher.hash("watchword: no such user")

MIN_PASSWORD = 12
SESSION_HOURS = 12  # absolute lifetime: an analyst signs in once a working day
IDLE_MINUTES = 120  # an unattended console signs itself out
TOUCH_MINUTES = 5  # last_seen is written at most this often: reads must not queue for the writer
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 30
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
    role: str  # admin | analyst | viewer | submit (a submit-only token)
    user_id: int | None = None
    session_hash: str = ""
    csrf_token: str = ""
    token_id: int | None = None

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
    user = User(username=username, role=role, password_hash=_hasher.hash(password))
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
    user.password_hash = _hasher.hash(password)
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


def _recent_failures(session: Session, username: str, ip: str) -> tuple[int, int]:
    since = utcnow() - THROTTLE_WINDOW
    by_user = (
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.username == username, LoginFailure.at > since)
        )
        or 0
    )
    by_ip = (
        session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.ip == ip, LoginFailure.at > since)
        )
        or 0
    )
    return by_user, by_ip


def authenticate(session: Session, username: str, password: str, ip: str) -> User:
    """The user for these credentials, or AccountError. Failures are throttled and audited.

    The throttle counts failures per account (against guessing one password)
    and per address (against spraying many accounts); both windows slide.
    """
    username = username.strip()[:100]
    by_user, by_ip = _recent_failures(session, username, ip)
    if by_user >= MAX_FAILURES_PER_USER or by_ip >= MAX_FAILURES_PER_IP:
        audit.record(session, username or "-", "login.throttled", "user", "", {"ip": ip})
        raise Throttled("Too many failed sign-ins. Wait 15 minutes and try again.")
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
        ok = user is not None and not user.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        session.add(LoginFailure(username=username, ip=ip))
        audit.record(session, username or "-", "login.failed", "user", user.id if user else "", {"ip": ip})
        raise SignInFailed("Wrong username or password, or the account is disabled.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    now = utcnow()
    # Housekeeping on success, so that neither table grows without bound.
    session.execute(
        delete(LoginFailure).where((LoginFailure.username == username) | (LoginFailure.at < now - dt.timedelta(days=1)))
    )
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now))
    return user


def start_session(session: Session, user: User, ip: str) -> tuple[str, UserSession]:
    """A new session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        verified=not user.totp_enabled,
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
        {"ip": ip, "second_factor": "pending" if user.totp_enabled else "none"},
    )
    return token, row


def session_principal(session: Session, token: str) -> tuple[Principal, bool] | None:
    """The principal behind a session cookie and whether the second factor is done.

    One query. `last_seen` is written back only every few minutes, so that
    reading pages does not make every request a writer.
    """
    token_hash = sha256_hex(token)
    row = session.execute(
        select(UserSession, User.username, User.role, User.disabled)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    user_session, username, role, disabled = row
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
        if step > user.totp_last_step and hmac.compare_digest(totp.at(step * 30), code):
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
    by_user, _ = _recent_failures(session, user.username, ip)
    if by_user >= MAX_FAILURES_PER_USER:
        raise Throttled("Too many failed attempts. Wait 15 minutes and try again.")
    if not _check_code(user, key, code):
        session.add(LoginFailure(username=user.username, ip=ip))
        audit.record(session, user.username, "login.totp_failed", "user", user.id, {"ip": ip})
        raise SignInFailed("That code did not match.")
    user_session.verified = True
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
    role = {"admin": "admin", "read": "viewer", "submit": "submit"}[row.scope]
    return Principal(username=f"token:{row.name}", role=role, token_id=row.id)


def token_allows(principal: Principal, scope: str) -> bool:
    """Whether a principal may act with `scope`: admin covers read and submit; read covers nothing else."""
    if scope == "submit":
        return principal.role in ("submit", "admin")
    if scope == "read":
        return principal.role in ("admin", "analyst", "viewer")
    return principal.role == "admin"
