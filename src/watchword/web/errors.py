"""Answers for requests the framework's own handlers would turn into a 500.

A validation error echoes the offending input back; when that input holds a lone
surrogate (JSON `"\\ud800"`), it cannot be encoded as UTF-8 and rendering the 422
itself failed. A number too large for a 64-bit column that slipped past the typed
parameters fails in the database driver, as does a NUL byte in text on PostgreSQL:
that is the client's mistake, not ours.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

NOT_TEXT = "The request holds something that is not text (a lone surrogate such as \\ud800, or invalid UTF-8)."


def has_surrogate(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if depth > 20:
        return False
    if isinstance(value, dict):
        return any(has_surrogate(k, depth + 1) or has_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_surrogate(v, depth + 1) for v in value)
    return False


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "string_unicode" or has_surrogate(e.get("input")) for e in errors):
        return JSONResponse({"detail": NOT_TEXT}, status_code=status.HTTP_400_BAD_REQUEST)
    return await request_validation_exception_handler(request, exc)


async def number_out_of_range(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": "A number in the request is out of range."}, status_code=400)


async def value_not_storable(request: Request, exc: Exception) -> Response:
    # PostgreSQL refuses a NUL in text and numbers out of its range (sqlalchemy DataError).
    return JSONResponse({"detail": "The request holds a value that cannot be looked up or stored."}, status_code=400)


def install(app: FastAPI) -> None:
    from sqlalchemy.exc import DataError

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OverflowError, number_out_of_range)
    app.add_exception_handler(DataError, value_not_storable)
