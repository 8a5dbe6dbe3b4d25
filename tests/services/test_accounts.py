"""Accounts: Argon2id passwords, cookie flags, CSRF, throttling, TOTP, roles, API tokens, the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.console import (
    PASSWORD,
    add_user,
    console_client,
    csrf_of,
    page_csrf,
    sign_in,
    signed_in,
)
from tests.support.settings import FAST_PASSWORDS, FAST_PASSWORDS_ENV, make_settings
from watchword.config import Settings
from watchword.runtime import Runtime, open_runtime
from watchword.security import passwords as password_hashing
from watchword.services import accounts
from watchword.store.models import AuditEvent
from watchword.store.models_people import ApiToken, User, UserSession


def _actions(rt: Runtime) -> list[str]:
    with rt.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_password_is_stored_as_argon2id_and_never_in_clear(rt: Runtime) -> None:
    add_user(rt, "ana")
    with rt.db.session() as session:
        user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_production_cost_by_default_and_a_cheaper_hash_is_upgraded_at_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one test at the production cost (the suite hashes at FAST_PASSWORDS, tests/support/settings.py)."""
    for name in FAST_PASSWORDS_ENV:
        monkeypatch.delenv(name, raising=False)
    production = Settings.from_env()
    # RFC 9106's "low memory" profile, the same with or without the environment.
    cost = (production.password_argon2_time_cost, production.password_argon2_memory_kib)
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)}
    assert cost == (3, 64 * 1024) == (defaults["password_argon2_time_cost"], defaults["password_argon2_memory_kib"])
    with open_runtime(make_settings(tmp_path)) as cheap:
        add_user(cheap, "ana")
    try:
        with open_runtime(
            make_settings(tmp_path, password_argon2_time_cost=cost[0], password_argon2_memory_kib=cost[1])
        ) as rt:
            with rt.db.session() as session:
                assert session.scalars(select(User.password_hash)).one().startswith("$argon2id$v=19$m=1024,t=1,p=4$")
            client = console_client(rt)
            assert sign_in(client, "ana").status_code == 303
            with rt.db.session() as session:
                upgraded = session.scalars(select(User.password_hash)).one()
            assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            # Verified at the production cost from now on; an unknown name is checked at the same cost.
            assert sign_in(console_client(rt), "ana").status_code == 303
            assert sign_in(console_client(rt), "nobody").status_code == 401
            assert password_hashing.hasher().memory_cost == 64 * 1024
            assert password_hashing.dummy_hash().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        # Later tests in this process hash at the suite's cost again.
        password_hashing.configure(
            FAST_PASSWORDS["password_argon2_time_cost"], FAST_PASSWORDS["password_argon2_memory_kib"]
        )


def test_short_password_and_unknown_role_are_refused(rt: Runtime) -> None:
    with rt.db.write() as session, pytest.raises(accounts.AccountError, match="12 characters"):
        accounts.add_user(session, "bob", "short", "analyst", "test")
    with rt.db.write() as session, pytest.raises(accounts.AccountError, match="role"):
        accounts.add_user(session, "bob", PASSWORD, "superuser", "test")


def test_sign_in_sets_a_secure_httponly_samesite_strict_cookie(rt: Runtime) -> None:
    add_user(rt, "ana")
    client = console_client(rt)
    response = sign_in(client, "ana")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "ww_session=" in v)
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=strict" in lowered
    assert "path=/console" in lowered
    # Only the hash of the cookie value is kept.
    value = cookie.split("ww_session=", 1)[1].split(";", 1)[0]
    with rt.db.session() as session:
        stored = session.scalars(select(UserSession.token_hash)).one()
    assert stored == accounts.sha256_hex(value) and stored != value
    assert client.get("/console/").status_code == 200
    assert "login" in _actions(rt)


class Clock:
    """The accounts service's clock, moved by the test (delays of minutes without waiting)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(accounts, "utcnow", fake)
    return fake


def _try(rt: Runtime, username: str, password: str, ip: str, **kwargs: object) -> str:
    """'ok', or the refusal's class name and text; the failure records commit as in the console."""
    with rt.db.write() as session:
        try:
            accounts.check_credentials(session, username, password, ip, **kwargs)  # type: ignore[arg-type]
        except accounts.AccountError as exc:
            return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_wrong_passwords_slow_that_client_down_and_never_lock_out_the_real_user(rt: Runtime, clock: Clock) -> None:
    """GIVEN someone at one address guessing ana's password WHEN they keep going THEN each further
    guess from there waits twice as long as the last (about a dozen guesses per 15 minutes), and ana
    signs in from her own address at any moment (issue 11, item 13: five wrong passwords used to lock
    the real user out for 15 minutes)."""
    add_user(rt, "ana")
    waits = []
    for _ in range(12):
        answer = _try(rt, "ana", "not the password at all", "198.51.100.7")
        waited = 0
        if answer.startswith("Throttled"):  # refused before any password is checked
            waited = int(re.search(r"Wait (\d+) second", answer).group(1))  # type: ignore[union-attr]
            clock.advance(waited - 0.5)
            assert _try(rt, "ana", "not the password at all", "198.51.100.7").startswith("Throttled")
            clock.advance(0.5)
            answer = _try(rt, "ana", "not the password at all", "198.51.100.7")
        assert answer.startswith("SignInFailed")
        waits.append(waited)
        assert _try(rt, "ana", PASSWORD, "192.0.2.10") == "ok"  # the real user, meanwhile
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256]  # twelve guesses take 8.5 minutes


