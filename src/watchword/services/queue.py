"""The triage queue: open campaigns and unassigned reports, by priority.

Priority is risk x reach x surge, and the page shows the reasons beside the
number. Lists page by keyset (the last row's sort key), never by OFFSET and
never with a COUNT over the reports: one query per page, at any store size, and the counts of
that page's rows (reports, people, sightings: `store.counts.Counts`, the one definition).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from watchword import errors
from watchword.domain import ApproachType, Channel, Scope, Verdict
from watchword.domain.states import CampaignStatus, CaseStatus, ReportStatus
from watchword.store import audit
from watchword.store.counts import Counts, campaign_counts, report_counts
from watchword.store.models import Campaign, Report
from watchword.store.models_people import Note

PAGE = 50
SURGE_FACTOR = 2.0
APPROACH_TYPES = tuple(str(a) for a in ApproachType)
# The unassigned-reports view can list only the reports the reading could not yet type.
QUEUE_SCOPES = (str(Scope.IN_SCOPE), str(Scope.NEEDS_DETAIL))
CHANNELS = tuple(str(c) for c in Channel)
VERDICTS = tuple(str(v) for v in Verdict)
CASE_STATES = tuple(str(s) for s in CaseStatus)


def priority(risk: float, reach: int, surging: bool) -> tuple[float, list[str]]:
    """risk x reach x surge, and why, in words an analyst can check.

    Reach grows with the logarithm of the people who reported it: the 200th
    reporter adds less than the 2nd. Surge doubles a campaign that is arriving
    faster than usual right now.
    """
    reach = max(reach, 1)
    reach_factor = 1.0 + math.log2(reach)
    surge = SURGE_FACTOR if surging else 1.0
    score = round(risk * reach_factor * surge, 4)
    reasons = [f"risk {risk:.2f}"]
    reasons.append(f"reach {reach} {'person' if reach == 1 else 'people'} (x{reach_factor:.1f})")
    if surging:
        reasons.append(f"surging now (x{SURGE_FACTOR:g})")
    return score, reasons


def refresh_priority(session: Session, campaign_id: int) -> None:
    """Store a campaign's priority, which the queue's index orders by."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    reach = campaign.reporter_count or campaign.sighting_count or campaign.member_count
    score, _ = priority(campaign.risk or 0.0, reach, bool(campaign.surging))
    campaign.priority = round(score + intel_boost(campaign.facts), 4)


def refresh_priorities(session: Session, campaign_ids: set[int]) -> None:
    """`refresh_priority` for many campaigns, their rows read in one query."""
    ids = sorted(campaign_ids)
    # Campaigns already in the session (a worker's batch holds its own) are not read again.
    held: dict[int, Campaign | None] = {i: session.identity_map.get(session.identity_key(Campaign, i)) for i in ids}
    missing = [i for i in ids if held[i] is None]
    for start in range(0, len(missing), 500):
        for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(missing[start : start + 500]))):
            held[campaign.id] = campaign
    for cid, row in held.items():
        if row is not None:
            refresh_priority(session, cid)  # found in the session: no further read


def intel_boost(facts: Any) -> float:
    """What known-bad matches added (intel/retrohunt.py keeps it in facts["intel"])."""
    intel = facts.get("intel") if isinstance(facts, dict) else None
    try:
        return float(intel.get("boost", 0)) if isinstance(intel, dict) else 0.0
    except (TypeError, ValueError):
        return 0.0


def update_priority(session: Session, report: Report, _analysis: object) -> None:
    """After-analysis step, after campaign assignment: the report's campaign may
    have grown, risen in risk or started to surge."""
    if report.campaign_id is not None:
        refresh_priority(session, report.campaign_id)


