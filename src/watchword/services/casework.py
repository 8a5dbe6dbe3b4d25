"""Who works on what, and how far it is: assignment and case status of reports and campaigns,
one at a time or in bulk from the queue; saved searches.

Every change is audited in the caller's transaction, once per report or campaign it touches
(a bulk action of twenty reports or campaigns writes twenty events), so that the audit log reads
the same whichever way the change was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.campaigns.errors import CampaignError
from watchword.domain.states import CaseStatus, SavedTarget
from watchword.services import decisions, queue
from watchword.store import audit
from watchword.store.models import Campaign, Report
from watchword.store.models_people import SavedSearch, User

Kind = Literal["report", "campaign"]
CASE_STATES = tuple(str(s) for s in CaseStatus)
BULK_MAX = 200  # one page of the queue is 50; a bulk action never holds the writer for long


class CaseError(errors.Invalid):
    """Refused; the message is safe to show."""


class CaseNotFound(errors.NotFound, CaseError):
    pass


def _target(session: Session, kind: Kind, object_id: int) -> Report | Campaign:
    found: Report | Campaign | None
    if kind == "report":
        found = session.get(Report, object_id)
    elif kind == "campaign":
        found = session.get(Campaign, object_id)
    else:
        raise CaseError("Only reports and campaigns can be assigned.")
    if found is None:
        raise CaseNotFound(f"No such {kind}.")
    return found


def _analyst(session: Session, username: str) -> str:
    """An enabled account that may act on reports (an analyst or an admin), else CaseError."""
    row = session.execute(
        select(User.username, User.role, User.disabled).where(User.username == username.strip())
    ).first()
    if row is None or row.disabled or row.role not in ("analyst", "admin"):
        raise CaseError("Reports can be assigned only to an analyst or an administrator with an active account.")
    return str(row.username)


def assign(session: Session, kind: Kind, object_id: int, assignee: str, actor: str) -> None:
    """Give a report or campaign to an analyst ("" for nobody); audited."""
    target = _target(session, kind, object_id)
    value = _analyst(session, assignee) if assignee.strip() else None
    previous = target.assignee
    target.assignee = value
    audit.record(session, actor, f"{kind}.assign", kind, object_id, {"assignee": value, "previous": previous})


def set_case_status(session: Session, kind: Kind, object_id: int, status: str, actor: str) -> None:
    """new / in_progress / closed; audited."""
    if status not in CASE_STATES:
        raise CaseError(f"The status must be one of: {', '.join(CASE_STATES)}.")
    target = _target(session, kind, object_id)
    previous = target.case_status
    target.case_status = status
    audit.record(session, actor, f"{kind}.case_status", kind, object_id, {"status": status, "previous": previous})


# -- bulk actions on the queue ------------------------------------------------------------


@dataclass(slots=True)
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # report id -> why, in words for the analyst


def bulk_actions(verdicts: tuple[str, ...] = queue.VERDICTS) -> list[tuple[str, str]]:
    """The choices of the queue's bulk form: (value, label)."""
    return [
        ("assign:me", "Assign to me"),
        ("assign:", "Unassign"),
        *((f"status:{s}", f"Status: {s.replace('_', ' ')}") for s in CASE_STATES),
        *((f"verdict:{v}", f"Verdict: {v.replace('_', ' ')}") for v in verdicts),
        ("campaign", "Add to campaign (number below)"),
    ]


def _bulk_request(
    session: Session, wanted: list[int], action: str, actor: str, noun: str
) -> tuple[list[int], str, str, str]:
    """A bulk request checked once, before any row is touched: the ids (each once, at least one,
    at most BULK_MAX), the action split into verb and value, and for an assignment the assignee
    (who must be an analyst); a status or verdict must be one of the known ones."""
    ids = list(dict.fromkeys(wanted))
    if not ids:
        raise CaseError(f"Select at least one {noun}.")
    if len(ids) > BULK_MAX:
        raise CaseError(f"At most {BULK_MAX} {noun}s at a time.")
    verb, _, value = action.partition(":")
    assignee = ""
    if verb == "assign":
        assignee = actor if value == "me" else value
        if assignee:
            _analyst(session, assignee)
    elif verb == "status" and value not in CASE_STATES:
        raise CaseError(f"The status must be one of: {', '.join(CASE_STATES)}.")
    elif verb == "verdict" and value not in queue.VERDICTS:
        raise CaseError(f"The verdict must be one of: {', '.join(queue.VERDICTS)}.")
    return ids, verb, value, assignee


def bulk(
    session: Session, report_ids: list[int], action: str, actor: str, campaign_id: int | None = None
) -> BulkResult:
    """One action on several reports, in one transaction, audited per report.

    A report the action cannot apply to (it vanished, it is in a campaign and the verdict is the
    campaign's) is skipped with a reason rather than failing the rest; a wrong action, an unknown
    campaign or an assignee who may not be assigned fails the whole request.
    """
    ids, verb, value, assignee = _bulk_request(session, report_ids, action, actor, "report")
    result = BulkResult()
    if verb == "campaign":
        if campaign_id is None:
            raise CaseError("Give the number of the campaign to add the reports to.")
        if session.get(Campaign, campaign_id) is None:
            raise CaseNotFound(f"No campaign {campaign_id}.")
    elif verb not in ("assign", "status", "verdict"):
        raise CaseError("Choose what to do with the selected reports.")
    for report_id in ids:
        report = session.get(Report, report_id)
        if report is None:
            result.skipped[report_id] = "no such report"
            continue
        if verb == "assign":
            assign(session, "report", report_id, assignee, actor)
        elif verb == "status":
            set_case_status(session, "report", report_id, value, actor)
        elif verb == "verdict":
            if report.campaign_id is not None:
                result.skipped[report_id] = "in a campaign: its verdict is the campaign's"
                continue
            queue.set_report_verdict(session, report_id, value, "", actor)
        else:
            assert campaign_id is not None
            try:
                decisions.add_report(session, report_id, campaign_id, actor)
            except CampaignError as exc:
                result.skipped[report_id] = str(exc)
                continue
        result.done.append(report_id)
    return result


