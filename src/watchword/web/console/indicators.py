"""The indicators list (search and filters) and the indicator page: every report and campaign an
indicator appears in, whether the value is known legitimate, and the analysts' allowlist and
false-positive flags on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from watchword.domain.model import INDICATOR_TYPES
from watchword.intel import flags as value_flags
from watchword.intel import retrohunt
from watchword.known import warninglists
from watchword.services import queries
from watchword.services import queue as queue_service
from watchword.web.console.auth import Analyst, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other
from watchword.web.deps import Before

router = APIRouter()


@router.get("/indicators")
def indicator_list(request: Request, rt: Rt, me: Reader, before: Before = None) -> Response:
    filters = queries.IndicatorFilters.parse(dict(request.query_params), queue_service.VERDICTS)
    with rt.db.session() as session:
        result = queries.indicator_list(session, filters, before)
    return page(
        request,
        "indicators.html",
        me,
        result=result,
        filters=filters,
        params=filters.query_params(),
        types=INDICATOR_TYPES,
        verdicts=queue_service.VERDICTS,
        flag_kinds=value_flags.KINDS,
        first_page=before is None,
    )


@router.get("/indicators/{indicator_id:id}")
def indicator_page(request: Request, rt: Rt, me: Reader, indicator_id: int, before: Before = None) -> Response:
    with rt.db.session() as session:
        view = queries.indicator_view(session, indicator_id, before)
        indicator = view.indicator
        flags = [
            (value_flags.KINDS[f.kind], f.actor, f.created_at, f.note)
            for f in value_flags.flags_of(session, indicator.type, indicator.value)
        ]
        known_bad = retrohunt.known_bad_entries(session, indicator.type, indicator.value)
    return page(
        request,
        "indicator.html",
        me,
        first_page=before is None,
        known_lists=warninglists.known_lists(indicator.type, indicator.value),
        flags=flags,
        known_bad=known_bad,
        **queries.as_dict(view),
    )


@router.post("/indicators/{indicator_id:id}/flag")
def indicator_flag(
    rt: Rt,
    me: Analyst,
    indicator_id: int,
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Allowlist a value or mark it a false positive (kind=clear removes both)."""
    with rt.db.write() as session:
        flagged = value_flags.flag_indicator(session, indicator_id, kind, me.username, note)
    return see_other(flash_url(f"/console/indicators/{indicator_id}", "flagged" if flagged else "unflagged"))
