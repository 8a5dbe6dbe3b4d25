"""Every table of Watchword, gathered so that migrations and tests see the whole schema."""

from __future__ import annotations

from watchword.store import (  # noqa: F401
    models_campaigns,
    models_intel,
    models_mail,
    models_notify,
    models_people,
    models_reporter,
)
from watchword.store.models import Base

metadata = Base.metadata


def _declare_states() -> None:
    """The CHECK constraints of migrations 0006, 0014, 0022 and 0023, declared on the tables from the
    one list of states."""
    from sqlalchemy import CheckConstraint

    from watchword.domain.states import NOT_YET_SET, STORED_STATES, check_sql

    for (table, column), states in STORED_STATES.items():
        target = metadata.tables[table]
        # Named `column`: the metadata's naming convention makes it ck_<table>_<column>.
        if not any(c.name == f"ck_{table}_{column}" for c in target.constraints):
            allowed = check_sql(column, states, empty_too=(table, column) in NOT_YET_SET)
            target.append_constraint(CheckConstraint(allowed, name=column))


_declare_states()
