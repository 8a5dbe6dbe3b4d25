"""Array literals for PostgreSQL parameters: every value comes back from the server as it went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_among_ids_and_texts_select_what_an_in_list_selects_on_both_stores(
    pg_database_url: str, tmp_path: Path
) -> None:
    from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select

    from watchword.store.pgarray import among_ids, among_texts

    values = [v for v in AWKWARD if v is not None]
    meta = MetaData()
    table = Table("t", meta, Column("id", BigInteger, primary_key=True), Column("v", String))
    for url in (pg_database_url, f"sqlite:///{tmp_path / 't.db'}"):
        engine = create_engine(url)
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": i + 1, "v": v} for i, v in enumerate(values)])
            ids = [2, 4, 4, 2**40, None, 1]  # repeats, an absent id and a NULL
            for where in (conn, url.split(":")[0].split("+")[0]):
                by_id = conn.scalars(select(table.c.id).where(among_ids(table.c.id, ids, where)).order_by(table.c.id))
                assert by_id.all() == [1, 2, 4]
                assert conn.scalars(select(table.c.id).where(among_ids(table.c.id, [], where))).all() == []
                wanted = [*values[3:9], "absent"]
                by_text = conn.scalars(select(table.c.v).where(among_texts(table.c.v, wanted, where)))
                assert sorted(by_text.all()) == sorted(values[3:9])
            if url.startswith("postgresql"):
                # One statement text whatever the number of ids, with its values rendered (what
                # psycopg and the server see): it can be cached and prepared; an IN list cannot.
                def rendered(n: int, where: Any) -> str:
                    statement = select(table.c.id).where(where(table.c.id, list(range(n))))
                    return str(statement.compile(conn, compile_kwargs={"render_postcompile": True}))

                assert len({rendered(n, lambda c, v: among_ids(c, v, conn)) for n in (1, 10, 1000)}) == 1
                assert len({rendered(n, lambda c, v: c.in_(v)) for n in (1, 10, 1000)}) == 3
        engine.dispose()