@dataclass(slots=True)
class Filters:
    status: str = ""  # campaigns: open (default) | closed | any; reports: received | analysed | failed
    approach_type: str = ""
    channel: str = ""  # reports only: campaigns gather several channels
    verdict: str = ""  # one of VERDICTS, or "none" for not yet decided
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    surging: bool = False  # campaigns only
    scope: str = ""  # reports only: in_scope | needs_detail (out-of-scope reports have their own review)
    assigned: str = ""  # "me" | "none" (nobody has it) | "" (anyone)
    case: str = ""  # the analysts' case status: new | in_progress | closed
    me: str = ""  # who "me" is: the signed-in analyst (never from the query string)

    @classmethod
    def parse(cls, params: dict[str, str], me: str = "") -> Filters:
        """From query parameters; anything unknown is dropped rather than trusted."""

        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        return cls(
            status=pick("status", (CampaignStatus.OPEN, CampaignStatus.CLOSED, "any", *ReportStatus)),
            approach_type=pick("approach_type", APPROACH_TYPES),
            channel=pick("channel", CHANNELS),
            verdict=pick("verdict", (*VERDICTS, "none")),
            date_from=_date(params.get("from", "")),
            date_to=_date(params.get("to", "")),
            surging=params.get("surging", "") in ("1", "on", "true"),
            scope=pick("scope", QUEUE_SCOPES),
            assigned=pick("assigned", ("me", "none")),
            case=pick("case", CASE_STATES),
            me=me,
        )

    def query_params(self) -> dict[str, str]:
        out = {
            "status": self.status,
            "approach_type": self.approach_type,
            "channel": self.channel,
            "verdict": self.verdict,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "surging": "1" if self.surging else "",
            "scope": self.scope,
            "assigned": self.assigned,
            "case": self.case,
        }
        return {k: v for k, v in out.items() if v}


def _work_filters(query: Any, model: type[Report] | type[Campaign], filters: Filters) -> Any:
    """Who has it and how far the work is: the same filters on both views."""
    if filters.assigned == "me":
        query = query.where(model.assignee == filters.me)
    elif filters.assigned == "none":
        query = query.where(model.assignee.is_(None))
    if filters.case:
        query = query.where(model.case_status == filters.case)
    return query


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    title: str
    approach_type: str
    risk: float
    status: str
    verdict: str | None
    report_count: int
    reporter_count: int
    sighting_count: int
    surging: bool
    last_seen: dt.datetime
    priority: float
    reasons: list[str]
    assignee: str | None = None
    case_status: str = "new"
    languages: tuple[str, ...] = ()  # the languages its reporters wrote in, known ones only


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    subject: str
    channel: str
    approach_type: str
    risk: float
    status: str
    verdict: str | None
    sightings: int
    created_at: dt.datetime
    priority: float
    reasons: list[str]
    scope: str = "in_scope"
    assignee: str | None = None
    case_status: str = "new"
    people: int = 1  # who reported it (counts.report_counts), beside the sightings
    language: str = ""  # the reporter's words' language, "" when unknown


@dataclass(slots=True)
class Page:
    rows: list[Any] = field(default_factory=list)
    next_cursor: str = ""  # opaque to the page: "sortkey:id"


def _cursor(value: str) -> tuple[float, int] | None:
    """The cursor a page handed out, or None for anything else (a 23-digit id or a NaN
    would otherwise reach the database and fail there)."""
    try:
        key, _, ident = value.partition(":")
        sort_key, row_id = float(key), int(ident)
    except ValueError:
        return None
    if not math.isfinite(sort_key) or not 0 <= row_id < 2**63:
        return None
    return sort_key, row_id


def campaign_reasons(facts: Any, risk: float, reach: int, surging: bool) -> tuple[float, list[str]]:
    """The priority and its reasons, including what known-bad matches added."""
    score, reasons = priority(risk, reach, surging)
    # Reasons recorded by the campaigns engine (e.g. how fast it surges) win.
    recorded = facts.get("priority_reasons") if isinstance(facts, dict) else None
    if isinstance(recorded, list) and recorded:
        reasons = [str(r) for r in recorded][:6]
    boost = intel_boost(facts)
    if boost:
        intel = facts.get("intel") or {}
        reasons.append(f"known-bad match (+{boost:.2f})")
        reasons.extend(str(r) for r in (intel.get("reasons") or [])[:2])
    return round(score + boost, 4), reasons


