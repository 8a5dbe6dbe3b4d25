"""The dashboard: reports per day by approach type, surging campaigns, time to verdict, reporters told.

Charts are SVG drawn on the server from `services.dashboard` (no script, readable without
JavaScript), each with a caption and the same numbers as a table.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from watchword.services import dashboard as dashboard_model
from watchword.web.console.auth import Reader, Rt
from watchword.web.console.common import page

router = APIRouter()


def hours(value: float | None) -> str:
    """4.2 h, 3.1 days, 25 min: how long, as an analyst would say it."""
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


@router.get("/dashboard")
def dashboard(request: Request, rt: Rt, me: Reader, days: int = 30) -> Response:
    closed = getattr(request.app.state, "dashboard_days", None)
    if closed is None:  # one per app (web process): finished days' counts, see ClosedDays
        closed = request.app.state.dashboard_days = dashboard_model.ClosedDays()
    with rt.db.session() as session:
        view = dashboard_model.dashboard(session, days, closed=closed)
    return page(request, "dashboard.html", me, d=view, windows=dashboard_model.WINDOWS, hours=hours)
