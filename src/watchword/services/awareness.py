"""What people reported recently, in aggregate, for the public awareness page and its JSON.

Counts of people (not of submissions) by approach type and ISO week, over the
last few weeks, and the lures going round as the analysts published them in
bulletins. A count is shown only when it reaches the configured minimum
(`WATCHWORD_AWARENESS_MIN_COUNT`): below it, a cell says "fewer than k".

People, because the minimum is there so that no single reporter can be picked
out: one person sending the same kind of approach five times in a week is one
person, and five submissions would pass a minimum of five on their own. A
submission that left a contact detail (a web contact, the address a mail came
from, an SMS forwarder's number; all sealed, opened here only to compare) is
that person's; submissions with the same contact are one person. An anonymous
submission (no contact) cannot be linked to any other and counts as a person
of its own. Each person counts once in a cell and once in a week's total,
however many kinds they reported that week. Only reports the scope guard accepted, of a real
approach type, that no analyst found genuine, are counted; nothing about a
report other than its type and week ever leaves here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from watchword import clock
from watchword.config import Settings
from watchword.domain import ApproachType, Scope, Verdict
from watchword.security.sealing import key_of, unseal
from watchword.services import bulletins
from watchword.services.guidance import TYPE_NAMES
from watchword.store.models import Report, Submission
from watchword.translation import N_, gettext_for

# Not an approach: nothing found, or (undetermined) the report does not yet say what was done.
NOT_COUNTED = {"", str(ApproachType.BENIGN), str(ApproachType.UNDETERMINED)}
JSON_NOTE = N_(
    "Counts are of people, not of reports. Counts below %(minimum)s are withheld (null) so that no single "
    "reporter can be picked out."
)
_DIGITS = str.maketrans("", "", " -().")


def _person(key: bytes, submission_id: int, contact_sealed: bytes | None) -> str:
    """Who sent a submission, as a key to count distinct people by: their contact detail
    normalised (case, spaces and a phone number's punctuation do not make another person),
    or the submission itself when it is anonymous or its contact cannot be opened."""
    if contact_sealed:
        try:
            contact = " ".join(unseal(key, contact_sealed).split()).casefold()
        except (ValueError, InvalidTag):
            return f"s:{submission_id}"
        if contact.lstrip("+").translate(_DIGITS).isdigit():
            contact = contact.translate(_DIGITS)
        return f"c:{contact}"
    return f"s:{submission_id}"


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # ISO week, e.g. 2026-W49
    start: dt.date
    counts: dict[str, int | None]  # approach type -> count, None when below the minimum
    total: int | None


@dataclass(frozen=True, slots=True)
class Awareness:
    minimum: int
    weeks: list[Week]
    types: list[str]  # the approach types shown as columns, in taxonomy order
    lures: list[dict[str, str]] = field(default_factory=list)

    def as_json(self, base_url: str, language: str = "en") -> dict[str, Any]:
        _ = gettext_for(language)
        return {
            "minimum_count": self.minimum,
            "counted": "people",
            "language": language,
            "note": _(JSON_NOTE) % {"minimum": self.minimum},
            "types": {t: _(TYPE_NAMES[t]) if t in TYPE_NAMES else t for t in self.types},
            "weeks": [
                {"week": w.label, "starts": w.start.isoformat(), "counts": w.counts, "total": w.total}
                for w in self.weeks
            ],
            "lures": [{**lure, "url": base_url + lure["path"]} for lure in self.lures],
        }


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _shown(count: int, minimum: int) -> int | None:
    return count if count >= minimum else None


def summary(session: Session, settings: Settings) -> Awareness:
    minimum = max(1, settings.awareness_min_count)
    today = clock.now().date()
    first = _monday(today) - dt.timedelta(weeks=max(1, settings.awareness_weeks) - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(Submission.id, Submission.contact_sealed, Submission.received_at, Report.approach_type)
        .join(Report, Report.id == Submission.report_id)
        .where(
            Submission.received_at >= since,
            Report.scope == str(Scope.IN_SCOPE),
            Report.approach_type.notin_(NOT_COUNTED),
            or_(Report.verdict.is_(None), Report.verdict.notin_([str(Verdict.BENIGN), str(Verdict.OUT_OF_SCOPE)])),
        )
        .execution_options(yield_per=2000)  # streamed: memory stays flat however many were reported
    )
    key = key_of(session)
    people: dict[tuple[dt.date, str], set[str]] = {}
    people_in_week: dict[dt.date, set[str]] = {}
    for submission_id, contact_sealed, received_at, approach in rows:
        week = _monday(received_at.date())
        person = _person(key, submission_id, contact_sealed)
        people.setdefault((week, approach), set()).add(person)
        people_in_week.setdefault(week, set()).add(person)
    cells: Counter[tuple[dt.date, str]] = Counter({cell: len(who) for cell, who in people.items()})
    types = [str(t) for t in ApproachType if str(t) not in NOT_COUNTED]
    weeks = []
    start = first
    while start <= today:
        counts = {t: _shown(cells[(start, t)], minimum) for t in types}
        total = len(people_in_week.get(start, ()))
        year, number, _ = start.isocalendar()
        weeks.append(Week(f"{year}-W{number:02d}", start, counts, _shown(total, minimum)))
        start += dt.timedelta(weeks=1)
    lures = [
        {
            "title": b.title,
            "summary": b.summary,
            "path": f"/bulletins/{b.slug}",
            "published": b.published_at.date().isoformat() if b.published_at else "",
        }
        for b in bulletins.published(session, limit=10)
        if b.published_at is None or b.published_at.replace(tzinfo=b.published_at.tzinfo or dt.UTC) >= since
    ]
    return Awareness(minimum=minimum, weeks=weeks, types=types, lures=lures)
