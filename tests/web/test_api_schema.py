"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis).

Every operation is called with generated inputs, valid and not: the API must never answer
5xx, must answer what its document says, and must keep its own schema valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.settings import make_settings
from watchword.runtime import open_runtime
from watchword.web.app import create_app


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    # The limiter would answer 429 to a generator's burst; its own tests cover it.
    rt = open_runtime(make_settings(tmp, rate_api_per_client_per_minute=10_000_000), migrate=True)
    app = create_app(rt)
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    rt.close()


def test_api_answers_as_its_openapi_document_says(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: schemathesis.Case) -> None:
            # Every schema-valid request must be accepted (positive_data_acceptance): the schema
            # says what an empty report is ("the reporter's words, a message or an answer"). The
            # one exception is a raw message of white space alone, refused with a documented 400:
            # a binary body's schema has no way to say "not only white space".
            raw_body = case.operation.path == "/api/v1/reports/email"
            case.call_and_validate(excluded_checks=[positive_data_acceptance] if raw_body else [])

        call()
