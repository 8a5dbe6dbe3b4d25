"""A worker batch's indicator rows on SQLite, each in one statement over a JSON array.

The worker's result transaction holds SQLite's one write lock, and the intake's group
commit waits for it (bench/year.py: the lock was held ~90% of the time, two thirds of it
by the worker). Inside it, a batch's ~1,000 indicator lookups, count changes and links
went as an `IN (...)` list per 500 values and type, an UPDATE per distinct change and
500 ids, and an executemany of every link row: SQLAlchemy builds, renders and binds each
one in Python, far more than SQLite's own work. Here each is one statement whose rows
arrive as one JSON text parameter, read by `json_each`: the same rows touched, the same
indexes used, one round trip. (PostgreSQL has its own array statements in processing.py.)

JSON carries every string SQLite stores but one: a NUL character, which SQLite's JSON
functions cut text at. Lookups of values holding one, and anything the fast lookup does
not find, go through the plain `IN` query (`exact_ids`), so a value is never missed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from watchword.store.models import Indicator

# Pairs per statement: one bound parameter each whatever the count; bounded so that one
# statement's JSON stays a few hundred kB.
JSON_CHUNK = 5000

# CROSS JOIN keeps json_each outside: one probe of uq_indicators_type_value per pair.
_IDS = text(
    "SELECT i.id, i.type, i.value FROM json_each(:pairs) AS j CROSS JOIN indicators AS i "
    "ON i.type = json_extract(j.value, '$[0]') AND i.value = json_extract(j.value, '$[1]')"
)
# One UPDATE FROM for every change of the batch (SQLite 3.33+); last seen moves only where
# the count grew, as the per-change UPDATEs did.
_COUNTS = text(
    "UPDATE indicators SET report_count = report_count + d.change, "
    "last_seen = CASE WHEN d.change > 0 THEN :now ELSE last_seen END "
    "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS change "
    "FROM json_each(:changes)) AS d WHERE indicators.id = d.id"
).bindparams(bindparam("now", type_=Indicator.__table__.c.last_seen.type))
# WHERE true: SQLite's parser needs it before an upsert clause after INSERT ... SELECT.
_LINKS = text(
    "INSERT INTO report_indicators (report_id, indicator_id) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:rows) WHERE true "
    "ON CONFLICT DO NOTHING"
)


def _chunks(items: Sequence[object]) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), JSON_CHUNK):
        yield items[start : start + JSON_CHUNK]


def exact_ids(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of these indicators by plain bound values (an IN list per type and 500 values)."""
    ids: dict[tuple[str, str], int] = {}
    by_type: dict[str, list[str]] = {}
    for t, v in pairs:
        by_type.setdefault(t, []).append(v)
    for t, values in by_type.items():
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            for ind_id, value in session.execute(
                select(Indicator.id, Indicator.value).where(Indicator.type == t, Indicator.value.in_(chunk))
            ):
                ids[(t, value)] = ind_id
    return ids


def indicator_ids(
    session: Session, pairs: set[tuple[str, str]], *, expected: bool = True
) -> dict[tuple[str, str], int]:
    """Ids of the stored indicators among `pairs` (absent ones are left out).

    `expected`: the pairs are all stored (just inserted), so one the JSON lookup did not
    find is asked again by bound value, and a pair is then missing only if it is not
    stored. With False (a lookup before inserting what is missing), only what JSON cannot
    carry is asked by bound value: the batch's new indicators are absent, and asking for
    each of them again cost an IN statement per type and batch (~12 a batch, each built
    by SQLAlchemy) for nothing; the lookup after their insert asks with `expected`.
    """
    plain = sorted(p for p in pairs if "\x00" not in p[0] and "\x00" not in p[1])
    ids: dict[tuple[str, str], int] = {}
    conn = session.connection()
    for chunk in _chunks(plain):
        for ind_id, t, v in conn.execute(_IDS, {"pairs": json.dumps(chunk)}):
            ids[(t, v)] = ind_id
    rest = [p for p in pairs if p not in ids and (expected or "\x00" in p[0] or "\x00" in p[1])]
    if rest:
        ids.update(exact_ids(session, rest))
    return ids


def add_counts(session: Session, changed: dict[int, int], now: dt.datetime) -> None:
    """Each indicator's report count moved by its change; last seen `now` where it grew."""
    rows = sorted(changed.items())
    conn = session.connection()
    for chunk in _chunks(rows):
        conn.execute(_COUNTS, {"changes": json.dumps(chunk), "now": now})


def link(session: Session, rows: Sequence[tuple[int, int]]) -> None:
    """(report id, indicator id) links added, existing ones left as they are."""
    conn = session.connection()
    for chunk in _chunks(rows):
        conn.execute(_LINKS, {"rows": json.dumps(chunk)})
