"""Full-text search over reports (subject, body, indicators, notes) and campaigns.

One function, `search()`, over two backends: SQLite FTS5 and PostgreSQL
`tsvector` with a GIN index (tables created by migration 0002). The index is
derived data, kept in step by `index_report` (an after-analysis step) and
refilled by `rebuild()`.

Hits come newest first and page by id (keyset): both engines can then stop
after one page instead of ranking every match, which is what keeps a common
word fast at a million reports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from watchword.domain import Analysis
from watchword.domain.model import INDICATOR_TYPES
from watchword.store.models import AnalysisRecord, Campaign, Indicator, Report, ReportIndicator
from watchword.store.models_people import Note
from watchword.store.pgarray import among_ids, int_array, text_array

MAX_BODY_CHARS = 20_000  # enough for any lure; keeps one huge message from bloating the index
MAX_QUERY_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TERMS = 12
# PostgreSQL: the newest documents tested one by one before the GIN index is asked (_report_ids).
RECENT_SCAN = 1000
_TERM = re.compile(r"[^\s\"'()]+")
# Snippet markers that cannot occur in stored text: the template escapes the
# snippet and only then turns these into <mark>, so text can never inject markup.
MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True, slots=True)
class ReportHit:
    id: int
    subject: str
    created_at: dt.datetime
    approach_type: str
    risk: float
    status: str
    verdict: str | None
    campaign_id: int | None
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class CampaignHit:
    id: int
    title: str
    status: str
    verdict: str | None
    report_count: int


@dataclass(frozen=True, slots=True)
class IndicatorHit:
    id: int
    type: str
    value: str
    report_count: int


@dataclass(slots=True)
class SearchResult:
    query: str
    reports: list[ReportHit] = field(default_factory=list)
    campaigns: list[CampaignHit] = field(default_factory=list)
    indicators: list[IndicatorHit] = field(default_factory=list)
    next_before: int | None = None  # pass back as `before` for the next page of reports


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def terms(query: str) -> list[str]:
    return _TERM.findall(query[:MAX_QUERY_CHARS])[:MAX_TERMS]


def fts5_query(query: str) -> str:
    """Every term quoted, all required. A quoted term is a phrase, so a domain
    such as evil.example.com matches its tokens in order and nothing in the
    user's text is read as FTS5 syntax."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms(query))


# -- keeping the index in step ----------------------------------------------------


def _report_fields(
    session: Session, report_id: int, subject: str, body: str, indicators: list[str], reporter_text: str
) -> dict[str, str]:
    notes = session.scalars(
        select(Note.body).where(Note.object_type == "report", Note.object_id == report_id).order_by(Note.id)
    ).all()
    return {
        "subject": subject,
        "body": body[:MAX_BODY_CHARS],
        "indicators": " ".join(indicators),
        "notes": "\n".join([reporter_text, *notes]).strip(),
    }


def _write_report(session: Session, report_id: int, fields: dict[str, str]) -> None:
    params = {"id": report_id, **fields}
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM search_reports WHERE rowid = :id"), {"id": report_id})
        session.execute(
            text(
                "INSERT INTO search_reports (rowid, subject, body, indicators, notes) "
                "VALUES (:id, :subject, :body, :indicators, :notes)"
            ),
            params,
        )
    else:
        session.execute(
            text(
                "INSERT INTO search_reports (report_id, doc) VALUES (:id, "
                "setweight(to_tsvector('simple', :subject), 'A') || to_tsvector('simple', :body) || "
                "setweight(to_tsvector('simple', :indicators), 'B') || to_tsvector('simple', :notes)) "
                "ON CONFLICT (report_id) DO UPDATE SET doc = excluded.doc"
            ),
            params,
        )


def index_report(session: Session, report: Report, analysis: Analysis) -> None:
    """After-analysis step: (re)index the report in the analysis's transaction.

    A report the scope guard put out of scope is not made searchable: such a
    report must never become a way to look people up (DESIGN.md, taxonomy).
    """
    if analysis.scope == "out_of_scope":
        remove_report(session, report.id)
        return
    fields = _report_fields(
        session, report.id, analysis.subject, analysis.body_text, [i["value"] for i in analysis.indicators], report.text
    )
    _write_report(session, report.id, fields)


