"""PostgreSQL array parameters written as array literals, in C-speed string operations.

The worker's batch statements take their rows as arrays (`unnest(CAST(:x AS bigint[]))`).
Handed a Python list, psycopg dumps it element by element in Python (quoting checks, a
regular expression per string): in a profile of a PostgreSQL worker that was a tenth of
its process's CPU (issue 14). A list given as one array literal (`{1,2,3}`, text), which
the statement's CAST parses on the server, costs a `join`. The literal is exact: integers
are written by `int`, every text element is double-quoted with its backslashes and double
quotes escaped (the array input syntax), None is NULL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Text, any_, cast, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute, Session

_Column = ColumnElement[Any] | QueryableAttribute[Any]


def int_array(values: Iterable[int]) -> str:
    """`{1,2,3}` for `CAST(:x AS bigint[])` (or integer[])."""
    return "{" + ",".join([str(int(v)) for v in values]) + "}"


def _element(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_array(values: Iterable[str | None]) -> str:
    """`{"a","b"}` for `CAST(:x AS text[])` (or varchar[]): every element quoted, so that
    commas, braces, spaces, quotes, backslashes and the word NULL come back as they went."""
    return "{" + ",".join([_element(v) for v in values]) + "}"


def _postgres(where: Session | Connection | str) -> bool:
    if isinstance(where, str):
        return where == "postgresql"
    return (
        where.get_bind().dialect.name == "postgresql"
        if isinstance(where, Session)
        else where.dialect.name == "postgresql"
    )


def among_ids(column: _Column, ids: Iterable[int | None], where: Session | Connection | str) -> ColumnElement[bool]:
    """`column IN (ids)`, written on PostgreSQL as `column = ANY(CAST(:x AS bigint[]))` with the ids
    as one array literal.

    An IN list renders one placeholder per value: its SQL text changes with the count, so
    neither SQLAlchemy's expansion nor psycopg's query conversion is cached (statements over
    4 KB are converted afresh every time) and PostgreSQL never prepares it. The array form is
    one text for any count (prepared from its fifth use). `where` tells the dialect: a
    session, a connection, or the dialect's name. SQLite keeps the IN list.
    """
    wanted = [i for i in ids if i is not None]  # NULL is in no IN list: the same rows either way
    if not _postgres(where):
        return column.in_(wanted)
    return column == any_(cast(literal(int_array(wanted), Text), ARRAY(BigInteger)))


def among_texts(column: _Column, values: Iterable[str], where: Session | Connection | str) -> ColumnElement[bool]:
    """`among_ids` for text values (`CAST(:x AS text[])`)."""
    if not _postgres(where):
        return column.in_(list(values))
    return column == any_(cast(literal(text_array(values), Text), ARRAY(Text)))
