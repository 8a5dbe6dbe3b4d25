"""A TAXII 2.1 server under /taxii2/ (OASIS TAXII 2.1, sections 4-5).

Discovery, one API root, one read collection per shareable TLP level, objects
with `added_after`, `limit`/`next`, `match[id|type|version|spec_version]`,
single objects and their versions, and the manifest. One write-only
collection, feeds-in, takes Add Objects from write tokens (intel/taxii_inbox.py)
and answers 202 with a status resource at /taxii2/api/status/<id>/. Every
endpoint needs an API token (web/intel/auth.py). Errors are TAXII error
messages, not FastAPI's, and an Accept naming another TAXII version is 406.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from watchword import errors
from watchword.intel import taxii, taxii_inbox
from watchword.runtime import Runtime
from watchword.web.deps import absolute_base, runtime
from watchword.web.intel.auth import TaxiiCaller, taxii_caller

API_ROOT = "/taxii2/api/"


def _body(payload: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload, separators=(",", ":")),
        status_code=status_code,
        media_type=taxii.MEDIA_TYPE,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


class TaxiiRoute(APIRoute):
    """Renders refusals as TAXII error messages, and refuses what the client cannot accept."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            accept = request.headers.get("accept", "").lower()
            if accept and not _acceptable(accept):
                return _body(
                    {
                        "title": "Not Acceptable",
                        "http_status": "406",
                        "description": f"This server speaks {taxii.MEDIA_TYPE} (TAXII 2.1 only).",
                    },
                    406,
                )
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _body({"title": "Bad Request", "http_status": "400", "description": _validation_text(exc)}, 400)
            except HTTPException as exc:
                return _body(
                    {
                        "title": _TITLES.get(exc.status_code, "Error"),
                        "http_status": str(exc.status_code),
                        "description": str(exc.detail),
                    },
                    exc.status_code,
                    dict(exc.headers or {}),
                )

        return route


def _acceptable(accept: str) -> bool:
    """TAXII 2.1 (or any media type); `application/taxii+json;version=2.0` is not."""
    for item in accept.split(","):
        kind, _, params = item.strip().partition(";")
        kind = kind.strip()
        if kind in ("*/*", "application/*"):
            return True
        if kind == "application/taxii+json":
            version = dict(p.strip().partition("=")[::2] for p in params.split(";") if "=" in p).get("version", "2.1")
            if version.strip() == "2.1":
                return True
    return False


def _validation_text(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    503: "Not Configured",
}

router = APIRouter(prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]
Reader = Annotated[TaxiiCaller, Depends(taxii_caller)]


def _collection(rt: Runtime, collection_id: str, *, reading: bool = True) -> taxii.Collection:
    found = taxii.collection_by_id(rt.settings.org_name, collection_id, rt.settings.taxii_max_tlp)
    if found is None:
        raise errors.NotFound(f"No collection {collection_id[:100]}.")
    if reading and found.writable:
        raise errors.Refused("This collection is write-only: what is added is not served.")
    return found


def _served(rt: Runtime, reader: TaxiiCaller) -> list[taxii.Collection]:
    """The read collections, and feeds-in for a token that may add to it."""
    served = taxii.collections(rt.settings.org_name, rt.settings.taxii_max_tlp)
    return [*served, taxii.feeds_in(rt.settings.org_name)] if reader.may_write else served


@router.get("/")
def discovery(request: Request, rt: Rt, _reader: Reader) -> Response:
    org = rt.settings.org_name
    # Absolute URLs, as the spec's examples give them: WATCHWORD_PUBLIC_BASE_URL, never the Host header.
    root = absolute_base(request, rt) + API_ROOT
    return _body(
        {
            "title": f"{org} TAXII server",
            "description": "Indicators and campaigns from reported approaches, marked with TLP 2.0.",
            "contact": org,
            "default": root,
            "api_roots": [root],
        }
    )


@router.get("/api/")
def api_root(rt: Rt, _reader: Reader) -> Response:
    return _body(
        {
            "title": f"{rt.settings.org_name} shared indicators",
            "versions": [taxii.MEDIA_TYPE],
            # Only feeds-in takes objects, and only from write tokens; this bounds every request.
            "max_content_length": rt.settings.taxii_max_content_length,
        }
    )


@router.get("/api/collections/")
def list_collections(rt: Rt, reader: Reader) -> Response:
    return _body({"collections": [c.info(reader.may_write) for c in _served(rt, reader)]})


@router.get("/api/collections/{collection_id}/")
def get_collection(collection_id: str, rt: Rt, reader: Reader) -> Response:
    found = _collection(rt, collection_id, reading=False)
    if found.writable and not reader.may_write:
        raise errors.NotFound(f"No collection {collection_id[:100]}.")
    return _body(found.info(reader.may_write))


def _filters(request: Request) -> dict[str, Any]:
    params = request.query_params
    out: dict[str, Any] = {}
    if params.get("added_after"):
        try:
            out["added_after"] = taxii.parse_timestamp(params["added_after"])
        except ValueError as exc:
            raise errors.Invalid("added_after is not a timestamp.") from exc
    if params.get("next"):
        if not re.fullmatch(r"[0-9]{1,18}", params["next"]):  # our tokens are ids; a 23-digit one was a 500
            raise errors.Invalid("next is not a token this server gave.")
        out["next_token"] = params["next"]
    ids = [v for item in params.getlist("match[id]") for v in item.split(",") if v]
    types = [v for item in params.getlist("match[type]") for v in item.split(",") if v]
    if ids:
        out["match_ids"] = ids
    if types:
        out["match_types"] = types
    if params.get("match[version]"):
        out["match_version"] = params["match[version]"]
    spec_versions = [v.strip() for item in params.getlist("match[spec_version]") for v in item.split(",") if v.strip()]
    if spec_versions:
        out["match_spec_versions"] = spec_versions
    return out