def index_reports(session: Session, items: list[tuple[Report, Analysis]]) -> None:
    """`index_report` for a batch of reports: one notes query and one statement per kind of write."""
    kept = [(r, a) for r, a in items if a.scope != "out_of_scope"]
    for report, analysis in items:
        if analysis.scope == "out_of_scope":
            remove_report(session, report.id)
    if not kept:
        return
    ids = [r.id for r, _ in kept]
    notes: dict[int, list[str]] = {}
    for object_id, body in session.execute(
        select(Note.object_id, Note.body)
        .where(Note.object_type == "report", among_ids(Note.object_id, ids, session))
        .order_by(Note.id)
    ):
        notes.setdefault(int(object_id), []).append(body)
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "subject": a.subject,
            "body": a.body_text[:MAX_BODY_CHARS],
            "indicators": " ".join(i["value"] for i in a.indicators),
            "notes": "\n".join([r.text, *notes.get(r.id, [])]).strip(),
        }
        for r, a in kept
    ]
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM search_reports WHERE rowid = :id"), [{"id": row["id"]} for row in rows])
        session.execute(
            text(
                "INSERT INTO search_reports (rowid, subject, body, indicators, notes) "
                "VALUES (:id, :subject, :body, :indicators, :notes)"
            ),
            rows,
        )
    else:
        # One statement over arrays rather than an execution per report (issue 14).
        session.execute(
            _PG_INDEX_MANY,
            {
                "id": int_array(row["id"] for row in rows),
                **{name: text_array(row[name] for row in rows) for name in ("subject", "body", "indicators", "notes")},
            },
        )


_PG_INDEX_MANY = text(
    "INSERT INTO search_reports (report_id, doc) "
    "SELECT u.id, setweight(to_tsvector('simple', u.subject), 'A') || to_tsvector('simple', u.body) || "
    "setweight(to_tsvector('simple', u.indicators), 'B') || to_tsvector('simple', u.notes) "
    "FROM unnest(CAST(:id AS bigint[]), CAST(:subject AS text[]), CAST(:body AS text[]), "
    "CAST(:indicators AS text[]), CAST(:notes AS text[])) AS u(id, subject, body, indicators, notes) "
    "ON CONFLICT (report_id) DO UPDATE SET doc = excluded.doc"
)