def open_campaigns(session: Session, filters: Filters, cursor: str = "", limit: int = PAGE) -> Page:
    """Campaigns by stored priority (highest first); one query, then the page's counts and its reporters' languages."""
    listed = (CampaignStatus.OPEN, CampaignStatus.CLOSED)
    status = filters.status if filters.status in listed else ("" if filters.status == "any" else CampaignStatus.OPEN)
    query = select(
        Campaign.id,
        Campaign.title,
        Campaign.approach_type,
        Campaign.risk,
        Campaign.status,
        Campaign.verdict,
        Campaign.member_count.label("report_count"),
        Campaign.reporter_count,
        Campaign.sighting_count,
        Campaign.surging,
        Campaign.last_seen,
        Campaign.priority,
        Campaign.facts,
        Campaign.assignee,
        Campaign.case_status,
    ).where(Campaign.merged_into_id.is_(None))
    if status:
        query = query.where(Campaign.status == status)
    if filters.approach_type:
        query = query.where(Campaign.approach_type == filters.approach_type)
    if filters.verdict == "none":
        query = query.where(Campaign.verdict.is_(None))
    elif filters.verdict:
        query = query.where(Campaign.verdict == filters.verdict)
    if filters.surging:
        query = query.where(Campaign.surging.is_(True))
    query = _work_filters(query, Campaign, filters)
    if filters.date_from:
        query = query.where(Campaign.last_seen >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Campaign.first_seen < _day_start(filters.date_to + dt.timedelta(days=1)))
    after = _cursor(cursor)
    if after:
        query = query.where(tuple_(Campaign.priority, Campaign.id) < tuple_(*after))
    query = query.order_by(Campaign.priority.desc(), Campaign.id.desc()).limit(limit + 1)
    rows = session.execute(query).all()
    languages: dict[int, set[str]] = {}
    if rows:
        for campaign_id, language in session.execute(
            select(Report.campaign_id, Report.language)
            .where(Report.campaign_id.in_([row.id for row in rows[:limit]]), Report.language != "")
            .distinct()
        ):
            if campaign_id is not None:
                languages.setdefault(campaign_id, set()).add(language)
    page = Page()
    counts = campaign_counts(session, [row.id for row in rows[:limit]])
    for row in rows[:limit]:
        shown = counts.get(row.id, Counts(row.report_count, row.reporter_count, row.sighting_count))
        # The reason's "reach N people" is the row's own people count (one definition, store/counts.py).
        score, reasons = campaign_reasons(row.facts or {}, row.risk, shown.people, row.surging)
        page.rows.append(
            CampaignRow(
                id=row.id,
                title=row.title,
                approach_type=row.approach_type,
                risk=row.risk,
                status=row.status,
                verdict=row.verdict,
                report_count=shown.reports,
                reporter_count=shown.people,
                sighting_count=shown.sightings,
                surging=row.surging,
                last_seen=row.last_seen,
                priority=row.priority or score,
                reasons=reasons,
                assignee=row.assignee,
                case_status=row.case_status,
                languages=tuple(sorted(languages.get(row.id, ()))),
            )
        )
    if len(rows) > limit:
        last = rows[limit - 1]
        page.next_cursor = f"{last.priority!r}:{last.id}"
    return page