def _page_headers(page: taxii.Page) -> dict[str, str]:
    headers = {}
    if page.rows:
        headers["X-TAXII-Date-Added-First"] = page.date_added_first() or ""
        headers["X-TAXII-Date-Added-Last"] = page.date_added_last() or ""
    return headers


def _envelope(page: taxii.Page) -> dict[str, Any]:
    envelope: dict[str, Any] = {"more": page.more}
    if page.next:
        envelope["next"] = page.next
    if page.rows:
        envelope["objects"] = [row.body for row in page.rows]
    return envelope


# Out-of-range limits are clamped (taxii.query), as the spec lets a server do.
LimitQuery = Annotated[int, Query()]


@router.get("/api/collections/{collection_id}/objects/")
def get_objects(
    collection_id: str, request: Request, rt: Rt, _reader: Reader, limit: LimitQuery = taxii.DEFAULT_LIMIT
) -> Response:
    collection = _collection(rt, collection_id)
    with rt.db.session() as session:
        page = taxii.query(session, collection.id, limit=limit, **_filters(request))
        return _body(_envelope(page), headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/objects/{object_id}/")
def get_object(
    collection_id: str,
    object_id: str,
    request: Request,
    rt: Rt,
    _reader: Reader,
    limit: LimitQuery = taxii.DEFAULT_LIMIT,
) -> Response:
    collection = _collection(rt, collection_id)
    filters = {**_filters(request), "match_ids": [object_id]}
    with rt.db.session() as session:
        page = taxii.query(session, collection.id, limit=limit, **filters)
        if not page.rows and not taxii.holds(session, collection.id, object_id):
            raise errors.NotFound(f"No object {object_id[:100]} in this collection.")
        return _body(_envelope(page), headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(
    collection_id: str,
    object_id: str,
    request: Request,
    rt: Rt,
    _reader: Reader,
    limit: LimitQuery = taxii.DEFAULT_LIMIT,
) -> Response:
    collection = _collection(rt, collection_id)
    filters = {**_filters(request), "match_ids": [object_id], "match_version": "all"}
    with rt.db.session() as session:
        page = taxii.query(session, collection.id, limit=limit, **filters)
        if not page.rows and not taxii.holds(session, collection.id, object_id):
            raise errors.NotFound(f"No object {object_id[:100]} in this collection.")
        body: dict[str, Any] = {"more": page.more}
        if page.rows:  # optional, and absent when nothing matched (as `objects` is)
            body["versions"] = [taxii.manifest_record(r)["version"] for r in page.rows]
        if page.next:
            body["next"] = page.next
        return _body(body, headers=_page_headers(page))


@router.get("/api/collections/{collection_id}/manifest/")
def get_manifest(
    collection_id: str, request: Request, rt: Rt, _reader: Reader, limit: LimitQuery = taxii.DEFAULT_LIMIT
) -> Response:
    collection = _collection(rt, collection_id)
    with rt.db.session() as session:
        page = taxii.query(session, collection.id, limit=limit, **_filters(request))
        body: dict[str, Any] = {"more": page.more}
        if page.next:
            body["next"] = page.next
        if page.rows:
            body["objects"] = [taxii.manifest_record(r) for r in page.rows]
        return _body(body, headers=_page_headers(page))


# -- Add Objects (feeds-in only) and the status resource -------------------------------


def _taxii_content(content_type: str) -> bool:
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "application/taxii+json":
        return False
    version = dict(p.strip().partition("=")[::2] for p in params.split(";") if "=" in p).get("version", "2.1")
    return version.strip() == "2.1"


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes (declared or sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise errors.TooLarge(f"The envelope is {declared} bytes; this server takes at most {limit}.")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise errors.TooLarge(f"The envelope is over {limit} bytes, the most this server takes.")
    return bytes(received)


@router.post("/api/collections/{collection_id}/objects/")
async def add_objects(collection_id: str, request: Request, rt: Rt, reader: Reader) -> Response:
    collection = _collection(rt, collection_id, reading=False)
    if not collection.writable:
        raise errors.Refused("This collection is read-only; add objects to feeds-in.")
    if not reader.may_write:
        raise errors.Refused("This token may not add objects (it needs the write scope).")
    if not _taxii_content(request.headers.get("content-type", "")):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Send the envelope as {taxii.MEDIA_TYPE}.")
    envelope = taxii_inbox.envelope_from_bytes(await _bounded_body(request, rt.settings.taxii_max_content_length))

    def store() -> dict[str, Any]:
        with rt.db.write() as session:
            added = taxii_inbox.add_objects(
                session, collection.id, envelope, reader.actor, source=f"taxii:{reader.actor}", token_id=reader.token_id
            )
            return taxii_inbox.status_resource(added)

    # Parsing and storing are blocking work: off the event loop, as every other route's is.
    return _body(await run_in_threadpool(store), 202)


@router.get("/api/status/{status_id}/")
@router.get("/api/status/{status_id}")  # taxii2-client builds the status URL without the final slash
def get_status(status_id: str, rt: Rt, reader: Reader) -> Response:
    with rt.db.session() as session:
        found = taxii_inbox.get_status(
            session, status_id, reader.actor, token_id=reader.token_id, is_admin=reader.is_admin
        )
        return _body(taxii_inbox.status_resource(found))
