"""Reports, people, sightings: the one definition every page, export and reporter message uses.

It lives below the areas (campaigns, intel, replies, services all read it) and only reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from watchword.store.models import Report
from watchword.store.models_mail import MailMessage, MailMessageReport
from watchword.store.models_reporter import ReporterReceipt
from watchword.store.pgarray import among_ids


@dataclass(frozen=True, slots=True)
class Counts:
    """How much was reported, as every page, export and reporter message says it (issue 15.4).

    reports: distinct reports (a repeat of the same message is a sighting, not a report);
    sightings: every time anyone reported, the first time included;
    people: who reported, as far as the store can tell people apart: each web receipt, each mail
    address (a keyed hash, so one person who forwarded it twice is one), and each other submission
    (API, import, SMS: channels that name no one) as one; never fewer than one nor more than the
    sightings.
    """

    reports: int
    people: int
    sightings: int


NO_COUNTS = Counts(0, 0, 0)


def _counts_by(session: Session, key: Any, keys: Sequence[int]) -> dict[int, Counts]:
    """Counts grouped by `key` (Report.id or Report.campaign_id), for these keys, in one statement."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}

    def part(what: str, *selected: Any) -> Select[Any]:
        return select(key.label("k"), literal_column(f"'{what}'").label("what"), *selected)

    mail_rows = (
        select()
        .select_from(MailMessage)
        .join(MailMessageReport, MailMessageReport.mail_message_id == MailMessage.id)
        .join(Report, Report.id == MailMessageReport.report_id)
    )
    parts = [
        # reports and sightings (a sighting is a submission: intake writes both or neither)
        part("r", func.count(Report.id), func.sum(Report.sightings)),
        # the submissions whose person is known: a web receipt each, a mail from an address each
        part("w", func.count(ReporterReceipt.id), literal_column("0")).join(
            Report, Report.id == ReporterReceipt.report_id
        ),
        mail_rows.add_columns(
            key.label("k"),
            literal_column("'m'").label("what"),
            func.count(MailMessage.id),
            func.count(func.distinct(MailMessage.reporter_hash)),
        ),
    ]
    seen: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for k, what, a, b in session.execute(
        union_all(*(p.where(among_ids(key, keys, session)).group_by(key) for p in parts))
    ):
        seen[str(what)][k] = (int(a), int(b or 0))
    out = {}
    for k, (reports, sightings) in seen["r"].items():
        receipts = seen["w"].get(k, (0, 0))[0]
        mails, addresses = seen["m"].get(k, (0, 0))
        # Every sighting some person sent; those a receipt or a mail record explains are counted by who sent them.
        people = receipts + addresses + max(sightings - receipts - mails, 0)
        out[k] = Counts(reports, min(max(people, 1), max(sightings, 1)), sightings)
    return out


def report_counts(session: Session, report_ids: Sequence[int]) -> dict[int, Counts]:
    """Each report's counts (reports is 1); a report that does not exist is left out."""
    return _counts_by(session, Report.id, report_ids)


def campaign_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, Counts]:
    """Each campaign's counts over the reports now in it; a campaign with none is left out."""
    return _counts_by(session, Report.campaign_id, campaign_ids)


def counts_of(session: Session, report_id: int) -> Counts:
    """What a report's reporter is told about and the report page shows: its campaign's counts when it is in one,
    else its own."""
    campaign_id = session.scalar(select(Report.campaign_id).where(Report.id == report_id))
    if campaign_id is not None:
        return campaign_counts(session, [campaign_id]).get(campaign_id, NO_COUNTS)
    return report_counts(session, [report_id]).get(report_id, NO_COUNTS)