def unassigned_reports(session: Session, filters: Filters, cursor: str = "", limit: int = PAGE) -> Page:
    """Reports in no campaign, highest risk first; one query, then the page's counts.

    Ordered by (risk, id) so that `ix_reports_queue` (campaign_id, risk, id)
    serves the order and the page stops after `limit` rows; the priority shown
    also weighs reach (the people who reported it). Out-of-scope reports have their own review.
    """
    query = select(
        Report.id,
        Report.subject,
        Report.channel,
        Report.approach_type,
        Report.risk,
        Report.status,
        Report.verdict,
        Report.sightings,
        Report.created_at,
        Report.scope,
        Report.assignee,
        Report.case_status,
        Report.language,
    ).where(Report.campaign_id.is_(None), Report.scope != "out_of_scope")
    if filters.scope:
        query = query.where(Report.scope == filters.scope)
    if filters.status in tuple(ReportStatus):
        query = query.where(Report.status == filters.status)
    if filters.approach_type:
        query = query.where(Report.approach_type == filters.approach_type)
    if filters.channel:
        query = query.where(Report.channel == filters.channel)
    query = _work_filters(query, Report, filters)
    if filters.verdict == "none":
        query = query.where(Report.verdict.is_(None))
    elif filters.verdict:
        query = query.where(Report.verdict == filters.verdict)
    if filters.date_from:
        query = query.where(Report.created_at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Report.created_at < _day_start(filters.date_to + dt.timedelta(days=1)))
    after = _cursor(cursor)
    if after:
        query = query.where(tuple_(Report.risk, Report.id) < tuple_(*after))
    query = query.order_by(Report.risk.desc(), Report.id.desc()).limit(limit + 1)
    rows = session.execute(query).all()
    page = Page()
    counts = report_counts(session, [row.id for row in rows[:limit]])
    for row in rows[:limit]:
        shown = counts.get(row.id, Counts(1, 1, row.sightings))
        # Reach is who reported it, the same number the row shows (not its sightings: one person twice is one).
        score, reasons = priority(row.risk, shown.people, False)
        if row.status != ReportStatus.ANALYSED:
            reasons = [f"not analysed yet ({row.status})", *reasons]
        page.rows.append(
            ReportRow(
                id=row.id,
                subject=row.subject,
                channel=row.channel,
                approach_type=row.approach_type,
                risk=row.risk,
                status=row.status,
                verdict=row.verdict,
                sightings=shown.sightings,
                people=shown.people,
                created_at=row.created_at,
                priority=score,
                reasons=reasons,
                scope=row.scope,
                assignee=row.assignee,
                case_status=row.case_status,
                language=row.language,
            )
        )
    if len(rows) > limit:
        last = rows[limit - 1]
        page.next_cursor = f"{last.risk!r}:{last.id}"
    return page


# -- triage of a single report ---------------------------------------------------------


class TriageError(errors.Invalid):
    """Refused; the message is safe to show."""


class TriageNotFound(errors.NotFound, TriageError):
    pass


class TriageConflict(errors.Conflict, TriageError):
    pass


def set_report_verdict(session: Session, report_id: int, verdict: str, note: str, actor: str) -> None:
    """Decide one report that belongs to no campaign. A report inside a campaign
    takes the campaign's verdict (set there, so that every member agrees)."""
    if verdict not in VERDICTS:
        raise TriageError(f"The verdict must be one of: {', '.join(VERDICTS)}.")
    report = session.get(Report, report_id)
    if report is None:
        raise TriageNotFound("No such report.")
    if report.campaign_id is not None:
        raise TriageConflict("This report belongs to a campaign: set the verdict on the campaign.")
    previous = report.verdict
    report.verdict = verdict
    if note.strip():
        add_note(session, "report", report_id, note, actor)
    audit.record(
        session,
        actor,
        "report.verdict",
        "report",
        report_id,
        {"verdict": verdict, "previous": previous, "note": note.strip()[:2000]},
    )


def add_note(session: Session, object_type: str, object_id: int, body: str, actor: str) -> Note:
    """An analyst's note; it becomes searchable at once."""
    from watchword.services import search

    noted = {"report": Report, "campaign": Campaign}[object_type]
    if session.get(noted, object_id) is None:
        raise TriageNotFound(f"No such {object_type}.")
    body = body.strip()
    if not body:
        raise TriageError("The note is empty.")
    if len(body) > 20_000:
        raise TriageError("The note is longer than 20,000 characters.")
    note = Note(object_type=object_type, object_id=object_id, author=actor, body=body)
    session.add(note)
    session.flush()
    audit.record(session, actor, "note.add", object_type, object_id, {"note_id": note.id})
    if object_type == "report":
        search.reindex_report(session, object_id)
    else:
        search.index_campaign(session, object_id)
    return note