def test_sign_in_page_answers_429_with_the_wait_then_lets_the_right_password_in(rt: Runtime, clock: Clock) -> None:
    add_user(rt, "ana")
    client = console_client(rt)
    for _ in range(accounts.FREE_FAILURES_PER_CLIENT):
        assert sign_in(client, "ana", "not the password at all").status_code == 401
    throttled = sign_in(client, "ana")
    assert throttled.status_code == 429 and "Wait 1 second " in throttled.text
    other_browser = console_client(rt)
    assert sign_in(other_browser, "ana").status_code == 429  # the same address: slowed down too
    clock.advance(1)
    assert sign_in(client, "ana").status_code == 303
    actions = _actions(rt)
    assert actions.count("login.failed") == accounts.FREE_FAILURES_PER_CLIENT
    assert "login.throttled" in actions


def test_an_account_under_attack_lets_in_a_known_browser_or_password_and_code(rt: Runtime, clock: Clock) -> None:
    """GIVEN guesses at ana's password from many addresses (a botnet, each address under its own limit)
    WHEN the account passes the account-wide threshold THEN a new browser with the right password alone
    gets the very answer a wrong password gets, while ana gets in from the browser she used before, or
    from a new one with password and authenticator code together (issue 11, item 13)."""
    client = signed_in(rt, "ana")  # this browser now holds ana's known-device cookie
    page = client.post("/console/account/totp/start", data={"csrf": page_csrf(client, "/console/account")})
    totp = pyotp.TOTP(page.text.split('<code class="secret">', 1)[1].split("<", 1)[0])
    code_at = lambda: totp.at(int(clock.now.timestamp()))  # noqa: E731
    client.post("/console/account/totp/confirm", data={"csrf": csrf_of(page.text), "code": code_at()})
    clock.advance(30)
    for n in range(accounts.ACCOUNT_ATTACK_FAILURES):
        assert _try(rt, "ana", f"guess {n}", f"203.0.113.{n}", known=False).startswith("SignInFailed")
    wrong = _try(rt, "ana", "one more guess", "203.0.113.200", known=False)
    right = _try(rt, "ana", PASSWORD, "203.0.113.201", known=False)
    assert wrong == right and wrong.startswith("UnderAttack")  # the guesser learns nothing from the answer
    fresh = console_client(rt)
    refused = sign_in(fresh, "ana")
    assert refused.status_code == 429 and "together with a code" in refused.text
    form = fresh.get("/console/login")
    both = fresh.post(
        "/console/login",
        data={"username": "ana", "password": PASSWORD, "code": code_at(), "csrf": csrf_of(form.text)},
    )
    assert both.status_code == 303 and both.headers["location"] == "/console/"  # no second step: done
    assert fresh.get("/console/").status_code == 200
    clock.advance(30)
    known = sign_in(client, "ana")  # the known browser: the usual two steps
    assert known.status_code == 303 and known.headers["location"] == "/console/login/totp"


def test_totp_failures_count_per_account_and_a_password_sign_in_does_not_clear_them(rt: Runtime, clock: Clock) -> None:
    """GIVEN someone who has ana's password but not her phone WHEN they try four codes, sign in again
    with the password and try four more, and so on THEN after MAX_TOTP_FAILURES wrong codes in the
    window even the right code is refused (issue 11, item 11: 18 codes a minute got through)."""
    client = signed_in(rt, "ana")
    page = client.post("/console/account/totp/start", data={"csrf": page_csrf(client, "/console/account")})
    totp = pyotp.TOTP(page.text.split('<code class="secret">', 1)[1].split("<", 1)[0])
    client.post(
        "/console/account/totp/confirm",
        data={"csrf": csrf_of(page.text), "code": totp.at(int(clock.now.timestamp()))},
    )
    clock.advance(30)
    answers = []
    for _round in range(4):
        thief = console_client(rt)
        assert sign_in(thief, "ana").headers["location"] == "/console/login/totp"
        for _ in range(4):
            answers.append(thief.post("/console/login/totp", data={"code": "000000"}).status_code)
    assert answers.count(401) == accounts.MAX_TOTP_FAILURES and set(answers) == {401, 429}
    thief = console_client(rt)
    sign_in(thief, "ana")
    right = thief.post("/console/login/totp", data={"code": totp.at(int(clock.now.timestamp()))})
    assert right.status_code == 429
    clock.advance(16 * 60)  # the window slides on
    sign_in(thief, "ana")
    assert thief.post("/console/login/totp", data={"code": totp.at(int(clock.now.timestamp()))}).status_code == 303


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(rt: Runtime) -> None:
    add_user(rt, "ana")
    client = console_client(rt)
    unknown = sign_in(client, "nobody")
    wrong = sign_in(client, "ana", "wrong password here")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong username or password" in unknown.text and "Wrong username or password" in wrong.text


