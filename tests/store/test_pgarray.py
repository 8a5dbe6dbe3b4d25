"""Array literals for PostgreSQL parameters: every value comes back from the server as it went."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from watchword.store.pgarray import int_array, text_array

AWKWARD = [
    "plain",
    "",
    "NULL",
    "null",
    'a "quoted" word',
    "back\\slash\\",
    '\\"',
    "{braces}",
    "a,comma",
    "  spaces  ",
    "tab\tand\nnewline\r",
    "ünïcödé домен 中文 😀",
    "zero\u200bwidth",
    "x" * 5000,
    None,
]


def test_text_and_int_arrays_round_trip_through_the_server(pg_database_url: str) -> None:
    engine = create_engine(pg_database_url)
    ints = [0, 1, -1, 2**62, -(2**62), 42]
    with engine.connect() as conn:
        back = conn.execute(text("SELECT CAST(:a AS text[])"), {"a": text_array(AWKWARD)}).scalar_one()
        as_varchar = conn.execute(text("SELECT CAST(:a AS varchar[])"), {"a": text_array(AWKWARD)}).scalar_one()
        numbers = conn.execute(text("SELECT CAST(:a AS bigint[])"), {"a": int_array(ints)}).scalar_one()
        empty = conn.execute(text("SELECT cardinality(CAST(:a AS bigint[]))"), {"a": int_array([])}).scalar_one()
        rows = conn.execute(
            text("SELECT * FROM unnest(CAST(:i AS bigint[]), CAST(:t AS text[]))"),
            {"i": int_array(range(len(AWKWARD))), "t": text_array(AWKWARD)},
        ).all()
    engine.dispose()
    assert back == AWKWARD and as_varchar == AWKWARD
    assert numbers == ints and empty == 0
    assert rows == list(enumerate(AWKWARD))
