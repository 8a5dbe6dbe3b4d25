"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis).

Every operation is called with generated inputs, valid and not (the read API with a read token,
over a shared campaign): the API must never answer 5xx, must answer what its document says,
must accept every request its document says is valid, and must keep its own schema valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.intel import intel_runtime, seed_campaign
from watchword.services import accounts
from watchword.web.app import create_app

if TYPE_CHECKING:
    import schemathesis

# schemathesis checks responses with jsonschema: imported where used, and run on the one xdist worker that
# imports jsonschema for the other checkers (see tests/intel/test_intel_exports.py). Its pytest plugin is
# not loaded (pyproject.toml, `-p no:schemathesis`): nothing here uses it, and it cost every pytest
# process 0.6-0.7 s of CPU at start-up.
pytestmark = pytest.mark.xdist_group("jsonschema")


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    """The API over a store with a shared campaign and its indicators, and a read token for them."""
    import schemathesis

    tmp: Path = tmp_path_factory.mktemp("schema")
    # The limiter would answer 429 to a generator's burst; its own tests cover it.
    with intel_runtime(tmp, rate_api_per_client_per_minute=10_000_000) as rt:
        seed_campaign(rt, count=3)
        with rt.db.write() as session:
            token, _row = accounts.create_token(session, "schema-reader", "read", "admin")
        app = create_app(rt)
        yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app), token


def test_api_answers_as_its_openapi_document_says(api_schema: tuple[schemathesis.BaseSchema, str]) -> None:
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema, token = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    # The read API is called with a read token, so its answers (not only its 401) are checked.
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: schemathesis.Case) -> None:
            # Every schema-valid request must be accepted (positive_data_acceptance): the schema
            # says what an empty report is ("the reporter's words, a message or an answer"). The
            # one exception is a raw message of white space alone, refused with a documented 400:
            # a binary body's schema has no way to say "not only white space".
            raw_body = case.operation.path == "/api/v1/reports/email"
            response = case.call(headers=headers)
            assert response.status_code != 401, (case.operation.path, response.text)
            case.validate_response(response, excluded_checks=[positive_data_acceptance] if raw_body else [])

        call()
