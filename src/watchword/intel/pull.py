"""Pulling configured remote feeds: TAXII 2.1 collections and MISP feeds over HTTP.

The feeds are listed in a TOML file (WATCHWORD_FEEDS_FILE, docs/taxii.md);
`watchword feeds pull` and the worker's periodic job (every
WATCHWORD_FEEDS_PULL_INTERVAL_MINUTES) pull each one:

* TAXII: GET <collection>/objects/ with `added_after` = the last
  X-TAXII-Date-Added-Last seen, following `next`; indicators and observables
  land as known-bad through intel.feeds, per TLP (intel.taxii_inbox); an
  indicator the partner revoked takes its value out of that source.
* MISP feed: GET manifest.json, then <uuid>.json for each event whose
  manifest timestamp is newer than the one last imported.

Only the configured URLs are fetched (requests are built from them; redirects
are refused, proxies from the environment are not used): this is not the
analysis, which never fetches what reports carry. Every pull is bounded in
bytes and time (WATCHWORD_FEEDS_PULL_MAX_BYTES / _TIMEOUT_SECONDS); what was
fetched before a bound is kept, with the position, and the next pull goes on
from there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
import tomllib
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from watchword import errors
from watchword.config import Settings
from watchword.domain.states import FeedFormat, FeedKind, JobKind
from watchword.intel import tlp as tlp_mod
from watchword.intel.feeds import DEFAULT_CONFIDENCE, ParseResult, parse_misp_event, pattern_values, store_batch
from watchword.intel.normalise import normalise
from watchword.intel.retrohunt import enqueue_retrohunt
from watchword.store import audit
from watchword.store.models import utcnow
from watchword.store.models_intel import FeedPull, KnownBad

log = logging.getLogger(__name__)

JOB_KIND = JobKind.FEEDS_PULL
KINDS = tuple(str(k) for k in FeedKind)
AUTHS = ("none", "token", "bearer", "basic", "header")
TAXII_ACCEPT = "application/taxii+json;version=2.1"
PAGE_LIMIT = 500
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    name: str
    kind: str  # taxii | misp
    url: str  # TAXII: the collection's URL; MISP: the directory holding manifest.json
    auth: str = "none"
    user: str = ""
    secret: str = field(default="", repr=False)
    confidence: int = DEFAULT_CONFIDENCE
    source: str = ""
    page_size: int = PAGE_LIMIT  # TAXII objects asked for per request

    @property
    def source_name(self) -> str:
        return self.source or f"pull:{self.name}"


def _secret(table: dict[str, Any], where: str) -> str:
    if table.get("secret_file"):
        return Path(str(table["secret_file"])).read_text(encoding="utf-8").strip()
    if table.get("secret_env"):
        value = os.environ.get(str(table["secret_env"]))
        if value is None:
            raise errors.Invalid(f"{where}: the environment variable {table['secret_env']} is not set.")
        return value.strip()
    if "secret" in table:
        raise errors.Invalid(f"{where}: put the secret in a file (secret_file) or the environment (secret_env).")
    return ""


def load_feeds(settings: Settings) -> list[RemoteFeed]:
    """The configured feeds; [] when WATCHWORD_FEEDS_FILE is unset. Refuses a file it cannot use."""
    if settings.feeds_file is None:
        return []
    try:
        data = tomllib.loads(settings.feeds_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise errors.Invalid(f"Cannot read the feeds file {settings.feeds_file}: {exc}") from exc
    feeds: list[RemoteFeed] = []
    for n, table in enumerate(data.get("feed") or [], start=1):
        where = f"{settings.feeds_file}, feed {n}"
        name = str(table.get("name", "")).strip()
        kind = str(table.get("kind", "")).strip().lower()
        url = str(table.get("url", "")).strip()
        auth = str(table.get("auth", "none")).strip().lower()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name):
            raise errors.Invalid(f"{where}: a name of letters, digits, '.', '_' or '-' is required.")
        if kind not in KINDS:
            raise errors.Invalid(f"{where}: kind must be one of {', '.join(KINDS)}.")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise errors.Invalid(f"{where}: url must be an http or https URL.")
        if auth not in AUTHS:
            raise errors.Invalid(f"{where}: auth must be one of {', '.join(AUTHS)}.")
        if any(f.name == name for f in feeds):
            raise errors.Invalid(f"{where}: the name {name} is used twice.")
        try:
            confidence = max(0, min(100, int(table.get("confidence", DEFAULT_CONFIDENCE))))
            page_size = max(1, min(10_000, int(table.get("page_size", PAGE_LIMIT))))
        except (TypeError, ValueError) as exc:
            raise errors.Invalid(f"{where}: confidence (0-100) and page_size must be numbers.") from exc
        feeds.append(
            RemoteFeed(
                name=name,
                kind=kind,
                url=url if url.endswith("/") else url + "/",
                auth=auth,
                user=str(table.get("user", "")),
                secret=_secret(table, where) if auth != "none" else "",
                confidence=confidence,
                source=str(table.get("source", "")).strip()[:200],
                page_size=page_size,
            )
        )
    return feeds


# -- bounded HTTP -------------------------------------------------------------------------


class BoundReached(Exception):
    """The pull's byte or time budget is spent: keep what was fetched, go on next time."""


