"""The report page: the message made safe to read, its facts, and triage.

Viewing a report writes nothing. Revealing reporter contact details, reading
the reporter thread and downloading the raw message are separate, deliberate
requests, each audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from watchword import errors
from watchword.security.sealing import COMMENT, key_of, unseal_text
from watchword.services import queue as queue_service
from watchword.services.render import message_view
from watchword.store import audit
from watchword.store.models import AnalysisRecord, Campaign, Indicator, Report, ReportIndicator
from watchword.store.models_people import Note
from watchword.web.console import campaign_ops
from watchword.web.console.auth import Analyst, AnalystReader, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()


def _thread_count(session: Session, report_id: int) -> int | None:
    """How many reporter-thread messages there are (None while that area is absent)."""
    try:
        from watchword.store.models_reporter import ThreadMessage
    except ImportError:  # pragma: no cover - the reporter area is optional for the console
        return None
    return (
        session.scalar(select(func.count()).select_from(ThreadMessage).where(ThreadMessage.report_id == report_id)) or 0
    )


def _unsealed_comment(session: Session, result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reporter's forwarding comment is sealed at rest; the page shows it."""
    wrapper = (result or {}).get("wrapper") or {}
    if not result or not wrapper.get("reporter_comment_sealed"):
        return result
    comment = unseal_text(key_of(session), str(wrapper["reporter_comment_sealed"]), COMMENT)
    shown = {k: v for k, v in wrapper.items() if k != "reporter_comment_sealed"}
    return {**result, "wrapper": {**shown, "reporter_comment": comment}}


def load_report(session: Session, report_id: int) -> dict[str, Any]:
    """Everything the report page shows, in four queries whatever the report."""
    row = session.execute(
        select(
            Report,
            AnalysisRecord.result,
            Campaign.title,
            Campaign.status,
            Campaign.verdict,
            Campaign.member_count,
            Campaign.verdict_note,
        )
        .outerjoin(AnalysisRecord, AnalysisRecord.report_id == Report.id)
        .outerjoin(Campaign, Campaign.id == Report.campaign_id)
        .where(Report.id == report_id)
    ).first()
    if row is None:
        raise errors.NotFound("No such report.")
    report, result, c_title, c_status, c_verdict, c_count, c_note = row
    result = _unsealed_comment(session, result)
    indicators = session.execute(
        select(Indicator.id, Indicator.type, Indicator.value, Indicator.report_count)
        .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
        .where(ReportIndicator.report_id == report_id)
        .order_by(Indicator.type, Indicator.value)
        .limit(500)
    ).all()
    notes = session.scalars(
        select(Note).where(Note.object_type == "report", Note.object_id == report_id).order_by(Note.id)
    ).all()
    campaign = None
    if report.campaign_id is not None:
        campaign = {
            "id": report.campaign_id,
            "title": c_title,
            "status": c_status,
            "verdict": c_verdict,
            "report_count": c_count,
            "verdict_note": c_note or "",
        }
    return {
        "report": report,
        "message": message_view(result, report.subject),
        "indicators": indicators,
        "notes": notes,
        "campaign": campaign,
        "has_raw": report.raw_sha256 is not None,
        "has_contact": report.contact_sealed is not None,
        "thread_count": _thread_count(session, report_id),
        "submission_count": report.sightings,
        "verdict": report.verdict or c_verdict,
    }


@router.get("/reports/{report_id:id}")
def report_page(request: Request, rt: Rt, me: Reader, report_id: int) -> Response:
    with rt.db.session() as session:
        data = load_report(session, report_id)
    return page(request, "report.html", me, verdicts=queue_service.VERDICTS, **data)