def test_login_form_needs_its_own_csrf_token(rt: Runtime) -> None:
    """GIVEN a login post without the token set with the form (login CSRF) THEN it is refused."""
    add_user(rt, "ana")
    client = console_client(rt)
    response = client.post("/console/login", data={"username": "ana", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403
    assert "ww_session" not in response.headers.get("set-cookie", "")


def test_next_parameter_cannot_send_the_browser_elsewhere(rt: Runtime) -> None:
    add_user(rt, "ana")
    client = console_client(rt)
    form = client.get("/console/login?next=//evil.example/x")
    response = client.post(
        "/console/login",
        data={"username": "ana", "password": PASSWORD, "csrf": csrf_of(form.text), "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/console/"


def test_state_changes_need_the_csrf_token_and_the_same_origin(rt: Runtime) -> None:
    client = signed_in(rt)
    csrf = page_csrf(client)
    assert client.post("/console/logout", data={}).status_code == 403
    assert client.post("/console/logout", data={"csrf": "nope"}).status_code == 403
    cross = client.post("/console/logout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert client.post("/console/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/console/").status_code == 303  # signed out


def test_disabling_a_user_ends_their_sessions_and_sign_ins(rt: Runtime) -> None:
    client = signed_in(rt, "ana")
    with rt.db.write() as session:
        accounts.set_disabled(session, "ana", True, "test")
    assert client.get("/console/").status_code == 303
    assert sign_in(console_client(rt), "ana").status_code == 401


def test_viewer_reads_but_cannot_change_anything(rt: Runtime) -> None:
    client = signed_in(rt, "vic", role="viewer")
    assert client.get("/console/").status_code == 200
    csrf = page_csrf(client)
    assert client.post("/console/reports/1/note", data={"csrf": csrf, "body": "x"}).status_code == 403
    assert client.get("/console/audit").status_code == 403
    assert client.post("/console/tokens", data={"csrf": csrf, "name": "x"}).status_code == 403


def test_totp_enrolment_then_sign_in_needs_a_code_that_works_once(rt: Runtime, clock: Clock) -> None:
    # Codes are taken at the service's clock, not the wall clock: on a loaded machine a 30-second step
    # could pass between the confirmation and the replay, and the "replay" be the next step's code.
    client = signed_in(rt, "ana")
    page = client.post("/console/account/totp/start", data={"csrf": page_csrf(client, "/console/account")})
    secret = page.text.split('<code class="secret">', 1)[1].split("<", 1)[0]
    totp = pyotp.TOTP(secret)
    code_at = lambda: totp.at(int(clock.now.timestamp()))  # noqa: E731
    confirmed = client.post("/console/account/totp/confirm", data={"csrf": csrf_of(page.text), "code": code_at()})
    assert confirmed.status_code == 303
    with rt.db.session() as session:
        user = session.scalars(select(User)).one()
        assert user.totp_enabled and user.totp_sealed and secret.encode() not in user.totp_sealed

    fresh = console_client(rt)
    assert sign_in(fresh, "ana").headers["location"] == "/console/login/totp"
    assert fresh.get("/console/").headers["location"] == "/console/login/totp"  # half signed in
    # The code used to confirm cannot be replayed; the next time step's code works.
    assert fresh.post("/console/login/totp", data={"code": code_at()}).status_code == 401
    clock.advance(30)
    assert fresh.post("/console/login/totp", data={"code": code_at()}).status_code == 303
    assert fresh.get("/console/").status_code == 200
    assert "login.totp" in _actions(rt)


def test_changing_the_password_signs_out_everywhere(rt: Runtime) -> None:
    client = signed_in(rt, "ana")
    other = console_client(rt)
    sign_in(other, "ana")
    csrf = page_csrf(client, "/console/account")
    response = client.post(
        "/console/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "a brand new passphrase"}
    )
    assert response.status_code == 303
    assert other.get("/console/").status_code == 303
    assert sign_in(console_client(rt), "ana", "a brand new passphrase").status_code == 303


def test_the_account_forms_refuse_with_their_meanings_status(rt: Runtime) -> None:
    """The account page's refusals come back as the page with the sentence, under the status the one
    table (web/errors.py) gives their meaning: a wrong current password is not who is asking (401),
    a new one too short is invalid input (400)."""
    client = signed_in(rt, "ana")
    csrf = page_csrf(client, "/console/account")
    wrong = client.post("/console/account/password", data={"csrf": csrf, "current": "not it", "new": "a new one!!!!"})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    short = client.post("/console/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "short"})
    assert short.status_code == 400 and "Passwords need at least" in short.text
    assert sign_in(console_client(rt), "ana").status_code == 303  # the password did not change


def test_api_tokens_are_shown_once_stored_hashed_and_scoped(rt: Runtime) -> None:
    admin = signed_in(rt, "root", role="admin")
    created = admin.post(
        "/console/tokens", data={"csrf": page_csrf(admin, "/console/tokens"), "name": "siem", "scope": "read"}
    )
    token = created.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert token.startswith("ww_")
    with rt.db.session() as session:
        row = session.scalars(select(ApiToken)).one()
    assert row.token_hash == accounts.sha256_hex(token) and token not in row.token_hash
    assert token not in admin.get("/console/tokens").text  # never shown again

    machine = TestClient(admin.app, base_url="https://testserver", follow_redirects=False)
    bearer = {"Authorization": f"Bearer {token}"}
    assert machine.get("/taxii2/", headers=bearer).status_code == 200  # what a read token is for
    with rt.db.write() as session:
        accounts.revoke_token(session, row.id, "test")
    assert machine.get("/taxii2/", headers=bearer).status_code == 401


@pytest.mark.parametrize("scope", ["read", "admin", "submit"])
def test_api_tokens_never_open_the_console(rt: Runtime, scope: str) -> None:
    """GIVEN a token of any scope and no session WHEN it is shown to console pages (a report, a search,
    the queue, an export, a state change) THEN 401: tokens are for the API and TAXII, the console needs
    a signed-in person (issue 11, item 5: a read token opened /console/reports/41 with 200)."""
    from tests.support.console import email, report_email

    report_id = report_email(rt, email("Hello carol", "Dear carol, sign in at https://x.example.net/"))
    with rt.db.write() as session:
        value, _ = accounts.create_token(session, "siem", scope, "test")
    machine = TestClient(console_client(rt).app, base_url="https://testserver", follow_redirects=False)
    bearer = {"Authorization": f"Bearer {value}"}
    for path in (f"/console/reports/{report_id}", "/console/search?q=carol", "/console/", "/console/audit"):
        refused = machine.get(path, headers=bearer)
        assert refused.status_code == 401, path
        assert "carol" not in refused.text
    assert machine.post(f"/console/reports/{report_id}/note", headers=bearer, data={"body": "x"}).status_code == 401
    # A made-up token: no different.
    assert machine.get("/console/", headers={"Authorization": "Bearer ww_guess"}).status_code == 401
    # With a session the console works as before, whatever else is sent beside it.
    person = signed_in(rt, "ana")
    assert person.get(f"/console/reports/{report_id}", headers=bearer).status_code == 200


def test_token_scopes_cover_what_they_say() -> None:
    submit = accounts.Principal("t", "submit")
    read = accounts.Principal("t", "viewer")
    admin = accounts.Principal("t", "admin")
    assert accounts.token_allows(submit, "submit") and not accounts.token_allows(submit, "read")
    assert accounts.token_allows(read, "read") and not accounts.token_allows(read, "submit")
    assert all(accounts.token_allows(admin, s) for s in ("submit", "read", "admin"))


def test_cli_user_and_token_commands(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchword.cli import app

    settings = rt.settings
    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WATCHWORD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WATCHWORD_SECRET_KEY_FILE", str(settings.secret_key_file))
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "carol", "--role", "viewer", "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["user", "add", "carol", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 4, again.output  # 4: conflicts with what exists (cli/errors.py)
    assert (
        runner.invoke(app, ["user", "passwd", "carol", "--password-stdin"], input="another long password\n").exit_code
        == 0
    )
    assert runner.invoke(app, ["user", "disable", "carol"]).exit_code == 0
    listed = runner.invoke(app, ["user", "list"])
    assert "carol\tviewer\tDISABLED" in listed.output
    created = runner.invoke(app, ["token", "create", "mail gateway", "--scope", "submit"])
    assert created.exit_code == 0
    assert created.stdout.strip().splitlines()[-1].startswith("ww_")
    assert runner.invoke(app, ["token", "revoke", "1"]).exit_code == 0
    actions = _actions(rt)
    for action in ("user.add", "user.passwd", "user.disable", "token.create", "token.revoke"):
        assert action in actions
    with rt.db.session() as session:
        actors = set(session.scalars(select(AuditEvent.actor)))
    assert all(a.startswith("cli") for a in actors)
