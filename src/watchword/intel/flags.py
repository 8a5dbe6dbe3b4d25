"""Analysts' word on a value: allowlisted (legitimate) or false positive.

Either flag keeps the value out of every export (intel.selection reads them);
setting or clearing one is an audit event, so who vouched for a value and when
can always be shown.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain.states import FlagKind
from watchword.store import audit
from watchword.store.models import Indicator
from watchword.store.models_intel import ValueFlag

KINDS: dict[str, str] = {FlagKind.ALLOWLISTED: "Allowlisted (legitimate)", FlagKind.FALSE_POSITIVE: "False positive"}


def flags_of(session: Session, indicator_type: str, value: str) -> list[ValueFlag]:
    return list(
        session.scalars(
            select(ValueFlag).where(ValueFlag.type == indicator_type, ValueFlag.value == value).order_by(ValueFlag.id)
        )
    )


def set_flag(session: Session, indicator_type: str, value: str, kind: str, actor: str, note: str = "") -> ValueFlag:
    if kind not in KINDS:
        raise ValueError(f"unknown flag {kind!r}; one of {', '.join(KINDS)}")
    existing = session.scalars(
        select(ValueFlag).where(ValueFlag.type == indicator_type, ValueFlag.value == value, ValueFlag.kind == kind)
    ).first()
    if existing is not None:
        return existing
    flag = ValueFlag(type=indicator_type, value=value, kind=kind, note=note[:2000], actor=actor)
    session.add(flag)
    session.flush()
    detail = {"type": indicator_type, "value": value[:300], "note": note[:300]}
    audit.record(session, actor, f"intel.{kind}", "indicator_value", flag.id, detail)
    return flag


def clear_flags(session: Session, indicator_type: str, value: str, actor: str) -> int:
    gone = delete(ValueFlag).where(ValueFlag.type == indicator_type, ValueFlag.value == value)
    removed = len(session.execute(gone.returning(ValueFlag.id)).all())
    if removed:
        audit.record(
            session, actor, "intel.flag_cleared", "indicator_value", "", {"type": indicator_type, "value": value[:300]}
        )
    return removed


def flag_indicator(session: Session, indicator_id: int, kind: str, actor: str, note: str = "") -> bool:
    """Flag a stored indicator's value as `kind` (one of KINDS), or remove both flags (`kind="clear"`).
    True when it was flagged, False when cleared."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise errors.NotFound("No such indicator.")
    if kind == "clear":
        clear_flags(session, indicator.type, indicator.value, actor)
        return False
    if kind not in KINDS:
        raise errors.Invalid("Choose allowlisted or false_positive.")
    set_flag(session, indicator.type, indicator.value, kind, actor, note.strip())
    return True