class FeedUnavailable(errors.Unavailable):
    """The remote server answered with an error (or a redirect, which is never followed)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then an HTTPError: only the configured URL is ever fetched


@dataclass(slots=True)
class Budget:
    max_bytes: int
    deadline: float
    used: int = 0

    def seconds_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BoundReached("the time bound of this pull was reached")
        return left


class Fetcher:
    def __init__(self, feed: RemoteFeed, budget: Budget) -> None:
        self.feed = feed
        self.budget = budget
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

    def _auth_header(self) -> dict[str, str]:
        feed = self.feed
        if feed.auth == "token":
            return {"Authorization": f"Token {feed.secret}"}
        if feed.auth == "bearer":
            return {"Authorization": f"Bearer {feed.secret}"}
        if feed.auth == "header":  # MISP's own: the API key as the whole header value
            return {"Authorization": feed.secret}
        if feed.auth == "basic":
            import base64

            pair = base64.b64encode(f"{feed.user}:{feed.secret}".encode()).decode()
            return {"Authorization": f"Basic {pair}"}
        return {}

    def get(self, url: str, accept: str) -> tuple[bytes, dict[str, str]]:
        if not url.startswith(self.feed.url):  # requests are built from the configured URL, and only it
            raise errors.Refused(f"{url} is not under the configured feed URL {self.feed.url}")
        # The scheme is http or https: load_feeds refuses anything else.
        request = urllib.request.Request(url, headers={"Accept": accept, **self._auth_header()})  # noqa: S310
        timeout = min(self.budget.seconds_left(), 60.0)
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            exc.close()  # its body holds the connection
            raise FeedUnavailable(f"{url}: HTTP {exc.code} {exc.reason}", exc.code) from None
        with response:
            body = bytearray()
            while True:
                room = self.budget.max_bytes - self.budget.used
                chunk = response.read(min(_CHUNK, room + 1))
                if not chunk:
                    break
                body += chunk
                self.budget.used += len(chunk)
                if self.budget.used > self.budget.max_bytes:
                    raise BoundReached(f"the byte bound of this pull ({self.budget.max_bytes}) was reached")
                self.budget.seconds_left()
            return bytes(body), {k.lower(): v for k, v in response.headers.items()}

    def get_json(self, url: str, accept: str) -> tuple[Any, dict[str, str]]:
        body, headers = self.get(url, accept)
        try:
            return json.loads(body.decode("utf-8")), headers
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise errors.Invalid(f"{url}: not JSON ({exc})") from exc


# -- one pull ----------------------------------------------------------------------------


@dataclass(slots=True)
class PullResult:
    name: str
    kind: str
    fetched: int = 0  # objects (TAXII) or events (MISP) fetched
    indicators: int = 0  # known-bad rows written
    withdrawn: int = 0  # known-bad rows taken out (revoked by the partner)
    batches: list[int] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    complete: bool = True  # False: a bound was reached (or the pull failed); the next pull goes on
    failed: bool = False  # the pull failed: nothing of it was kept
    error: str = ""
    forget_resume: bool = False  # a TAXII `next` token kept from a stopped pull was refused


def _state(session: Session, feed: RemoteFeed) -> FeedPull:
    row = session.get(FeedPull, feed.name)
    if row is None:
        row = FeedPull(name=feed.name, kind=feed.kind, cursor="", state={}, last_error="")
        session.add(row)
        session.flush()
    return row


def _withdraw_revoked(session: Session, source: str, objects: list[dict[str, Any]]) -> int:
    """Take out of this source the values of indicators its producer has revoked."""
    pairs: set[tuple[str, str]] = set()
    for obj in objects:
        if obj.get("type") != "indicator" or not obj.get("revoked"):
            continue
        for kind, raw in pattern_values(str(obj.get("pattern", ""))):
            value = normalise(kind, raw)
            if value is not None:
                pairs.add((kind, value))
    gone = 0
    listed = sorted(pairs)
    for start in range(0, len(listed), 400):
        result = session.execute(
            delete(KnownBad).where(
                KnownBad.source == source, tuple_(KnownBad.type, KnownBad.value).in_(listed[start : start + 400])
            )
        )
        gone += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return gone


def _pull_taxii(session: Session, feed: RemoteFeed, fetcher: Fetcher, result: PullResult) -> None:
    """Objects added since the cursor, page by page. A pull stopped by a bound keeps the `next`
    token it had not yet fetched (objects of one publication share their date_added, so the
    cursor alone could not say where to go on) and the next pull resumes there."""
    row = _state(session, feed)
    resume = dict(row.state or {})
    params: dict[str, Any] = {"limit": feed.page_size}
    after = str(resume.get("added_after", row.cursor) if resume.get("next") else row.cursor)
    if after:
        params["added_after"] = after
    if resume.get("next"):
        params["next"] = str(resume["next"])
    objects: list[dict[str, Any]] = []
    latest = str(resume.get("latest", "")) or row.cursor
    try:
        while True:
            try:
                envelope, headers = fetcher.get_json(f"{feed.url}objects/?{urlencode(params)}", TAXII_ACCEPT)
            except FeedUnavailable as exc:
                if "next" in params and not objects and exc.status in (400, 404):
                    result.forget_resume = True  # the server no longer knows our token: start from the cursor
                raise
            if not isinstance(envelope, dict):
                raise errors.Invalid(f"{feed.url}objects/: not a TAXII envelope")
            objects += [o for o in envelope.get("objects") or [] if isinstance(o, dict)]
            latest = headers.get("x-taxii-date-added-last") or latest
            if not envelope.get("more") or not envelope.get("next"):
                params.pop("next", None)
                break
            params = {**params, "next": str(envelope["next"])}
    except BoundReached as exc:
        result.complete, result.error = False, str(exc)
    result.fetched = len(objects)
    result.withdrawn = _withdraw_revoked(session, feed.source_name, objects)
    # Imported here: taxii_inbox brings stix2 (~0.2 s of CPU), and every worker imports this
    # module for its job kinds at start-up, pulling or not (issue 14).
    from watchword.intel.taxii_inbox import check_object, import_by_tlp, tlp_of

    by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for obj in objects:
        if not obj.get("revoked") and check_object(obj) is None:
            by_level[tlp_of(obj)].append(obj)
    batches, _outcome = import_by_tlp(
        session, feed.source_name, by_level, f"TAXII pull {feed.name}", feed.confidence, {"feed": feed.name}
    )
    result.batches = [b["batch_id"] for b in batches]
    result.indicators = sum(int(b["indicators"]) for b in batches)
    if "next" in params:  # stopped part-way: the cursor stays, the page to fetch next is remembered
        row.state = {"next": params["next"], "added_after": after, "latest": latest}
    else:
        row.cursor, row.state = latest or "", {}


def _event_tlp(event: dict[str, Any], meta: dict[str, Any]) -> str:
    levels = []
    for tag in [*(event.get("Tag") or []), *(meta.get("Tag") or [])]:
        name = str(tag.get("name", "") if isinstance(tag, dict) else tag).strip().lower()
        if name.startswith("tlp:"):
            try:
                levels.append(tlp_mod.normalise(name))
            except errors.Invalid:
                continue
    if not levels:
        from watchword.intel.taxii_inbox import UNMARKED_TLP  # see above: stix2 only when needed

        return UNMARKED_TLP
    strictest = levels[0]
    for level in levels[1:]:
        strictest = tlp_mod.stricter(strictest, level)
    return strictest


def _stamp(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _pull_misp(session: Session, feed: RemoteFeed, fetcher: Fetcher, result: PullResult) -> None:
    row = _state(session, feed)
    seen: dict[str, int] = {str(k): _stamp(v) for k, v in (row.state or {}).items()}
    manifest, _ = fetcher.get_json(f"{feed.url}manifest.json", "application/json")
    if not isinstance(manifest, dict):
        raise errors.Invalid(f"{feed.url}manifest.json: not a MISP feed manifest")
    todo = sorted(
        (
            (_stamp(meta.get("timestamp")), uuid)
            for uuid, meta in manifest.items()
            if isinstance(meta, dict)
            and _UUID.fullmatch(str(uuid))  # a manifest key must never become another path
            and _stamp(meta.get("timestamp")) > seen.get(str(uuid), -1)
        )
    )
    per_level: dict[str, ParseResult] = {}
    try:
        for stamp, uuid in todo:
            data, _ = fetcher.get_json(f"{feed.url}{uuid}.json", "application/json")
            if not isinstance(data, dict):
                raise errors.Invalid(f"{feed.url}{uuid}.json: not a MISP event")
            event = data.get("Event", data)
            parsed = parse_misp_event(data, feed.confidence)
            level = _event_tlp(event if isinstance(event, dict) else {}, manifest[uuid])
            into = per_level.setdefault(level, ParseResult([], 0, FeedFormat.MISP_FEED))
            into.indicators += parsed.indicators
            into.skipped += parsed.skipped
            seen[str(uuid)] = stamp
            result.fetched += 1
    except BoundReached as exc:
        result.complete, result.error = False, str(exc)
    for level, parsed in sorted(per_level.items()):
        name = tlp_mod.TLP2_MARKINGS[level][1]
        batch = store_batch(session, feed.source_name, parsed, origin=f"MISP feed pull {feed.name}, {name}")
        batch.stats = {**(batch.stats or {}), "feed": feed.name, "tlp": level}
        enqueue_retrohunt(session, batch.id)
        result.batches.append(batch.id)
        result.indicators += batch.indicator_count
    row.state = seen


def pull(db: Any, settings: Settings, feed: RemoteFeed, actor: str = "pull") -> PullResult:
    """Pull one feed in one transaction: what it fetched, and where it got to, commit together."""
    result = PullResult(feed.name, feed.kind)
    started = time.monotonic()
    budget = Budget(settings.feeds_pull_max_bytes, started + settings.feeds_pull_timeout_seconds)
    fetcher = Fetcher(feed, budget)
    try:
        with db.write() as session:
            if feed.kind == "taxii":
                _pull_taxii(session, feed, fetcher, result)
            else:
                _pull_misp(session, feed, fetcher, result)
            row = _state(session, feed)
            row.last_run_at = utcnow()
            row.last_error = result.error
            if result.complete:
                row.last_ok_at = row.last_run_at
            result.bytes, result.seconds = budget.used, round(time.monotonic() - started, 3)
            audit.record(
                session,
                actor,
                "intel.feed_pull",
                "feed",
                feed.name,
                {
                    "kind": feed.kind,
                    "fetched": result.fetched,
                    "indicators": result.indicators,
                    "withdrawn": result.withdrawn,
                    "batches": result.batches,
                    "bytes": result.bytes,
                    "complete": result.complete,
                },
            )
    except (OSError, urllib.error.URLError, errors.WatchwordError, ValueError, BoundReached) as exc:
        # Nothing of this pull is kept; the position stays where it was. Say so where the analyst looks.
        result.complete, result.failed, result.error = False, True, f"{type(exc).__name__}: {exc}"[:500]
        result.bytes, result.seconds = budget.used, round(time.monotonic() - started, 3)
        with db.write() as session:
            row = _state(session, feed)
            row.last_run_at, row.last_error = utcnow(), result.error
            if result.forget_resume:
                row.state = {}
        log.warning("feed %s: pull failed: %s", feed.name, result.error)
    return result


def pull_all(db: Any, settings: Settings, only: str | None = None, actor: str = "pull") -> list[PullResult]:
    feeds = load_feeds(settings)
    if only is not None:
        feeds = [f for f in feeds if f.name == only]
        if not feeds:
            raise errors.NotFound(f"No feed named {only} in {settings.feeds_file or 'WATCHWORD_FEEDS_FILE (unset)'}.")
    return [pull(db, settings, feed, actor) for feed in feeds]


def pull_states(session: Session) -> list[FeedPull]:
    return list(session.scalars(select(FeedPull).order_by(FeedPull.name)))


# -- as a scheduled job on the worker ------------------------------------------------------


def run_job(rt: Any, job: Any) -> None:
    """Worker handler: pull every feed, then schedule the next pull with this job's completion."""
    from watchword.store import jobs

    try:
        pull_all(rt.db, rt.settings, actor="worker")
    except errors.Invalid as exc:  # a feeds file it cannot use: say so, and keep the schedule
        log.error("feeds pull: %s", exc)
    with rt.db.write() as session:
        if not jobs.finish(session, job, job.locked_by):
            return
        nxt = jobs.enqueue(session, JOB_KIND)
        nxt.run_after = utcnow() + dt.timedelta(minutes=rt.settings.feeds_pull_interval_minutes)


def install(worker: object) -> None:
    """Give a `watchword.worker.Worker` the pull job, scheduled when feeds and an interval are configured."""
    from sqlalchemy import exists

    from watchword.domain.states import JobStatus
    from watchword.store import jobs
    from watchword.store.models import Job

    handlers = getattr(worker, "extra_handlers")  # noqa: B009 - typed loosely to keep intel below worker
    handlers[JOB_KIND] = run_job
    rt = getattr(worker, "rt")  # noqa: B009
    if rt.settings.feeds_file is None or rt.settings.feeds_pull_interval_minutes <= 0:
        return
    with rt.db.write() as session:
        pending = session.scalar(
            select(exists().where(Job.kind == JOB_KIND, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))
        )
        if not pending:
            jobs.enqueue(session, JOB_KIND)
