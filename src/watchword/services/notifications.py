"""Analysts' notifications: a surge, a new high-risk report, a reporter's reply, sent through Apprise
to whatever each analyst configured (mailto://, slack://, msteams://, matrix://, json://, ...).

    settings_view(session, user_id) / save_settings(...)   # the console's notification settings
    after_analysis(session, report, analysis)              # an AFTER_ANALYSIS step: records events
    reporter_replied(session, report_id, message_id)       # called where a reporter's message is written
    deliver(rt, event_id)                                  # the worker's job: send one event

An event is a row written in the transaction that causes it, with a key that makes a repeat a
no-op, and a job; the worker sends it afterwards. Nothing on the way in (intake, the worker's
result transaction) waits for a chat service, and a failed delivery is logged and kept on the
event row, never raised. What is sent names a campaign or report by number, its approach type,
risk and counts, and links to the console: never a subject, a reporter's words or an address,
since chat services are third parties.

An analyst's URLs carry credentials (webhook tokens, passwords): they are sealed like TOTP
secrets, shown back only masked, and never written to the audit log or to the logs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain import Analysis
from watchword.domain.states import JobKind, NotificationKind, Role
from watchword.runtime import Runtime
from watchword.security.sealing import key_of, seal, unseal
from watchword.store import audit, jobs
from watchword.store.counts import NO_COUNTS, campaign_counts
from watchword.store.models import Campaign, Job, Report, utcnow
from watchword.store.models_notify import NotificationEvent, NotificationSetting
from watchword.store.models_people import User
from watchword.store.upsert import insert_ignore

log = logging.getLogger("watchword.notifications")

JOB_KIND = JobKind.NOTIFY
EVENTS = {
    NotificationKind.SURGE: "A campaign starts surging",
    NotificationKind.HIGH_RISK: "A new high-risk report (the first of its campaign)",
    NotificationKind.REPORTER_REPLY: "A reporter writes in a report's thread",
}
HIGH_RISK = 0.7  # the console's "high" risk class (templates/console/_macros.html)
MAX_URLS = 10
MAX_URL_CHARS = 2000
_PURPOSE = b"watchword notification urls v1"
ROLES = (str(Role.ADMIN), str(Role.ANALYST))  # viewers do not read reporters' threads or set verdicts


class NotificationError(errors.Invalid):
    """The settings cannot be saved as given; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class SettingsView:
    masked_urls: list[str]  # credentials replaced by stars, for the analyst to recognise them
    events: list[str]


def _apprise() -> Any:
    import apprise

    # In memory: Apprise may otherwise keep a cache on disk under the service account's home.
    return apprise.Apprise(asset=apprise.AppriseAsset(storage_mode=apprise.PersistentStoreMode.MEMORY))


def _plugin(url: str) -> Any:
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def _urls(session: Session, row: NotificationSetting | None) -> list[str]:
    if row is None or row.urls_sealed is None:
        return []
    urls: list[str] = json.loads(unseal(key_of(session), row.urls_sealed, _PURPOSE))
    return urls


def _mask(url: str) -> str:
    plugin = _plugin(url)
    return str(plugin.url(privacy=True)) if plugin is not None else "(no longer understood by Apprise)"


def settings_view(session: Session, user_id: int) -> SettingsView:
    row = session.get(NotificationSetting, user_id)
    if row is None:
        return SettingsView([], [])
    return SettingsView([_mask(u) for u in _urls(session, row)], [e for e in row.events if e in EVENTS])


def parse_urls(text: str) -> list[str]:
    """One Apprise URL per line; refused (with the line) when Apprise does not understand it."""
    urls = [line.strip() for line in text.splitlines() if line.strip()]
    if len(urls) > MAX_URLS:
        raise NotificationError(f"At most {MAX_URLS} notification URLs.")
    for n, url in enumerate(urls, 1):
        if len(url) > MAX_URL_CHARS or _plugin(url) is None:
            # The URL itself is not echoed: it may hold a token.
            raise NotificationError(
                f"Line {n} is not a notification URL Apprise understands "
                "(for example mailto://user:password@example.org or slack://TokenA/TokenB/TokenC)."
            )
    return urls


