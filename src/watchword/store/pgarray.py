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