def reindex_report(session: Session, report_id: int) -> None:
    """Rebuild one report's entry from the store (after a note is added)."""
    row = session.execute(
        select(Report.subject, Report.text, Report.scope, AnalysisRecord.result)
        .outerjoin(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .where(Report.id == report_id)
    ).first()
    if row is None:
        return
    subject, reporter_text, scope, result = row
    if scope == "out_of_scope":
        remove_report(session, report_id)
        return
    result = result or {}
    values = session.scalars(
        select(Indicator.value)
        .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
        .where(ReportIndicator.report_id == report_id)
    ).all()
    fields = _report_fields(session, report_id, subject, str(result.get("body_text", "")), list(values), reporter_text)
    _write_report(session, report_id, fields)


def remove_report(session: Session, report_id: int) -> None:
    column = "rowid" if _dialect(session) == "sqlite" else "report_id"
    session.execute(text(f"DELETE FROM search_reports WHERE {column} = :id"), {"id": report_id})  # noqa: S608


def index_campaign(session: Session, campaign_id: int) -> None:
    """(Re)index a campaign's title, verdict note and analyst notes."""
    row = session.execute(select(Campaign.title, Campaign.verdict_note).where(Campaign.id == campaign_id)).first()
    sqlite = _dialect(session) == "sqlite"
    if row is None:
        column = "rowid" if sqlite else "campaign_id"
        session.execute(text(f"DELETE FROM search_campaigns WHERE {column} = :id"), {"id": campaign_id})  # noqa: S608
        return
    notes = session.scalars(
        select(Note.body).where(Note.object_type == "campaign", Note.object_id == campaign_id).order_by(Note.id)
    ).all()
    params = {"id": campaign_id, "title": row.title, "notes": "\n".join([row.verdict_note or "", *notes]).strip()}
    if sqlite:
        session.execute(text("DELETE FROM search_campaigns WHERE rowid = :id"), {"id": campaign_id})
        session.execute(text("INSERT INTO search_campaigns (rowid, title, notes) VALUES (:id, :title, :notes)"), params)
    else:
        session.execute(
            text(
                "INSERT INTO search_campaigns (campaign_id, doc) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || to_tsvector('simple', :notes)) "
                "ON CONFLICT (campaign_id) DO UPDATE SET doc = excluded.doc"
            ),
            params,
        )


def rebuild(session: Session, batch: int = 1000) -> int:
    """Refill the whole index from the store. Returns the number of reports indexed."""
    sqlite = _dialect(session) == "sqlite"
    session.execute(text("DELETE FROM search_reports"))
    session.execute(text("DELETE FROM search_campaigns"))
    done = 0
    last = 0
    while True:
        ids = session.scalars(
            select(Report.id).where(Report.id > last, Report.scope != "out_of_scope").order_by(Report.id).limit(batch)
        ).all()
        if not ids:
            break
        for report_id in ids:
            reindex_report(session, report_id)
        done += len(ids)
        last = ids[-1]
    for campaign_id in session.scalars(select(Campaign.id)).all():
        index_campaign(session, campaign_id)
    if sqlite:
        session.execute(text("INSERT INTO search_reports (search_reports) VALUES ('optimize')"))
    return done


# -- asking --------------------------------------------------------------------------


def _report_ids(session: Session, query: str, before: int | None, limit: int) -> list[tuple[int, str]]:
    """(report id, snippet) newest first; one query."""
    bound = before if before is not None else 2**62
    if _dialect(session) == "sqlite":
        match = fts5_query(query)
        if not match:
            return []
        # FTS5 walks its doclists in rowid order and stops at LIMIT, so a word
        # that occurs in half the store costs no more than a rare one.
        rows = session.execute(
            text(
                "SELECT rowid, snippet(search_reports, -1, :a, :b, '…', 16) FROM search_reports "
                "WHERE search_reports MATCH :q AND rowid < :before ORDER BY rowid DESC LIMIT :n"
            ),
            {"q": match, "before": bound, "n": limit, "a": MARK_START, "b": MARK_END},
        ).all()
        return [(int(r[0]), str(r[1] or "")) for r in rows]
    # PostgreSQL has no index that is both full-text and in id order, and one plan fits no
    # word: walking the primary key newest first and testing each document is instant for a
    # common word and reads every document of the store for a rare one (28 s at 1M reports,
    # bench/scale.py); the GIN index is instant for a rare word and visits every match of a
    # common one. So: first test only the newest RECENT_SCAN documents (bounded work); a word
    # that fills the page there is common and done. Otherwise its matches are few (under
    # limit / RECENT_SCAN of the documents): the GIN index finds them all and the newest are
    # kept. `report_id + 0` keeps the planner off the primary-key walk for that second query.
    params = {"q": query[:MAX_QUERY_CHARS], "before": bound, "n": limit, "scan": RECENT_SCAN}
    rows = session.execute(
        text(
            "SELECT report_id FROM (SELECT report_id, doc FROM search_reports WHERE report_id < :before "
            "ORDER BY report_id DESC LIMIT :scan) AS recent WHERE doc @@ websearch_to_tsquery('simple', :q) "
            "ORDER BY report_id DESC LIMIT :n"
        ),
        params,
    ).all()
    if len(rows) < limit:
        rows = session.execute(
            text(
                "SELECT report_id FROM search_reports WHERE doc @@ websearch_to_tsquery('simple', :q) "
                "AND report_id < :before ORDER BY report_id + 0 DESC LIMIT :n"
            ),
            params,
        ).all()
    return [(int(r[0]), "") for r in rows]


def _campaign_ids(session: Session, query: str, limit: int) -> list[int]:
    if _dialect(session) == "sqlite":
        match = fts5_query(query)
        if not match:
            return []
        sql = "SELECT rowid FROM search_campaigns WHERE search_campaigns MATCH :q ORDER BY rowid DESC LIMIT :n"
        return [int(r[0]) for r in session.execute(text(sql), {"q": match, "n": limit})]
    sql = (
        "SELECT campaign_id FROM search_campaigns WHERE doc @@ websearch_to_tsquery('simple', :q) "
        "ORDER BY campaign_id DESC LIMIT :n"
    )
    return [int(r[0]) for r in session.execute(text(sql), {"q": query[:MAX_QUERY_CHARS], "n": limit})]


def search(
    session: Session, query: str, before: int | None = None, limit: int = 50, with_extras: bool = True
) -> SearchResult:
    """Reports matching every term, newest first, `limit` per page; on the first
    page also the campaigns whose title or notes match and any indicator whose
    value is exactly the query. At most five queries, whatever the store's size."""
    # Control characters are no search terms, and a NUL ends FTS5's string ("unterminated string").
    query = _CONTROL.sub(" ", query).strip()[:MAX_QUERY_CHARS]
    result = SearchResult(query=query)
    if not terms(query):
        return result
    found = _report_ids(session, query, before, limit + 1)
    if len(found) > limit:
        found = found[:limit]
        result.next_before = found[-1][0]
    snippets = dict(found)
    if found:
        rows = session.execute(
            select(
                Report.id,
                Report.subject,
                Report.created_at,
                Report.approach_type,
                Report.risk,
                Report.status,
                Report.verdict,
                Report.campaign_id,
            )
            .where(Report.id.in_(bindparam("ids", expanding=True)))
            .order_by(Report.id.desc()),
            {"ids": list(snippets)},
        ).all()
        result.reports = [ReportHit(*row, snippet=snippets.get(row[0], "")) for row in rows]
    if with_extras and before is None:
        ids = _campaign_ids(session, query, 20)
        if ids:
            result.campaigns = [
                CampaignHit(*row)
                for row in session.execute(
                    select(Campaign.id, Campaign.title, Campaign.status, Campaign.verdict, Campaign.member_count)
                    .where(Campaign.id.in_(ids))
                    .order_by(Campaign.id.desc())
                )
            ]
        # (type, value) is the unique index: naming every type turns an exact
        # value lookup into a handful of index probes instead of a scan.
        result.indicators = [
            IndicatorHit(*row)
            for row in session.execute(
                select(Indicator.id, Indicator.type, Indicator.value, Indicator.report_count)
                .where(Indicator.type.in_(INDICATOR_TYPES), Indicator.value.in_({query, query.lower()}))
                .limit(10)
            )
        ]
    return result


def for_viewer(session: Session, result: SearchResult, internal_domains: tuple[str, ...]) -> SearchResult:
    """The hits as a viewer may see them: subjects and snippets without the targeted people.

    A viewer triages by what a lure says, not by whom it was sent to: the
    recipients' names, addresses, local parts and our own domains (known from
    each report's analysis, plus the configured internal domains) are replaced
    by the bulletin redaction's markers, and the query's terms marked again.
    """
    from watchword.security.redaction import RedactionContext, redact

    ids = [hit.id for hit in result.reports]
    analyses: dict[int, dict[str, Any]] = {}
    if ids:
        analyses = {
            int(rid): res
            for rid, res in session.execute(
                select(AnalysisRecord.report_id, AnalysisRecord.result).where(AnalysisRecord.report_id.in_(ids))
            )
        }
    words = [w for w in terms(result.query) if len(w) >= 2]
    hits = []
    for hit in result.reports:
        ctx = RedactionContext.from_analyses([analyses.get(hit.id) or {}], internal_domains)
        plain = hit.snippet.replace(MARK_START, "").replace(MARK_END, "")
        hits.append(
            ReportHit(
                **{
                    **{f: getattr(hit, f) for f in ReportHit.__dataclass_fields__},
                    "subject": redact(hit.subject, ctx).text,
                    "snippet": _mark(redact(plain, ctx).text, words) if plain else "",
                }
            )
        )
    result.reports = hits
    return result


def _mark(text_: str, words: list[str]) -> str:
    if not words:
        return text_
    pattern = re.compile("|".join(re.escape(w.strip('"')) for w in words if w.strip('"')), re.IGNORECASE)
    return pattern.sub(lambda m: f"{MARK_START}{m.group()}{MARK_END}", text_)


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split a snippet into (text, highlighted) parts for the template to escape."""
    parts: list[tuple[str, bool]] = []
    for i, chunk in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        if chunk:
            parts.append((chunk, i % 2 == 1))
    return parts


def stats(session: Session) -> dict[str, Any]:
    """Sizes for the bench and the operator (not for pages: it counts rows)."""
    table = "search_reports"
    return {"indexed_reports": session.scalar(text(f"SELECT count(*) FROM {table}"))}  # noqa: S608