def save_settings(
    session: Session, user_id: int, actor: str, *, events: list[str], urls_text: str | None, clear: bool = False
) -> SettingsView:
    """Save the events wanted; replace the URLs when `urls_text` is given, remove them with `clear`."""
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise NotificationError("Unknown notification event.")
    row = session.get(NotificationSetting, user_id)
    if row is None:
        row = NotificationSetting(user_id=user_id, url_count=0, events=[])
        session.add(row)
    if clear:
        row.urls_sealed, row.url_count = None, 0
    elif urls_text is not None and urls_text.strip():
        urls = parse_urls(urls_text)
        row.urls_sealed, row.url_count = seal(key_of(session), json.dumps(urls), _PURPOSE), len(urls)
    row.events = sorted(set(events))
    row.updated_at = utcnow()
    session.info.pop("notification_kinds", None)
    session.flush()
    audit.record(
        session, actor, "notifications.settings", "user", user_id, {"events": row.events, "urls": row.url_count}
    )
    return settings_view(session, user_id)


# -- events ------------------------------------------------------------------------------


def _anyone_wants(session: Session, kind: str) -> bool:
    """Whether some analyst wants this kind, read once per transaction: a surge of thousands of reports
    in one worker batch asks for every report, and the answer does not change inside the batch."""
    cache: dict[str, bool] | None = session.info.get("notification_kinds")
    if cache is None:
        # A handful of rows (one per analyst who set anything): read them rather than query JSON per dialect.
        wanted = {
            str(k)
            for events in session.scalars(select(NotificationSetting.events).where(NotificationSetting.url_count > 0))
            for k in (events or [])
        }
        cache = {k: k in wanted for k in EVENTS}
        session.info["notification_kinds"] = cache
    return cache.get(kind, False)


def record(
    session: Session, kind: str, key: str, campaign_id: int | None = None, report_id: int | None = None
) -> int | None:
    """Write the event and its delivery job once per key, when some analyst wants this kind; the id or None."""
    if not _anyone_wants(session, kind):
        return None
    stmt = (
        insert_ignore(session, NotificationEvent, "key")
        .values(
            key=key[:100],
            kind=kind,
            campaign_id=campaign_id,
            report_id=report_id,
            created_at=utcnow(),
            delivered=0,
            failed=0,
            last_error="",
        )
        .returning(NotificationEvent.id)
    )
    event_id = session.execute(stmt).scalar()
    if event_id is None:
        return None  # already recorded: one notice per key
    jobs.enqueue(session, JOB_KIND, payload={"event_id": int(event_id)})
    return int(event_id)


def after_analysis(session: Session, report: Report, analysis: Analysis) -> None:
    """AFTER_ANALYSIS step (after campaigns and priority): a surge, or a high-risk report that opens a campaign."""
    campaign = session.get(Campaign, report.campaign_id) if report.campaign_id is not None else None
    if campaign is not None and campaign.surging:
        # One notice per campaign and day: a surge lasts hours and every report in it sees it.
        record(session, NotificationKind.SURGE, f"surge:{campaign.id}:{utcnow():%Y-%m-%d}", campaign_id=campaign.id)
    if (report.risk or 0.0) >= HIGH_RISK and report.scope == "in_scope":
        # The first high-risk report of a campaign, not each of its thousand copies.
        key = f"high_risk:campaign:{campaign.id}" if campaign is not None else f"high_risk:report:{report.id}"
        record(session, NotificationKind.HIGH_RISK, key, campaign_id=report.campaign_id, report_id=report.id)


def reporter_replied(session: Session, report_id: int, message_id: int) -> None:
    record(session, NotificationKind.REPORTER_REPLY, f"reply:{message_id}", report_id=report_id)


# -- delivery ------------------------------------------------------------------------------


def _link(rt: Runtime, path: str) -> str:
    base = rt.settings.public_base_url.rstrip("/")
    return f"{base}{path}" if base else path


def message_for(rt: Runtime, session: Session, event: NotificationEvent) -> tuple[str, str]:
    """(title, body): numbers, types and links only (see the module's docstring)."""
    campaign = session.get(Campaign, event.campaign_id) if event.campaign_id is not None else None
    report = session.get(Report, event.report_id) if event.report_id is not None else None
    if event.kind == NotificationKind.SURGE and campaign is not None:
        # The numbers the console shows for it (store/counts.py), not the campaign row's own tallies.
        counts = campaign_counts(session, [campaign.id]).get(campaign.id, NO_COUNTS)
        return (
            f"Watchword: campaign #{campaign.id} is surging",
            f"Campaign #{campaign.id} ({campaign.approach_type.replace('_', ' ')}) is surging: "
            f"{plural(counts.reports, 'report')} from {plural(counts.people, 'person', 'people')}, "
            f"the last at {campaign.last_seen:%Y-%m-%d %H:%M} UTC.\n" + _link(rt, f"/console/campaigns/{campaign.id}"),
        )
    if event.kind == NotificationKind.HIGH_RISK and report is not None:
        where = f" in campaign #{report.campaign_id}" if report.campaign_id is not None else ""
        return (
            f"Watchword: new high-risk report #{report.id}",
            f"Report #{report.id}{where} ({(report.approach_type or 'unclassified').replace('_', ' ')}, "
            f"risk {report.risk:.2f}) arrived through {report.channel}.\n" + _link(rt, f"/console/reports/{report.id}"),
        )
    if event.kind == NotificationKind.REPORTER_REPLY and report is not None:
        return (
            f"Watchword: a reporter wrote on report #{report.id}",
            f"A reporter added a message to their thread on report #{report.id}.\n"
            + _link(rt, f"/console/reports/{report.id}"),
        )
    return (f"Watchword: {event.kind}", "The object of this notification no longer exists.")


