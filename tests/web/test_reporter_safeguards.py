"""Receipts, proof of work and rate limits as units: the properties the pages rely on."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.support.reporter import fast_settings
from watchword import clock
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import open_runtime
from watchword.security.ratelimit import Limiter, Limits, TokenBucket
from watchword.services import receipts
from watchword.store.models_reporter import ReporterReceipt
from watchword.web.ratelimit import ApiRateLimit
from watchword.web.reporter import challenge

KEY = hashlib.sha256(b"test key").digest()


def test_receipt_code_has_at_least_80_bits_and_is_grouped_for_writing_down() -> None:
    code = receipts.code_for(KEY, os.urandom(16))
    assert len(code) * math.log2(len(receipts.ALPHABET)) >= 80
    assert set(code) <= set(receipts.ALPHABET)
    assert receipts.group(code).count("-") == 4
    codes = {receipts.code_for(KEY, os.urandom(16)) for _ in range(2000)}
    assert len(codes) == 2000


def test_one_form_gives_one_receipt_and_another_form_another() -> None:
    nonce = os.urandom(16)
    assert receipts.code_for(KEY, nonce) == receipts.code_for(KEY, nonce)
    assert receipts.code_for(KEY, nonce) != receipts.code_for(KEY, os.urandom(16))
    assert receipts.code_for(KEY, nonce) != receipts.code_for(hashlib.sha256(b"other").digest(), nonce)


def test_codes_survive_being_copied_by_hand() -> None:
    code = "K7QM-3XHD-0A1B-ZZZZ-9999"
    assert receipts.code_hash(code) == receipts.code_hash(" k7qm 3xhd oa1b zzzz 9999 ")
    assert receipts.code_hash(code) == receipts.code_hash("K7QM3XHD0AIBZZZZ9999")


def test_generated_passphrase_is_five_words_of_a_256_word_list() -> None:
    phrase = receipts.passphrase_for(KEY, os.urandom(16))
    assert len(phrase.split()) == 5 and all(w in receipts.WORDS for w in phrase.split())
    assert len(set(receipts.WORDS)) == 256


def test_sign_in_pauses_a_receipt_after_repeated_wrong_passphrases(tmp_path: Path) -> None:
    with open_runtime(fast_settings(tmp_path), migrate=True) as rt:
        receipt = submit(rt, IncomingReport(channel=Channel.WEB, text="A man asked for my badge."))
        with rt.db.write() as session:
            receipts.create(
                session,
                receipt.report_id,
                "CODE0000000000000000",
                receipts.hash_passphrase(rt.settings, "right phrase here"),
            )
        assert receipts.sign_in(rt.db, rt.settings, "code0000000000000000", "Right  Phrase here")
        for _ in range(receipts.MAX_FAILED_ATTEMPTS):
            with pytest.raises(receipts.SignInRefused, match="do not match"):
                receipts.sign_in(rt.db, rt.settings, "CODE0000000000000000", "wrong")
        with pytest.raises(receipts.SignInRefused, match="paused"):
            receipts.sign_in(rt.db, rt.settings, "CODE0000000000000000", "right phrase here")
        with pytest.raises(receipts.SignInRefused, match="do not match"):
            receipts.sign_in(rt.db, rt.settings, "UNKNOWN0000000000000", "right phrase here")
        with rt.db.session() as session:
            stored = session.scalars(select(ReporterReceipt)).one()
            assert "CODE0000" not in stored.code_hash and stored.passphrase_hash.startswith("$argon2id$")


def test_session_token_is_signed_bounded_and_expires() -> None:
    token = receipts.session_token(KEY, [3, 1, 3, *range(100, 140)], minutes=30)
    found = receipts.read_session(KEY, token)
    assert found is not None and found.receipt_ids[:2] == (3, 1)
    assert len(found.receipt_ids) == receipts.SESSION_MAX_RECEIPTS
    body, mac = token.rsplit(".", 1)
    assert receipts.read_session(KEY, body + "." + mac[::-1]) is None
    assert receipts.read_session(hashlib.sha256(b"x").digest(), token) is None
    assert receipts.read_session(KEY, receipts.session_token(KEY, [1], minutes=-1)) is None


def test_proof_of_work_is_checked_statelessly() -> None:
    issued = challenge.issue(KEY, bits=10)
    solution = challenge.solve(issued.token, 10)
    check = challenge.check
    assert check(KEY, issued.token, solution, 10, 3600, 3)[0] is challenge.Check.SOLVED
    assert check(KEY, issued.token, str(int(solution) + 1), 10, 3600, 3)[0] in (
        challenge.Check.INVALID,
        challenge.Check.SOLVED,
    )  # the next number rarely also solves it
    assert check(KEY, issued.token, "", 10, 3600, 3)[0] is challenge.Check.TOO_FRESH
    assert check(KEY, issued.token, "", 10, 3600, 3, now=clock.time() + 5)[0] is challenge.Check.UNSOLVED
    assert check(KEY, issued.token, "", 10, 3600, 3, now=clock.time() + 4000)[0] is challenge.Check.EXPIRED
    assert check(b"another key", issued.token, solution, 10, 3600, 3)[0] is challenge.Check.INVALID
    # Lowering the difficulty inside the token does not help: the signature no longer matches.
    cheaper = issued.token.replace(".10.", ".1.")
    assert check(KEY, cheaper, challenge.solve(cheaper, 1), 10, 3600, 3)[0] is challenge.Check.INVALID


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket.per_minute(60, now=0.0)
    assert all(bucket.take(0.0) == 0.0 for _ in range(60))
    assert bucket.take(0.0) == pytest.approx(1.0)
    assert bucket.take(1.0) == 0.0


def test_a_class_of_twenty_behind_one_address_is_not_limited() -> None:
    """GlobaLeaks #4403: a strict per-address limit stopped a class reporting together. Ours does not."""
    settings = fast_settings(Path("/nonexistent"))
    limits = Limits.from_settings(settings)
    school = limits.namer("203.0.113.7")
    assert all(limits.pages.check(school) == 0.0 for _ in range(20 * 5))  # each opens a few pages
    assert all(limits.submit.check(school) == 0.0 for _ in range(20 * 2))  # and sends two reports
    assert all(limits.submit_nojs.check(school) == 0.0 for _ in range(20))  # even all without JavaScript


