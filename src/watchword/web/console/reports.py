"""The report page: the message made safe to read, its facts, and triage.

Viewing a report writes nothing, except that the reporters' own answers and
pictures, unsealed for an analyst, are an audited read: the page writes the
same audit event as the submissions page before showing them. Revealing
reporter contact details, reading the reporter thread and downloading the raw
message are separate, deliberate requests, each audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from watchword.services import casework, decisions, followup, queries
from watchword.services import queue as queue_service
from watchword.store import audit
from watchword.web.console.auth import Analyst, AnalystReader, Reader, Rt
from watchword.web.console.common import flash_url, page, see_other

router = APIRouter()


# Submissions whose answers and pictures the report page shows; the rest are on the submissions page.
SHOWN_SUBMISSIONS = 10


@router.get("/reports/{report_id:id}")
def report_page(request: Request, rt: Rt, me: Reader, report_id: int) -> Response:
    with rt.db.session() as session:
        view = queries.report_view(session, report_id)
        analysts = casework.analysts(session) if me.can_write else []
        # Viewers see no reporter's words beyond the analysed text: the same rule as the submissions page.
        entries = followup.read_submissions(session, report_id, SHOWN_SUBMISSIONS) if me.can_see_contacts else []
    told = _told(entries, view.report.text)
    if told:
        # Committed before the page is sent: nothing unsealed is shown without its audit event.
        with rt.db.write() as session:
            followup.record_submissions_read(session, me.username, report_id, told, via="report")
    return page(
        request,
        "report.html",
        me,
        verdicts=queue_service.VERDICTS,
        analysts=analysts,
        case_states=queue_service.CASE_STATES,
        told=told,
        **queries.as_dict(view),
    )


def _told(entries: list[followup.SubmissionEntry], report_text: str) -> list[followup.SubmissionEntry]:
    """The submissions with something the page does not already show: answers, pictures, other words.

    Each gets its questions beside its answers (in the console's language; a
    choice as its label). The form's key is not an answer, and the "files"
    answer (names and sizes) is left out where the files themselves are listed.
    """
    from watchword.web.reporter.forms import labelled_answers

    told = []
    for entry in entries:
        answers = {k: v for k, v in entry.answers.items() if not (k == "files" and entry.files)}
        entry.questions = labelled_answers(answers) if set(answers) - {"form"} else []
        if entry.text.strip() == report_text.strip():
            entry.text = ""  # the page shows it already, as the report's own words
        if entry.questions or entry.files or entry.text.strip():
            told.append(entry)
    return told


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
        new_id = decisions.split(session, report_id, me.username).id
    return see_other(flash_url(f"/console/campaigns/{new_id}", "split"))


@router.post("/reports/{report_id:id}/contact")
def report_contact(request: Request, rt: Rt, me: Analyst, report_id: int) -> Response:
    """Reporter contact details: analysts and admins only, one audit event per view."""
    from watchword.services.followup import reveal_contact

    with rt.db.write() as session:
        queries.require_report(session, report_id)
        contacts = reveal_contact(session, rt.contact_key, report_id, me.username)
    return page(request, "contact.html", me, report_id=report_id, contacts=contacts)


@router.get("/reports/{report_id:id}/thread")
def report_thread(request: Request, rt: Rt, me: AnalystReader, report_id: int) -> Response:
    """The analyst side of the reporter threads, one per person; reading them is audited (reporters' words)."""
    from watchword.services.followup import threads_by_person

    with rt.db.write() as session:
        queries.require_report(session, report_id)
        threads = threads_by_person(session, report_id, actor=me.username)
    return page(request, "thread.html", me, report_id=report_id, threads=threads)


@router.get("/reports/{report_id:id}/submissions")
def report_submissions(request: Request, rt: Rt, me: AnalystReader, report_id: int) -> Response:
    """What each reporter of this report wrote (the first and every sighting); reading it is audited."""
    from watchword.services.followup import list_submissions

    with rt.db.write() as session:
        queries.require_report(session, report_id)
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
        sha = queries.raw_sha256(session, report_id)
    return page(request, "raw_warning.html", me, report_id=report_id, sha256=sha)


@router.post("/reports/{report_id:id}/raw")
def raw_download(rt: Rt, me: Analyst, report_id: int) -> Response:
    """The original bytes as a download, never displayed: it may carry live links,
    tracking pixels and malware, and the reporter's own forwarding details."""
    with rt.db.write() as session:
        sha = queries.raw_sha256(session, report_id)
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
