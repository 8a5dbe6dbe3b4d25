"""insert_ignore(): the one INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from watchword.runtime import Runtime
from watchword.store.models import Indicator, utcnow
from watchword.store.upsert import insert_ignore, upsert


def _row(value: str) -> dict[str, object]:
    now = utcnow()
    return {"type": "domain", "value": value, "first_seen": now, "last_seen": now, "report_count": 0}


def test_insert_ignore_adds_once_and_says_what_it_added(any_rt: Runtime) -> None:
    with any_rt.db.write() as session:
        stmt = insert_ignore(session, Indicator, "type", "value").returning(Indicator.id)
        first = session.execute(stmt.values(_row("evil.example"))).all()
        again = session.execute(stmt.values(_row("evil.example"))).all()
        assert len(first) == 1 and again == []
        count = session.scalar(select(func.count()).select_from(Indicator).where(Indicator.value == "evil.example"))
        assert count == 1


def test_a_conflict_on_another_constraint_is_still_an_error(any_rt: Runtime) -> None:
    with any_rt.db.write() as session:
        session.execute(insert_ignore(session, Indicator, "type", "value").values(_row("a.example")))
        taken = session.scalar(select(Indicator.id).where(Indicator.value == "a.example"))
    with pytest.raises(IntegrityError), any_rt.db.write() as session:
        # Same primary key, different (type, value): only (type, value) conflicts were to be ignored.
        session.execute(insert_ignore(session, Indicator, "type", "value").values({**_row("b.example"), "id": taken}))


def test_upsert_updates_on_conflict(any_rt: Runtime) -> None:
    with any_rt.db.write() as session:
        for _ in range(3):
            stmt = upsert(session, Indicator).values(_row("c.example"))
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["type", "value"], set_={"report_count": Indicator.report_count + 1}
                )
            )
        assert session.scalar(select(Indicator.report_count).where(Indicator.value == "c.example")) == 2