def test_a_refused_global_request_does_not_cost_the_client_its_token() -> None:
    clock = [0.0]
    limiter = Limiter("t", per_client_per_minute=5, global_per_minute=1, clock=lambda: clock[0])
    assert limiter.check(b"a") == 0.0
    assert limiter.check(b"b") > 0  # global bucket empty
    clock[0] = 60.0
    assert limiter.check(b"b") == 0.0
    assert len(limiter.clients[b"b"].__slots__) > 0


def test_client_names_are_opaque_and_per_process() -> None:
    a, b = Limits.from_settings(fast_settings(Path("/x"))), Limits.from_settings(fast_settings(Path("/x")))
    assert a.namer("192.0.2.1") == a.namer("192.0.2.1")
    assert a.namer("192.0.2.1") != b.namer("192.0.2.1")
    assert b"192.0.2.1" not in a.namer("192.0.2.1")


def test_api_rate_limit_answers_429_before_reading_the_body(tmp_path: Path) -> None:
    async def accept(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok", status_code=201)

    app = Starlette(routes=[Route("/api/v1/reports", accept, methods=["POST"])])
    limited = ApiRateLimit(app, fast_settings(tmp_path, rate_api_per_client_per_minute=3))
    with TestClient(limited) as client:
        codes = [client.post("/api/v1/reports", content=b"{}").status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        refused = client.post("/api/v1/reports", content=b"{}")
        assert int(refused.headers["retry-after"]) >= 1
