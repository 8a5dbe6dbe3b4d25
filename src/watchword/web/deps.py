"""Shared request dependencies, and the `{name:id}` path convertor for database ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import Field
from starlette.convertors import Convertor, register_url_convertor

from watchword.runtime import Runtime

# The largest id a 64-bit signed integer column holds (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1


class IdConvertor(Convertor[int]):
    """Database ids in paths: 1 to 18 digits, so that every match fits a 64-bit column.

    With a plain `{report_id}` typed `int`, a path segment that is not a number still
    matches the route and gets a 422 (`/console/indicators/export.csv` was taken by
    `/console/indicators/{indicator_id}`), and a 23-digit number reached the database
    and failed there (500). With `{report_id:id}` neither matches: the router moves on
    to the next route or answers 404.
    """

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 0 <= int(value) <= MAX_ID:
            raise ValueError("an id is a non-negative 64-bit integer")
        return str(int(value))


# Ids in query strings and forms (paging cursors, a selection, a campaign to merge): in range or 422.
IdValue = Annotated[int, Field(ge=0, le=MAX_ID)]
Before = Annotated[int | None, Query(ge=0, le=MAX_ID)]

# Registered on import: every router module that uses `{...:id}` imports this module first.
register_url_convertor("id", IdConvertor())


async def runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request for an
    # attribute read (the intake's hot path, issue 14).
    rt: Runtime = request.app.state.rt
    return rt


def absolute_base(request: Request, rt: Runtime) -> str:
    """The start of absolute links: WATCHWORD_PUBLIC_BASE_URL, else the address this server
    listens on (the socket's, from the ASGI scope). Never the Host header: a request naming
    another host must not get links to it into a feed or a TAXII discovery document."""
    if rt.settings.public_base_url:
        return rt.settings.public_base_url
    scheme = request.scope.get("scheme", "http")
    server = request.scope.get("server") or (rt.settings.host, rt.settings.port)
    host, port = str(server[0]), server[1]
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")
