"""Shared request dependencies."""

from __future__ import annotations

from fastapi import Request

from watchword.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt
