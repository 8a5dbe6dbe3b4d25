"""The dashboard's read model: reports per day by approach type, surging campaigns, time from
report to verdict, and how many reporters were told the outcome.

Numbers and chart geometry are made here (the page draws the SVG from them and prints the same
numbers as tables), in a fixed number of queries over a window of days.

Definitions, so that the figures can be checked:
* reports per day: reports first received that day (a repeat is a sighting, not a report),
  out-of-scope reports left out (they are kept apart and deleted early);
* time to verdict: from a report's arrival to the verdict on its campaign, for reports that
  arrived before that verdict (a report joining a decided campaign gets it at once and would
  only flatter the figure; those are counted apart as "decided on arrival");
* reporters told: of the decided reports someone can be told about (a web receipt, or a mail
  reporter), those where at least one reporter received the outcome: a web reporter opened
  their status page after the verdict, or a mail reporter was sent an outcome mail after it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from watchword.domain.states import CampaignStatus, MailKind, MailStatus
from watchword.store.counts import Counts, campaign_counts
from watchword.store.models import Campaign, Report, utcnow
from watchword.store.models_mail import MailMessage, MailMessageReport, MailOutbox
from watchword.store.models_reporter import ReporterReceipt

WINDOWS = (7, 30, 90)
MAX_SERIES = 7  # approach types drawn with their own colour; the rest are "other"
SAMPLE = 20_000  # decided reports read for the time to verdict and reporters told
CHART_WIDTH, CHART_HEIGHT, AXIS = 720, 200, 18


@dataclass(frozen=True, slots=True)
class Segment:
    series: int  # index into the chart's series: its colour class
    label: str  # "2026-03-02 · credential phishing: 4"
    x: float
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class StackedChart:
    days: list[str]
    series: list[str]  # approach types, the most reported first ("other" last)
    counts: list[list[int]]  # counts[day][series]
    totals: list[int]
    segments: list[Segment]
    peak: int
    width: int
    height: int
    bar_width: float


@dataclass(frozen=True, slots=True)
class SurgingCampaign:
    id: int
    title: str
    approach_type: str
    member_count: int
    reporter_count: int
    last_seen: dt.datetime
    priority: float


@dataclass(frozen=True, slots=True)
class TimeToVerdict:
    decided: int  # reports that arrived before their campaign's verdict
    on_arrival: int  # reports that joined an already decided campaign
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class ReportersTold:
    decided: int  # reports with a verdict in the window
    reachable: int  # of those, with a reporter we can tell (web receipt or mail address)
    told: int  # of those, at least one reporter received the outcome

    @property
    def share(self) -> float | None:
        return self.told / self.reachable if self.reachable else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: int
    since: dt.datetime
    per_day: StackedChart
    surging: list[SurgingCampaign]
    time_to_verdict: TimeToVerdict
    told: ReportersTold
    reports: int  # reports received in the window (in scope)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _day_bucket(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(Report.created_at, 1, 10)  # ISO text: the date is its prefix
    return func.to_char(literal_column("reports.created_at AT TIME ZONE 'UTC'"), text("'YYYY-MM-DD'"))


class ClosedDays:
    """Reports per day and approach type for days that are over, remembered for `ttl` seconds.

    The reports-per-day chart reads every report of its window: 730,000 rows and 1-4 s for 90
    days at 1M reports on PostgreSQL (bench/scale.py), far past the console's 100 ms. A day that
    is over (UTC) gets no new reports, so its counts are kept (per web process) and only today's
    are read on each view. They can still change by re-analysis (a new approach type) or
    retention (deleted reports): `ttl` bounds how long the chart may lag those, an hour by default.
    """

    def __init__(self, ttl: float = 3600.0, clock: Any = None) -> None:
        import time

        self.ttl = ttl
        self._clock = clock or time.monotonic
        self._days: dict[str, tuple[float, list[tuple[str, int]]]] = {}
        self._lock = threading.Lock()

    def rows(self, session: Session, since: dt.datetime, today: dt.datetime) -> list[tuple[str, str, int]]:
        """(day, approach type, reports) for the days from `since` up to `today` (exclusive)."""
        now = self._clock()
        wanted = [(since + dt.timedelta(days=i)).date().isoformat() for i in range((today - since).days)]
        with self._lock:
            missing = [d for d in wanted if d not in self._days or now - self._days[d][0] > self.ttl]
        if missing:
            start = dt.datetime.combine(dt.date.fromisoformat(missing[0]), dt.time(), tzinfo=dt.UTC)
            found: dict[str, list[tuple[str, int]]] = {d: [] for d in wanted if d >= missing[0]}
            for day, approach, n in _per_day_rows(session, start, today):
                found.setdefault(str(day)[:10], []).append((approach, int(n)))
            with self._lock:
                for day, counted in found.items():
                    self._days[day] = (now, counted)
        with self._lock:
            return [(d, a, n) for d in wanted for a, n in self._days.get(d, (0.0, []))[1]]


def _per_day_rows(session: Session, since: dt.datetime, until: dt.datetime | None = None) -> list[Any]:
    query = select(_day_bucket(session).label("d"), Report.approach_type, func.count()).where(
        Report.created_at >= since, Report.scope != "out_of_scope"
    )
    if until is not None:
        query = query.where(Report.created_at < until)
    return list(session.execute(query.group_by(text("d"), Report.approach_type)).all())


def per_day(
    session: Session, since: dt.datetime, days: int, closed: ClosedDays | None = None, now: dt.datetime | None = None
) -> StackedChart:
    if closed is None:
        rows = _per_day_rows(session, since)
    else:
        today = dt.datetime.combine(_aware(now or utcnow()).astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
        rows = [*closed.rows(session, since, today), *_per_day_rows(session, max(since, today))]
    by_type: dict[str, int] = defaultdict(int)
    for _, approach, n in rows:
        by_type[approach or "unclassified"] += int(n)
    ranked = sorted(by_type, key=lambda a: (-by_type[a], a))
    series = ranked[:MAX_SERIES] + (["other"] if len(ranked) > MAX_SERIES else [])
    index = {a: (i if i < MAX_SERIES else MAX_SERIES) for i, a in enumerate(ranked)}
    first_day = since.date()
    day_keys = [(first_day + dt.timedelta(days=i)).isoformat() for i in range(days + 1)]
    position = {d: i for i, d in enumerate(day_keys)}
    counts = [[0] * len(series) for _ in day_keys]
    for day, approach, n in rows:
        i = position.get(str(day)[:10])
        if i is not None:
            counts[i][index[approach or "unclassified"]] += int(n)
    totals = [sum(c) for c in counts]
    peak = max(totals, default=0)
    bar_width = CHART_WIDTH / len(day_keys)
    scale = (CHART_HEIGHT - AXIS) / peak if peak else 0.0
    segments = []
    for i, day in enumerate(day_keys):
        top = float(CHART_HEIGHT)
        for s, n in enumerate(counts[i]):
            if not n:
                continue
            h = n * scale
            top -= h
            label = f"{day} · {series[s].replace('_', ' ')}: {n}"
            segments.append(Segment(s, label, round(i * bar_width, 2), round(top, 2), round(h, 2)))
    return StackedChart(
        day_keys, series, counts, totals, segments, peak, CHART_WIDTH, CHART_HEIGHT, round(max(bar_width - 1, 1), 2)
    )


def surging(session: Session, limit: int = 20) -> list[SurgingCampaign]:
    rows = session.execute(
        select(
            Campaign.id,
            Campaign.title,
            Campaign.approach_type,
            Campaign.member_count,
            Campaign.reporter_count,
            Campaign.last_seen,
            Campaign.priority,
        )
        .where(Campaign.surging.is_(True), Campaign.merged_into_id.is_(None), Campaign.status == CampaignStatus.OPEN)
        .order_by(Campaign.priority.desc(), Campaign.id.desc())
        .limit(limit)
    ).all()
    # Reports and people as every other page counts them (store/counts.py), in one more query.
    counts = campaign_counts(session, [r.id for r in rows])
    shown = []
    for r in rows:
        c = counts.get(r.id, Counts(r.member_count, r.reporter_count, 0))
        shown.append(SurgingCampaign(r.id, r.title, r.approach_type, c.reports, c.people, r.last_seen, r.priority))
    return shown


def _percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def _decided(session: Session, since: dt.datetime) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(report id, arrived, verdict at) of the window's reports whose campaign has a verdict."""
    rows = session.execute(
        select(Report.id, Report.created_at, Campaign.verdict_at)
        .join(Campaign, Campaign.id == Report.campaign_id)
        .where(Report.created_at >= since, Report.verdict.is_not(None), Campaign.verdict_at.is_not(None))
        .order_by(Report.id.desc())
        .limit(SAMPLE)
    )
    return [(rid, _aware(created), _aware(verdict_at)) for rid, created, verdict_at in rows if verdict_at is not None]


