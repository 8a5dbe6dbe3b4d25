"""The web application: JSON API, reporter pages and analyst console in one app."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import BaseRoute

from watchword.runtime import Runtime
from watchword.web import errors
from watchword.web.limits import BodyLimit
from watchword.web.ratelimit import ApiRateLimit
from watchword.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"


def _closing(rt: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that closes the runtime when the server stops (its intake writer and engine)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            rt.close()

    return lifespan


def create_app(rt: Runtime, *, close_runtime: bool = False) -> FastAPI:
    """The app over `rt`. Whoever opened the runtime closes it (`with open_runtime() as rt:`); with
    `close_runtime`, the app owns it and closes it at shutdown (a `serve --workers N` child)."""
    app = FastAPI(
        lifespan=_closing(rt) if close_runtime else None,
        title="Watchword",
        version="1",
        summary="Report suspected espionage approaches; analyse, cluster and share what they reveal.",
        docs_url=None,  # Swagger UI loads from a CDN: no third-party assets, ever
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.rt = rt
    # Refusals become responses in one place: problem+json, TAXII errors or HTML pages (and 400,
    # not 500, for lone surrogates and out-of-range numbers).
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    # Per-client and global limits on the public JSON API (the reporter pages have their own).
    app.add_middleware(ApiRateLimit, settings=rt.settings, rt=rt)
    # Multipart and base64 overheads: allow a little more than the raw message limit.
    app.add_middleware(
        BodyLimit,
        limit=rt.settings.max_upload_bytes * 4 // 3 + 64 * 1024,
        advertised_limit=rt.settings.max_upload_bytes,
    )
    trusted = rt.settings.trusted_hosts()
    if trusted:
        # Outermost: a request naming a host we are not (DNS rebinding, a poisoned cache's
        # Host header) is refused before anything else sees it.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        # Pages link /static/favicon.svg; a browser or reader that asks for the old path anyway is
        # sent there instead of filling the log with 404s.
        return RedirectResponse("/static/favicon.svg", status_code=301)

    # The areas' routes, built once per process and shared by every app made in it (below).
    app.router.routes.extend(_area_routes())
    return app


@functools.cache
def _area_routes() -> tuple[BaseRoute, ...]:
    """Every area's routes, included once per process into one router, for every app to add.

    FastAPI builds an included router's routes (each endpoint's typed signature, its dependencies, the
    pydantic fields of its parameters and responses, its handler) lazily, on the first requests that
    reach them, and keeps them on the inclusion: an app including the areas itself builds them again,
    0.12-0.31 s of CPU per app. A server makes one app; the tests make one per test (each over its
    own runtime), and paid it hundreds of times (docs/benchmarks.md, "testspeed12"). What is shared is
    fixed at import (the paths, the endpoints, their dependencies and handlers): everything an app
    holds of its own (its runtime in `app.state.rt`, middleware and their counters, exception handlers,
    lifespan) stays on the app, and every endpoint reaches its runtime through `request.app`.
    The inclusion's context is the same as `app.include_router` gives it (a bare `FastAPI()`'s
    defaults), but for `app.dependency_overrides`, which these routes do not consult: nothing here
    uses it."""
    from watchword.web.api import intel_routes as api_intel_routes
    from watchword.web.api import routes as api_routes
    from watchword.web.awareness import routes as awareness_routes
    from watchword.web.console import routes as console_routes
    from watchword.web.intel import routes as intel_routes
    from watchword.web.reporter import routes as reporter_routes
    from watchword.web.sms import routes as sms_routes

    # Each area adds its routes here, in one visible list.
    areas = (api_routes, api_intel_routes, reporter_routes, console_routes, intel_routes, sms_routes, awareness_routes)
    shared = APIRouter()
    for module in areas:
        shared.include_router(module.router)
    return tuple(shared.routes)


def create_app_from_env() -> FastAPI:
    """For `watchword serve --workers N`: each server process opens its own runtime from the environment.

    A child never migrates: it checks the schema is current and, if not, stops with the reason."""
    from watchword.runtime import open_runtime
    from watchword.store.migrate import SchemaNotCurrent

    try:
        rt = open_runtime()
    except SchemaNotCurrent as exc:
        raise SystemExit(f"watchword: {exc}") from None
    return create_app(rt, close_runtime=True)


def serve_app_from_env() -> FastAPI:
    """What `watchword serve --workers N` runs in each server process: `create_app_from_env`,
    then the start-up heap set aside from the collector (`settle_heap`)."""
    app = create_app_from_env()
    settle_heap()
    return app


def settle_heap() -> None:
    """Move what start-up built (~200,000 objects: the modules, the app and its routes, the
    store's models and mappers) out of the garbage collector's sight, for a process that serves
    until it stops.

    A full collection traversed all of it: 80-110 ms of CPU each (measured under wrk, issue 14),
    about one in every 15 s run at a few hundred reports/s, holding the GIL all the while, so the event
    loop, the intake writer (inside its transaction, with the writers' lock the other process
    waits for) and the blob syncer all stopped: the HTTP intake's p99. Frozen, the collector
    traverses only what was allocated since (docs/benchmarks.md, intake10). What start-up left
    as garbage is collected first, so it is not kept for ever."""
    gc.collect()
    gc.freeze()