def bulk_campaign_actions(verdicts: tuple[str, ...] = queue.VERDICTS) -> list[tuple[str, str]]:
    """The campaign list's bulk choices: as for reports, less "add to campaign" (that is a merge)."""
    return [(value, text) for value, text in bulk_actions(verdicts) if value != "campaign"]


def bulk_campaigns(session: Session, campaign_ids: list[int], action: str, actor: str) -> BulkResult:
    """One action on several campaigns, in one transaction, audited per campaign.

    A verdict goes through `decisions.set_verdict`, as from the campaign page:
    every member report gets it and their reporters are told the verdict's own
    wording. A campaign that is gone or was merged away is skipped with a reason.
    """
    ids, verb, value, assignee = _bulk_request(session, campaign_ids, action, actor, "campaign")
    result = BulkResult()
    if verb not in ("assign", "status", "verdict"):
        raise CaseError("Choose what to do with the selected campaigns.")
    found = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(ids)))}
    for campaign_id in ids:
        campaign = found.get(campaign_id)
        if campaign is None:
            result.skipped[campaign_id] = "no such campaign"
            continue
        if campaign.merged_into_id is not None:
            result.skipped[campaign_id] = f"merged into campaign {campaign.merged_into_id}"
            continue
        if verb == "assign":
            assign(session, "campaign", campaign_id, assignee, actor)
        elif verb == "status":
            set_case_status(session, "campaign", campaign_id, value, actor)
        else:
            try:
                decisions.set_verdict(session, campaign_id, value, actor)
            except CampaignError as exc:  # refused before it changed anything (a campaign with no reports)
                result.skipped[campaign_id] = str(exc)
                continue
        result.done.append(campaign_id)
    return result


# -- saved searches ----------------------------------------------------------------------

SAVED_TARGETS = tuple(str(t) for t in SavedTarget)


@dataclass(frozen=True, slots=True)
class SavedSearchRow:
    id: int
    name: str
    target: str
    query: str

    @property
    def url(self) -> str:
        return f"/console/{'' if self.target == 'queue' else 'search'}?{self.query}".rstrip("?")


def _clean_query(target: str, query: str) -> str:
    """Only the parameters the page itself reads, as it would write them back: nothing else is kept."""
    pairs = parse_qsl(query, keep_blank_values=False)
    if target == "search":
        return urlencode([(k, v) for k, v in pairs if k == "q"][:1])
    params = dict(pairs)
    filters = queue.Filters.parse(params)
    view = params.get("view", "")
    kept = {**({"view": view} if view in ("campaigns", "reports") else {}), **filters.query_params()}
    return urlencode(kept)


def save_search(session: Session, user_id: int, name: str, target: str, query: str, actor: str) -> SavedSearchRow:
    name = " ".join(name.split())[:100]
    if not name:
        raise CaseError("Give the search a name.")
    if target not in SAVED_TARGETS:
        raise CaseError("Only queue filters and searches can be saved.")
    query = _clean_query(target, query)[:2000]
    existing = session.scalar(select(SavedSearch).where(SavedSearch.user_id == user_id, SavedSearch.name == name))
    if existing is not None:  # saving under a name again replaces what it runs
        existing.target, existing.query = target, query
        row = existing
    else:
        row = SavedSearch(user_id=user_id, name=name, target=target, query=query)
        session.add(row)
    session.flush()
    audit.record(session, actor, "saved_search.save", "saved_search", row.id, {"name": name, "target": target})
    return SavedSearchRow(row.id, row.name, row.target, row.query)


def saved_searches(session: Session, user_id: int) -> list[SavedSearchRow]:
    rows = session.execute(
        select(SavedSearch.id, SavedSearch.name, SavedSearch.target, SavedSearch.query)
        .where(SavedSearch.user_id == user_id)
        .order_by(SavedSearch.name)
    ).all()
    return [SavedSearchRow(*row) for row in rows]


def saved_search(session: Session, user_id: int, search_id: int) -> SavedSearchRow:
    """One of this analyst's own; another analyst's is NotFound, as if it did not exist."""
    row = session.get(SavedSearch, search_id)
    if row is None or row.user_id != user_id:
        raise CaseNotFound("No such saved search.")
    return SavedSearchRow(row.id, row.name, row.target, row.query)


def delete_saved_search(session: Session, user_id: int, search_id: int, actor: str) -> None:
    row = session.get(SavedSearch, search_id)
    if row is None or row.user_id != user_id:
        raise CaseNotFound("No such saved search.")
    session.delete(row)
    audit.record(session, actor, "saved_search.delete", "saved_search", search_id, {"name": row.name})


def analysts(session: Session) -> list[str]:
    """Who a report or campaign can be assigned to: enabled analysts and administrators, by name."""
    return list(
        session.scalars(
            select(User.username)
            .where(User.role.in_(("analyst", "admin")), User.disabled.is_(False))
            .order_by(User.username)
        )
    )
