"""The console helpers' own checks (tests/support/console.py)."""

from __future__ import annotations

import pytest

from tests.support.console import console_client, count_queries
from watchword.runtime import Runtime


def test_query_counter_sees_each_statement(rt: Runtime) -> None:
    from sqlalchemy import text

    with count_queries(rt.db.engine) as seen, rt.db.session() as session:
        session.execute(text("SELECT 1"))
        session.execute(text("SELECT 2"))
    assert len(seen) == 2


@pytest.mark.parametrize("path", ["/console/", "/console/search?q=x", "/console/audit"])
def test_console_pages_need_a_sign_in(rt: Runtime, path: str) -> None:
    response = console_client(rt).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=")
