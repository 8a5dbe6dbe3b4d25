"""Reporters' files and the reported email's attachments and formatting, shown safely on the console.

Reporters' pictures are shown re-encoded, everything else only as a warned download.

The uploaded bytes are never served as what they claim to be. A picture is
shown as a new image made from its pixels (`services/images.py`), with a
policy that lets it run nothing and a type the browser may not second-guess.
Any file, picture or not, can also be downloaded as it arrived, but only
after a warning, as `application/octet-stream` and an attachment, and each
download is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from watchword import errors
from watchword.runtime import Runtime
from watchword.services import email_view, images, queries
from watchword.store import audit
from watchword.store.models_reporter import ReporterFile
from watchword.web.console.auth import Analyst, AnalystReader, Reader, Rt
from watchword.web.console.common import page

router = APIRouter()

# For the image responses: nothing in them may run, load or be framed, whatever a browser thinks they are.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


def _file(rt: Runtime, report_id: int, file_id: int) -> ReporterFile:
    with rt.db.session() as session:
        return queries.reporter_file(session, report_id, file_id)


def _image(rt: Runtime, report_id: int, file_id: int, side: int) -> images.SafeImage:
    stored = _file(rt, report_id, file_id)
    return images.reencode(rt.blobs.get(stored.sha256), side)


def _image_response(shown: images.SafeImage, report_id: int, file_id: int) -> Response:
    extension = "png" if shown.media_type == "image/png" else "jpg"
    return Response(
        shown.data,
        media_type=shown.media_type,
        headers={
            "Content-Security-Policy": IMAGE_CSP,
            "X-Content-Type-Options": "nosniff",
            # Our own name, not the reporter's: a file name is reporter input too.
            "Content-Disposition": f'inline; filename="report-{report_id}-file-{file_id}.{extension}"',
        },
    )


@router.get("/reports/{report_id:id}/files/{file_id:id}/thumb")
async def file_thumbnail(rt: Rt, me: AnalystReader, report_id: int, file_id: int) -> Response:
    """A small re-encoded picture for the report and submissions pages (their views are the audited reads)."""
    shown = await run_in_threadpool(_image, rt, report_id, file_id, images.THUMB_SIDE)
    return _image_response(shown, report_id, file_id)


@router.get("/reports/{report_id:id}/files/{file_id:id}/image")
async def file_image(rt: Rt, me: AnalystReader, report_id: int, file_id: int) -> Response:
    """The picture at up to full view size, re-encoded; each full view is audited."""
    shown = await run_in_threadpool(_image, rt, report_id, file_id, images.FULL_SIDE)
    with rt.db.write() as session:
        audit.record(session, me.username, "reporter_file.viewed", "report", report_id, {"file_id": file_id})
    return _image_response(shown, report_id, file_id)


@router.get("/reports/{report_id:id}/files/{file_id:id}/download")
def file_download_warning(request: Request, rt: Rt, me: AnalystReader, report_id: int, file_id: int) -> Response:
    stored = _file(rt, report_id, file_id)
    return page(request, "file_warning.html", me, report_id=report_id, file=stored)


@router.post("/reports/{report_id:id}/files/{file_id:id}/download")
def file_download(rt: Rt, me: Analyst, report_id: int, file_id: int) -> Response:
    """The file exactly as the reporter sent it, to be saved, never displayed; audited."""
    stored = _file(rt, report_id, file_id)
    with rt.db.write() as session:
        audit.record(
            session,
            me.username,
            "reporter_file.download",
            "report",
            report_id,
            {"file_id": file_id, "sha256": stored.sha256},
        )
    return _download(rt.blobs.get(stored.sha256), f"watchword-report-{report_id}-file-{file_id}.bin")


def _download(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            # Our own neutral name: the file's own name may carry a double extension or a path.
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "X-Download-Options": "noopen",
        },
    )


# -- the reported email: its formatted view, its attachments ------------------------------


def _raw_of(rt: Runtime, report_id: int) -> tuple[bytes, dict[str, Any]]:
    with rt.db.session() as session:
        found = queries.reported_email(session, report_id)
    if found is None or found[0] is None:
        raise errors.NotFound("This report has no reported email.")
    return rt.blobs.get(found[0]), found[1]


@router.get("/reports/{report_id:id}/formatted")
async def email_formatted(request: Request, rt: Rt, me: Reader, report_id: int) -> Response:
    """The email's HTML as inert markup: nothing in it links, loads or runs (services/email_view.py)."""
    raw, _ = _raw_of(rt, report_id)
    shown = await run_in_threadpool(email_view.safe_html, raw)
    # Markup: nh3's output with an allow-list of plain tags and no attribute at all (email_view.KEPT_TAGS).
    markup = Markup(shown) if shown else None  # noqa: S704
    return page(request, "email_formatted.html", me, report_id=report_id, markup=markup)


def _attachment(rt: Runtime, report_id: int, index: int) -> tuple[dict[str, Any], bytes]:
    raw, result = _raw_of(rt, report_id)
    listed = (result.get("attachments") or [])[index : index + 1]
    if not listed:
        raise errors.NotFound("No such attachment on this report.")
    found = email_view.attachment_bytes(raw, index, str(listed[0].get("sha256", "")))
    if found is None:
        raise errors.NotFound("That attachment cannot be found in the stored message.")
    return listed[0], found[1]


@router.get("/reports/{report_id:id}/attachments/{index:id}/download")
def attachment_warning(request: Request, rt: Rt, me: AnalystReader, report_id: int, index: int) -> Response:
    listed, _ = _attachment(rt, report_id, index)
    return page(
        request,
        "attachment_warning.html",
        me,
        report_id=report_id,
        index=index,
        attachment=listed,
    )


@router.post("/reports/{report_id:id}/attachments/{index:id}/download")
def attachment_download(rt: Rt, me: Analyst, report_id: int, index: int) -> Response:
    """The attachment's bytes as they were in the email, to be saved in an isolated place, never opened; audited."""
    listed, data = _attachment(rt, report_id, index)
    with rt.db.write() as session:
        detail = {"index": index, "sha256": str(listed.get("sha256", ""))}
        audit.record(session, me.username, "report.attachment_download", "report", report_id, detail)
    return _download(data, f"watchword-report-{report_id}-attachment-{index}.bin")