def time_to_verdict(decided: list[tuple[int, dt.datetime, dt.datetime]]) -> TimeToVerdict:
    hours = sorted((v - c).total_seconds() / 3600 for _, c, v in decided if v >= c)
    on_arrival = sum(1 for _, c, v in decided if v < c)
    if not hours:
        return TimeToVerdict(0, on_arrival, None, None)
    return TimeToVerdict(len(hours), on_arrival, _percentile(hours, 0.5), _percentile(hours, 0.9))


def reporters_told(session: Session, decided: list[tuple[int, dt.datetime, dt.datetime]]) -> ReportersTold:
    verdict_at = {rid: v for rid, _, v in decided}
    if not verdict_at:
        return ReportersTold(0, 0, 0)
    ids = list(verdict_at)
    reachable: set[int] = set()
    told: set[int] = set()
    mail_of: dict[int, set[str]] = defaultdict(set)
    for chunk_start in range(0, len(ids), 1000):
        chunk = ids[chunk_start : chunk_start + 1000]
        for rid, visited in session.execute(
            select(ReporterReceipt.report_id, ReporterReceipt.last_visit_at).where(ReporterReceipt.report_id.in_(chunk))
        ):
            reachable.add(rid)
            if visited is not None and _aware(visited) >= verdict_at[rid]:
                told.add(rid)
        for rid, hash_ in session.execute(
            select(MailMessageReport.report_id, MailMessage.reporter_hash)
            .join(MailMessage, MailMessage.id == MailMessageReport.mail_message_id)
            .where(MailMessageReport.report_id.in_(chunk), MailMessage.reporter_hash.is_not(None))
        ):
            reachable.add(rid)
            mail_of[rid].add(str(hash_))
    hashes = {h for found in mail_of.values() for h in found}
    last_sent: dict[str, dt.datetime] = {}
    hash_list = list(hashes)
    for chunk_start in range(0, len(hash_list), 1000):
        for hash_, sent in session.execute(
            select(MailOutbox.reporter_hash, func.max(MailOutbox.sent_at))
            .where(
                MailOutbox.reporter_hash.in_(hash_list[chunk_start : chunk_start + 1000]),
                MailOutbox.kind == MailKind.OUTCOME,
                MailOutbox.status == MailStatus.SENT,
            )
            .group_by(MailOutbox.reporter_hash)
        ):
            if sent is not None:
                last_sent[str(hash_)] = _aware(sent)
    for rid, found in mail_of.items():
        if any(h in last_sent and last_sent[h] >= verdict_at[rid] for h in found):
            told.add(rid)
    return ReportersTold(len(verdict_at), len(reachable), len(told))


def dashboard(
    session: Session, days: int = 30, now: dt.datetime | None = None, closed: ClosedDays | None = None
) -> Dashboard:
    """`closed`: the web process's memory of finished days' counts (see ClosedDays); None reads them all."""
    days = days if days in WINDOWS else 30
    now = _aware(now or utcnow())
    since = dt.datetime.combine((now - dt.timedelta(days=days)).date(), dt.time(), tzinfo=dt.UTC)
    chart = per_day(session, since, days, closed, now)
    decided = _decided(session, since)
    return Dashboard(
        days=days,
        since=since,
        per_day=chart,
        surging=surging(session),
        time_to_verdict=time_to_verdict(decided),
        told=reporters_told(session, decided),
        reports=sum(chart.totals),
    )
