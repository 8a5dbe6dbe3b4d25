"""Accounts, API tokens and search: `watchword user ...`, `watchword token ...`, `watchword search ...`.

A thin shell over `watchword.services.accounts` and `.search`; every change is audited with
the operating-system user who ran the command as the actor.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from watchword.cli.app import app
from watchword.cli.errors import Typer

user_app = Typer(help="Analyst accounts (roles: admin, analyst, viewer).", no_args_is_help=True)
token_app = Typer(help="API tokens for machine clients (scopes: submit, read, write, admin).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry, e.g. in a container
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, analyst or viewer (read-only).")] = "analyst",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Create an account. The password is hashed with Argon2id; it needs 12 characters or more."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import add_user

    password = _password(password_stdin)
    with open_runtime() as rt, rt.db.write() as session:
        add_user(session, username, password, role, _actor())
    typer.echo(f"user {username} added ({role})")


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Set a new password; the user's sessions end."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import set_password

    password = _password(password_stdin)
    with open_runtime() as rt, rt.db.write() as session:
        set_password(session, username, password, _actor())
    typer.echo(f"password of {username} changed")


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="Login name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable the account instead.")] = False,
) -> None:
    """Disable an account (its sessions end at once), or re-enable it with --enable."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import set_disabled

    with open_runtime() as rt, rt.db.write() as session:
        set_disabled(session, username, not enable, _actor())
    typer.echo(f"user {username} {'enabled' if enable else 'disabled'}")


@user_app.command("role")
def user_role(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Argument(help="admin, analyst or viewer.")],
) -> None:
    """Change an account's role."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import set_role

    with open_runtime() as rt, rt.db.write() as session:
        set_role(session, username, role, _actor())
    typer.echo(f"user {username} is now {role}")


@user_app.command("totp-reset")
def user_totp_reset(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove an account's second factor (a lost phone); they can set up a new one after signing in."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import reset_totp

    with open_runtime() as rt, rt.db.write() as session:
        reset_totp(session, username, _actor())
    typer.echo(f"second factor of {username} removed")


@user_app.command("list")
def user_list() -> None:
    """List accounts: name, role, second factor, disabled."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import list_users

    with open_runtime() as rt, rt.db.session() as session:
        for user in list_users(session):
            flags = [f for f, on in (("totp", user.totp_enabled), ("DISABLED", user.disabled)) if on]
            typer.echo(f"{user.username}\t{user.role}\t{' '.join(flags)}")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'mail gateway'.")],
    scope: Annotated[
        str, typer.Option(help="submit (file reports only), read, write (read + TAXII feeds-in), or admin.")
    ] = "submit",
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import create_token

    with open_runtime() as rt, rt.db.write() as session:
        value, row = create_token(session, name, scope, _actor())
        token_id = row.id
    typer.echo(f"token {token_id} ({scope}); copy it now, it is not shown again:", err=True)
    typer.echo(value)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their values)."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import list_tokens

    with open_runtime() as rt, rt.db.session() as session:
        for t in reversed(list_tokens(session)):  # oldest first
            state = "revoked" if t.revoked_at else "active"
            typer.echo(f"{t.id}\t{t.name}\t{t.scope}\t{t.prefix}…\t{state}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's number from `token list`.")]) -> None:
    """Revoke a token at once."""
    from watchword.runtime import open_runtime
    from watchword.services.accounts import revoke_token

    with open_runtime() as rt, rt.db.write() as session:
        revoke_token(session, token_id, _actor())
    typer.echo(f"token {token_id} revoked")


search_app = Typer(help="Full-text search over reports, indicators and notes.", no_args_is_help=True)
app.add_typer(search_app, name="search")


@search_app.command("query")
def search_query(
    words: Annotated[str, typer.Argument(help="Every word must match; a domain or URL matches as written.")],
    limit: Annotated[int, typer.Option(help="How many reports, newest first.")] = 20,
) -> None:
    """Search as the console does: report id, date and subject per line (defanged)."""
    from watchword.runtime import open_runtime
    from watchword.services.render import safe_text
    from watchword.services.search import search

    with open_runtime() as rt, rt.db.session() as session:
        result = search(session, words, limit=limit)
    for hit in result.reports:
        typer.echo(f"{hit.id}\t{hit.created_at:%Y-%m-%d %H:%M}\t{safe_text(hit.subject, 200)}")


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild the full-text index from the store (after a restore, or if it is ever in doubt)."""
    from watchword.runtime import open_runtime
    from watchword.services.search import rebuild

    with open_runtime() as rt, rt.db.write() as session:
        count = rebuild(session)
    typer.echo(f"search index rebuilt: {count} reports")
