"""Refusals to HTTP, in one place: which status each meaning gets, and how it is written.

A service raises a `watchword.errors` meaning; a route lets it through. Here it
becomes a status (`STATUS`) and a body chosen by who is asking:

* the JSON API (`/api/...`), clients that ask for JSON and clients with an API token: RFC 9457
  `application/problem+json` (`detail` holds the sentence for people);
* the TAXII server (`/taxii2/...`): a TAXII 2.1 error message;
* everyone else, i.e. people on the console and reporter pages: an HTML page.

`HTTPException`s raised by routes (authentication, CSRF) are written the same way,
so a person never meets a bare JSON error in a browser.

Some bad input would otherwise reach the framework's own handlers as a 500: a
validation error echoes the offending input back, and when that input holds a lone
surrogate (JSON `"\\ud800"`) it cannot be encoded as UTF-8; a number too large for a
64-bit column that slipped past the typed parameters, or a NUL byte in text on
PostgreSQL, fails in the database driver. Those are the client's mistakes: 400.
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from watchword import errors
from watchword.translation import N_, gettext_for, refusal_in
from watchword.web.templating import LANGUAGE_COOKIE, choose_language, environment_for

# The one table from meaning to HTTP status.
STATUS: dict[type[errors.WatchwordError], int] = {
    errors.WatchwordError: 400,
    errors.Invalid: 400,
    errors.TooLarge: 413,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Refused: 403,
    errors.Unauthenticated: 401,
    errors.Throttled: 429,
    errors.Unavailable: 503,
}

PROBLEM_JSON = "application/problem+json"
TAXII_JSON = "application/taxii+json;version=2.1"


def status_for(error: errors.WatchwordError) -> int:
    return STATUS[errors.meaning_of(error)]


def _title(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _wants(request: Request) -> str:
    """'problem', 'taxii' or 'html': the form of error this caller can use."""
    path = request.url.path
    if path.startswith("/api/"):
        return "problem"
    if path.startswith("/taxii2"):
        return "taxii"
    accept = request.headers.get("accept", "").lower()
    if "json" in accept and "html" not in accept:
        return "problem"
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return "problem"  # a machine client with an API token (exports, the console's JSON-free pages)
    return "html"


def problem_json(status_code: int, detail: str) -> bytes:
    """An RFC 9457 problem document (for the ASGI middlewares that answer before any route)."""
    body = {"type": "about:blank", "title": _title(status_code), "status": status_code, "detail": detail}
    return json.dumps(body).encode()


def error_response(
    request: Request, status_code: int, refusal: str | errors.WatchwordError, headers: dict[str, str] | None = None
) -> Response:
    """The refusal as this caller can use it: machines and the console read the English, a
    reporter page says it in the page's language (a `WatchwordError` with its numbers put in after
    the look-up: see `errors.WatchwordError`)."""
    headers = {"Cache-Control": "no-store", **(headers or {})}
    title = _title(status_code)
    detail = str(refusal)
    form = _wants(request)
    if form == "problem":
        return Response(problem_json(status_code, detail), status_code, headers, media_type=PROBLEM_JSON)
    if form == "taxii":
        body = {"title": title, "http_status": str(status_code), "description": detail}
        return Response(json.dumps(body, separators=(",", ":")), status_code, headers, media_type=TAXII_JSON)
    if request.url.path.startswith("/console"):
        # Console pages are in English; the console layout with no principal shows no navigation.
        html = environment_for("en").get_template("console/error.html").render(me=None, title=title, detail=detail)
    else:
        language = choose_language(
            request.query_params.get("lang"),
            request.cookies.get(LANGUAGE_COOKIE),
            request.headers.get("accept-language"),
        )
        if isinstance(refusal, errors.WatchwordError):
            detail = refusal_in(refusal, language)
        else:
            detail = gettext_for(language)(detail)  # a marked sentence reads in the page's language; others stay
        html = environment_for(language).get_template("error.html").render(title=title, detail=detail)
    return Response(html, status_code, headers, media_type="text/html; charset=utf-8")


async def _watchword_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.WatchwordError)
    headers = {}
    if isinstance(exc, errors.Throttled) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, errors.Unauthenticated) and request.url.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="watchword"'  # a 401 says how to authenticate (RFC 9110)
    return error_response(request, status_for(exc), exc, headers)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code < 400:  # a redirect carried as an exception (sign in first)
        return await http_exception_handler(request, exc)
    return error_response(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))


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


# A reporter's form field over its bound (a pasted text longer than any message may be): a page in
# their language, not the framework's JSON, which would also echo the whole text back.
FORM_TOO_LONG = N_("Part of what you sent is too long for this form. Please go back, shorten it and send it again.")


# Any other field a reporter's page could not read (a forged form): the form's own retry sentence.
FORM_NOT_READ = N_("Please check your report and press Send again.")


async def _validation_error(request: Request, exc: Exception) -> Response:
    """A field the route could not read, said without the field's value: the framework's own answer
    echoes every offending input back (a 100 kB paste comes back whole, to a person as raw JSON)."""
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(e.get("type") == "string_unicode" or has_surrogate(e.get("input")) for e in problems):
        return error_response(request, 400, NOT_TEXT)
    if _wants(request) == "html":
        if request.url.path.startswith("/console"):
            fields = "; ".join(_described(e) for e in problems[:5])
            return error_response(request, 422, errors.Invalid(f"The form could not be read: {fields}."))
        too_long = all(e.get("type") == "string_too_long" for e in problems)
        return error_response(request, 422, errors.Invalid(FORM_TOO_LONG if too_long else FORM_NOT_READ))
    # Machines keep the framework's shape (`detail`: type, loc, msg), less the inputs.
    kept = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in problems]
    return await request_validation_exception_handler(request, RequestValidationError(kept))


def _described(problem: dict[str, object]) -> str:
    where = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path")]  # type: ignore[attr-defined]
    return f"{'.'.join(where) or 'a field'}: {problem.get('msg', 'not valid')}"


async def _number_out_of_range(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, "A number in the request is out of range.")


async def _value_not_storable(request: Request, exc: Exception) -> Response:
    # PostgreSQL refuses a NUL in text and numbers out of its range (sqlalchemy DataError).
    return error_response(request, 400, "The request holds a value that cannot be looked up or stored.")


def install(app: FastAPI) -> None:
    from sqlalchemy.exc import DataError

    app.add_exception_handler(errors.WatchwordError, _watchword_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OverflowError, _number_out_of_range)
    app.add_exception_handler(DataError, _value_not_storable)
