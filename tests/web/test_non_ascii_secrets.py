"""A secret sent with a character outside ASCII is a mismatch, never a server error.

`hmac.compare_digest` raises TypeError on such a str; a hostile-value sweep of the console's forms
found the TOTP confirmation answering 500 to a code with a right-to-left mark in it."""

from __future__ import annotations

import hashlib

import pytest

from tests.support.console import page_csrf, signed_in
from watchword import errors
from watchword.runtime import Runtime
from watchword.security import same_secret
from watchword.services import accounts, detail, receipts
from watchword.web.reporter import challenge

KEY = hashlib.sha256(b"test key").digest()
HOSTILE = ["\u202e123456", "12345é", "код"]
# A lone surrogate cannot travel in a form (the client cannot encode it) but can reach a function.
UNENCODABLE = "\ud800"


def test_same_secret_is_equality_over_any_characters() -> None:
    assert same_secret("abc", "abc") and same_secret("é\u202e", "é\u202e")
    assert not same_secret("abc", "abd") and not same_secret("é", "e") and not same_secret("", "a")
    for value in [*HOSTILE, UNENCODABLE]:
        assert not same_secret(value, "123456")


@pytest.mark.parametrize("value", [*HOSTILE, UNENCODABLE])
def test_signed_tokens_with_non_ascii_marks_are_refused(value: str) -> None:
    good_session = receipts.session_token(KEY, [1], minutes=30)
    assert receipts.read_session(KEY, good_session.rsplit(".", 1)[0] + "." + value) is None
    good_detail = detail.detail_token(KEY, 7)
    with pytest.raises(errors.WatchwordError):
        detail.check_token(KEY, good_detail.rsplit(".", 1)[0] + "." + value)
    good_challenge = challenge.issue(KEY, 4).token
    assert challenge.parse(KEY, good_challenge.rsplit(".", 1)[0] + "." + value) is None
    assert not accounts.known_device(KEY, "ana", accounts.device_token(KEY, "ana").split(".")[0] + "." + value)


@pytest.mark.parametrize("value", HOSTILE)
def test_console_forms_answer_non_ascii_codes_and_tokens_without_a_server_error(rt: Runtime, value: str) -> None:
    client = signed_in(rt, "ana", "admin")
    csrf = page_csrf(client, "/console/account")
    assert client.post("/console/account/totp/start", data={"csrf": csrf}).status_code == 200
    wrong = client.post("/console/account/totp/confirm", data={"csrf": csrf, "code": "000000"})
    confirmed = client.post("/console/account/totp/confirm", data={"csrf": csrf, "code": value})
    # The same answer as any wrong code: the error family's 401 with the page, not a 500.
    assert confirmed.status_code == wrong.status_code == 401 and "<form" in confirmed.text
    forged = client.post("/console/account/totp/start", data={"csrf": value})
    assert forged.status_code == 403
    signed_out = client.post("/console/login", data={"username": "ana", "password": "x", "csrf": value})
    assert signed_out.status_code == 403