def _recipients(session: Session, kind: str) -> list[tuple[str, list[str]]]:
    rows = session.execute(
        select(User.username, NotificationSetting)
        .join(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(User.disabled.is_(False), User.role.in_(ROLES), NotificationSetting.url_count > 0)
    ).all()
    return [(name, _urls(session, row)) for name, row in rows if kind in (row.events or [])]


def send(urls: list[str], title: str, body: str) -> list[str]:
    """Send to each URL; the masked URLs that failed (Apprise logs why)."""
    failed = []
    for url in urls:
        try:
            target = _apprise()
            if not target.add(url) or not target.notify(title=title, body=body):
                failed.append(_mask(url))
        except Exception:
            log.exception("notification plugin error")
            failed.append(_mask(url))
    return failed


def deliver(rt: Runtime, event_id: int, job: Job | None = None) -> None:
    """Send one event to every analyst who wants its kind; failures are logged and kept, not raised.

    The event's outcome and its job's completion are written together: a worker that dies while
    sending leaves the job to be claimed again, and an event already sent is not sent twice."""
    outcome: dict[str, Any] = {}
    try:
        with rt.db.session() as session:
            event = session.get(NotificationEvent, event_id)
            pending = event is not None and event.sent_at is None
            if event is not None and pending:
                title, body = message_for(rt, session, event)
                recipients = _recipients(session, event.kind)
        if pending:
            delivered, failed, errors_seen = 0, 0, []
            for username, urls in recipients:
                missed = send(urls, title, body)
                if len(missed) < len(urls):
                    delivered += 1
                else:
                    failed += 1
                if missed:
                    errors_seen.append(f"{username}: {', '.join(missed)}")
                    log.warning(
                        "notification %s: %d of %d targets of %s failed", event_id, len(missed), len(urls), username
                    )
            outcome = {"delivered": delivered, "failed": failed, "last_error": "\n".join(errors_seen)[:4000]}
    except Exception:  # a notification must never fail the job queue or the worker
        log.exception("notification %s could not be delivered", event_id)
        outcome = {"delivered": 0, "failed": 0, "last_error": "could not be delivered: see the worker's log"}
    with rt.db.write() as session:
        if outcome:
            event = session.get(NotificationEvent, event_id)
            if event is not None:
                event.sent_at = utcnow()
                event.delivered, event.failed, event.last_error = (
                    outcome["delivered"],
                    outcome["failed"],
                    outcome["last_error"],
                )
        if job is not None:
            jobs.finish(session, job, job.locked_by)


def send_test(rt: Runtime, user_id: int) -> None:
    """The console's "Send a test": synchronous, so the analyst sees at once whether it arrived."""
    with rt.db.session() as session:
        urls = _urls(session, session.get(NotificationSetting, user_id))
    if not urls:
        raise NotificationError("Add a notification URL first.")
    missed = send(urls, "Watchword: test notification", "Notifications from Watchword reach you here.")
    if missed:
        raise errors.Unavailable(f"The test could not be delivered to: {', '.join(missed)}.")


def run_job(rt: Runtime, job: Job) -> None:
    deliver(rt, int((job.payload or {}).get("event_id", 0)), job)


def install(worker: object) -> None:
    """Give a `watchword.worker.Worker` the notification job: `notifications.install(worker)` where it is built."""
    handlers = getattr(worker, "extra_handlers")  # noqa: B009 - typed loosely to keep services below worker
    handlers[JOB_KIND] = run_job


def recent_events(session: Session, limit: int = 20) -> list[NotificationEvent]:
    """The newest events, for the settings page: was anything sent, and did it arrive."""
    return list(session.scalars(select(NotificationEvent).order_by(NotificationEvent.id.desc()).limit(limit)))


def plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
