"""The worker's indicator statements over JSON (store/sqlite_batch.py) match the plain ones.

Indicator values are whatever a message holds: quotes, backslashes, every script, emoji, a
NUL. Each must be found by the one-statement lookup (or, for what JSON cannot carry, by the
plain `IN` query behind it), its count moved and its link written exactly as bound values would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from watchword.runtime import Runtime
from watchword.services import processing
from watchword.store import sqlite_batch
from watchword.store.models import Indicator, Report, ReportIndicator, utcnow

AWKWARD = [
    ("url", "https://example.com/a?b=1&c='2'"),
    ("url", 'https://example.com/"quoted"\\back\\slash'),
    ("domain", "xn--80ak6aa92e.com"),
    ("domain", "пример.рф"),
    ("email", "名前@例え.jp"),
    ("url", "https://example.com/🎣/\u200b/\ufeff"),
    ("url", "https://example.com/nul\x00after"),
    ("phone", "+44 20 7946 0000"),
    ("url", "https://example.com/" + "x" * 2000),
    ("url", 'https://example.com/[1,2]{"a":null}'),
    ("social", "  leading and trailing  "),  # any stored type (the store checks types: migration 0023)
    ("social", "line\nbreak\ttab\rreturn"),
]


def _report(rt: Runtime) -> int:
    with rt.db.write() as session:
        report = Report(
            public_id="p" * 32,
            channel="api",
            status="received",
            dedupe_key="k" * 64,
            text="",
            approach_hint="",
            answers={},
            source_name="",
            language="en",
            sightings=1,
            subject="",
            approach_type="",
            scope="in_scope",
            risk=0.0,
        )
        session.add(report)
        session.flush()
        return report.id


def test_awkward_values_are_found_counted_and_linked_as_bound_values_would_be(rt: Runtime) -> None:
    assert rt.db.is_sqlite
    report_id = _report(rt)
    with rt.db.write() as session:
        made = processing.upsert_indicators(session, AWKWARD)
    assert set(made) == set(AWKWARD)
    with rt.db.session() as session:
        stored = {(i.type, i.value): i.id for i in session.scalars(select(Indicator))}
        # Every value stored as given, and the one-statement lookup finds each under its own id.
        assert stored == made
        assert sqlite_batch.indicator_ids(session, set(AWKWARD)) == stored
        assert sqlite_batch.exact_ids(session, AWKWARD) == stored
        # A pair that is not stored is left out, not mistaken for a neighbour.
        assert sqlite_batch.indicator_ids(session, {("url", "https://example.com/nul"), ("url", "nope")}) == {}
    # The JSON path is what finds them: only the NUL value needs the plain query.
    with rt.db.session() as session:
        conn = session.connection()
        plain = sorted(p for p in AWKWARD if "\x00" not in p[1])
        found = {(t, v) for _id, t, v in conn.execute(sqlite_batch._IDS, {"pairs": sqlite_batch.json.dumps(plain)})}
        assert found == set(plain)

    before = utcnow()
    ids = sorted(stored.values())
    grown, shrunk = ids[:7], ids[7:]
    with rt.db.write() as session:
        sqlite_batch.add_counts(session, dict.fromkeys(grown, 3), before)
        sqlite_batch.add_counts(session, dict.fromkeys(shrunk, 2), before)
    later = utcnow()
    with rt.db.write() as session:
        sqlite_batch.add_counts(session, {**dict.fromkeys(grown, -1), **dict.fromkeys(shrunk, 1)}, later)
        sqlite_batch.link(session, [(report_id, i) for i in ids])
        sqlite_batch.link(session, [(report_id, ids[0])])  # an existing link is left as it is
    with rt.db.session() as session:
        rows = {i.id: i for i in session.scalars(select(Indicator))}
        links = set(session.scalars(select(ReportIndicator.indicator_id).where(ReportIndicator.report_id == report_id)))
    assert {i: rows[i].report_count for i in grown} == dict.fromkeys(grown, 2)
    assert {i: rows[i].report_count for i in shrunk} == dict.fromkeys(shrunk, 3)
    # Last seen moves where the count grew, and only there.
    assert all(rows[i].last_seen.replace(tzinfo=None) == before.replace(tzinfo=None) for i in grown)
    assert all(rows[i].last_seen.replace(tzinfo=None) == later.replace(tzinfo=None) for i in shrunk)
    assert links == set(ids)


def test_more_pairs_than_one_statement_takes(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_batch, "JSON_CHUNK", 7)
    pairs = [("domain", f"d{i}.example") for i in range(40)]
    with rt.db.write() as session:
        made = processing.upsert_indicators(session, pairs)
        processing.count_indicators(session, dict.fromkeys(made.values(), 1))
    with rt.db.session() as session:
        assert sqlite_batch.indicator_ids(session, set(pairs)) == made
        assert set(session.scalars(select(Indicator.report_count))) == {1}


def test_the_lookup_before_an_insert_asks_by_bound_value_only_what_json_cannot_carry(rt: Runtime) -> None:
    """A batch's new indicators are absent before their insert: asking for each of them again by
    bound value (an IN statement per type) found nothing. Only the NUL value goes that way then;
    after the insert every pair is expected, and one the JSON lookup misses is asked again."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    known = AWKWARD[:4]
    with rt.db.write() as session:
        processing.upsert_indicators(session, known)
    event.listen(rt.db.engine, "before_cursor_execute", seen)
    try:
        with rt.db.session() as session:
            absent = {("domain", f"new{i}.example") for i in range(5)} | {("url", "https://example.com/nul\x00x")}
            assert sqlite_batch.indicator_ids(session, set(known) | absent, expected=False).keys() == set(known)
        plain_queries = [s for s in statements if "indicators.value IN" in s]
        assert len(plain_queries) == 1  # the NUL value's type only, not the five new domains
        statements.clear()
        with rt.db.write() as session:
            made = processing.upsert_indicators(session, AWKWARD)
        assert set(made) == set(AWKWARD)
        # The plain query for the NUL value before and after its insert, and for nothing else.
        assert len([s for s in statements if "indicators.value IN" in s]) == 2
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", seen)
    with rt.db.session() as session:
        assert made == {(i.type, i.value): i.id for i in session.scalars(select(Indicator))}
