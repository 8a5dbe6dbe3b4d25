"""A batch's new campaigns are inserted together, not one statement each (issue 14)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from watchword.campaigns.assign import _STATS, uniform_update
from watchword.campaigns.store import BatchBackend, StoreBackend
from watchword.domain.states import CaseStatus
from watchword.runtime import Runtime
from watchword.store.models import Campaign


def test_a_batchs_new_campaigns_go_in_one_statement_with_their_stored_defaults(any_rt: Runtime) -> None:
    statements: list[tuple[str, bool]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CAMPAIGNS"):
            statements.append((statement, executemany))

    event.listen(any_rt.db.engine, "before_cursor_execute", seen)
    try:
        with any_rt.db.write() as session:
            backend = BatchBackend(session)
            made = [backend.new_cluster("high" if n % 2 else "low") for n in range(12)]
            session.flush()
    finally:
        event.remove(any_rt.db.engine, "before_cursor_execute", seen)
    # One executemany (SQLite: before, one INSERT … RETURNING per campaign); no RETURNING needed.
    assert len(statements) == 1, [s for s, _ in statements]
    assert "RETURNING" not in statements[0][0].upper()
    with any_rt.db.session() as session:
        rows = session.scalars(select(Campaign).where(Campaign.id.in_(made)).order_by(Campaign.id)).all()
    assert [c.id for c in rows] == sorted(made)
    assert {c.case_status for c in rows} == {CaseStatus.NEW}
    assert [c.risk_class for c in rows] == ["high" if n % 2 else "low" for n in range(12)]


def test_a_batch_rewrites_only_the_campaigns_it_changed(any_rt: Runtime) -> None:
    """`uniform_update` gives every changed campaign the same columns (one executemany) and
    leaves alone those the batch only read: a candidate its posting lists named is not
    rewritten unchanged."""
    with any_rt.db.write() as session:
        backend = BatchBackend(session)
        made = [backend.new_cluster("low") for _ in range(3)]
    rows: list[Any] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE CAMPAIGNS"):
            rows.extend(parameters if executemany else [parameters])

    event.listen(any_rt.db.engine, "before_cursor_execute", seen)
    try:
        with any_rt.db.write() as session:
            held = session.scalars(select(Campaign).where(Campaign.id.in_(made)).order_by(Campaign.id)).all()
            held[0].member_count = 5
            held[2].risk = 0.5
            uniform_update(held, _STATS)
            session.flush()
    finally:
        event.remove(any_rt.db.engine, "before_cursor_execute", seen)
    assert len(rows) == 2, rows  # the middle one, read and left as it was, is not written
    with any_rt.db.session() as session:
        stored = session.scalars(select(Campaign).where(Campaign.id.in_(made)).order_by(Campaign.id)).all()
    assert [(c.member_count, c.risk) for c in stored] == [(5, 0.0), (0, 0.0), (0, 0.5)]


def test_a_batchs_postings_are_stored_exactly_and_once_whatever_their_size(any_rt: Runtime) -> None:
    """SQLite writes a batch's new posting entries as one JSON text: 63-bit keys and contents
    come back exact, an entry already stored is left as it was, and nothing else is added."""
    big, small = 2**63 - 1, 1
    with any_rt.db.write() as session:
        backend = BatchBackend(session)
        one, two = backend.new_cluster("high"), backend.new_cluster("low")
        session.flush()
        backend.add_postings([(big, 2**62 + 3, one), (small, big, two)])
        backend.flush_postings()
    with any_rt.db.write() as session:
        backend = BatchBackend(session)
        backend.add_postings([(big, 2**62 + 3, two), (big, 7, two)])  # the first is stored already
        backend.flush_postings()
    with any_rt.db.session() as session:
        stored = StoreBackend(session).postings([big, small, 12345])
    assert sorted(stored[big]) == [(7, two), (2**62 + 3, one)]
    assert stored[small] == [(big, two)]
    assert 12345 not in stored