@router.post("/reports/{report_id:id}/verdict")
def report_verdict(
    request: Request,
    rt: Rt,
    me: Analyst,
    report_id: int,
    verdict: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    with rt.db.write() as session:
        queue_service.set_report_verdict(session, report_id, verdict, note, me.username)
    return see_other(flash_url(f"/console/reports/{report_id}", "verdict"))


@router.post("/reports/{report_id:id}/note")
def report_note(rt: Rt, me: Analyst, report_id: int, body: Annotated[str, Form()] = "") -> Response:
    with rt.db.write() as session:
        queue_service.add_note(session, "report", report_id, body, me.username)
    return see_other(flash_url(f"/console/reports/{report_id}", "note"))


@router.post("/reports/{report_id:id}/split")
def report_split(rt: Rt, me: Analyst, report_id: int) -> Response:
    with rt.db.write() as session:
        new_id = campaign_ops.split(session, report_id, me.username)
    return see_other(flash_url(f"/console/campaigns/{new_id}", "split"))


@router.post("/reports/{report_id:id}/contact")
def report_contact(request: Request, rt: Rt, me: Analyst, report_id: int) -> Response:
    """Reporter contact details: analysts and admins only, one audit event per view."""
    from watchword.services.followup import reveal_contact

    with rt.db.write() as session:
        if session.get(Report, report_id) is None:
            raise errors.NotFound("No such report.")
        contacts = reveal_contact(session, rt.contact_key, report_id, me.username)
    return page(request, "contact.html", me, report_id=report_id, contacts=contacts)


@router.get("/reports/{report_id:id}/thread")
def report_thread(request: Request, rt: Rt, me: AnalystReader, report_id: int) -> Response:
    """The analyst side of the reporter threads, one per person; reading them is audited (reporters' words)."""
    from watchword.services.followup import threads_by_person

    with rt.db.write() as session:
        if session.get(Report, report_id) is None:
            raise errors.NotFound("No such report.")
        threads = threads_by_person(session, report_id, actor=me.username)
    return page(request, "thread.html", me, report_id=report_id, threads=threads)


@router.get("/reports/{report_id:id}/submissions")
def report_submissions(request: Request, rt: Rt, me: AnalystReader, report_id: int) -> Response:
    """What each reporter of this report wrote (the first and every sighting); reading it is audited."""
    from watchword.services.followup import list_submissions

    with rt.db.write() as session:
        if session.get(Report, report_id) is None:
            raise errors.NotFound("No such report.")
        entries = list_submissions(session, report_id, actor=me.username)
    from watchword.web.reporter.forms import labelled_answers

    for entry in entries:  # the questions beside the answers, in the words the reporter saw
        entry.questions = labelled_answers(entry.answers)
    return page(request, "submissions.html", me, report_id=report_id, submissions=entries)


@router.post("/reports/{report_id:id}/thread")
def report_thread_post(
    request: Request,
    rt: Rt,
    me: Analyst,
    report_id: int,
    body: Annotated[str, Form()] = "",
    to: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """A message to one reporter (`to`), never to all: each person's thread is their own."""
    from watchword.services.followup import post_analyst_message

    with rt.db.write() as session:
        post_analyst_message(session, report_id, me.username, body, to=to)
    return see_other(flash_url(f"/console/reports/{report_id}/thread", "message"))


@router.get("/reports/{report_id:id}/raw")
def raw_warning(request: Request, rt: Rt, me: AnalystReader, report_id: int) -> Response:
    with rt.db.session() as session:
        row = session.execute(select(Report.raw_sha256, Report.subject).where(Report.id == report_id)).first()
    if row is None or row.raw_sha256 is None:
        raise errors.NotFound("This report has no raw message.")
    return page(request, "raw_warning.html", me, report_id=report_id, sha256=row.raw_sha256)


@router.post("/reports/{report_id:id}/raw")
def raw_download(rt: Rt, me: Analyst, report_id: int) -> Response:
    """The original bytes as a download, never displayed: it may carry live links,
    tracking pixels and malware, and the reporter's own forwarding details."""
    with rt.db.write() as session:
        sha = session.scalar(select(Report.raw_sha256).where(Report.id == report_id))
        if sha is None:
            raise errors.NotFound("This report has no raw message.")
        audit.record(session, me.username, "report.raw_download", "report", report_id, {"sha256": sha})
    data = rt.blobs.get(sha)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            # ".eml.txt" would invite opening it; a neutral extension and an
            # attachment disposition make the browser save, not render.
            "Content-Disposition": f'attachment; filename="watchword-report-{report_id}.eml.bin"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Download-Options": "noopen",
        },
    )
