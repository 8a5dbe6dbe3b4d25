"""Analyst console routes: one module per page, gathered under /console here."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse

from watchword.web.console import (
    admin,
    bulletins,
    campaigns,
    casework,
    dashboard,
    files,
    indicators,
    login,
    notifications,
    queue,
    reports,
    review,
)

router = APIRouter(prefix="/console", include_in_schema=False)

for module in (
    login,
    queue,
    dashboard,
    reports,
    files,
    campaigns,
    indicators,
    bulletins,
    notifications,
    review,
    admin,
    casework,
):
    router.include_router(module.router)


@router.get("")
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)
