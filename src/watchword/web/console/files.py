"""Reporters' files on the console: pictures shown re-encoded, everything else only as a warned download.

The uploaded bytes are never served as what they claim to be. A picture is
shown as a new image made from its pixels (`services/images.py`), with a
policy that lets it run nothing and a type the browser may not second-guess.
Any file, picture or not, can also be downloaded as it arrived, but only
after a warning, as `application/octet-stream` and an attachment, and each
download is written to the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from watchword import errors
from watchword.runtime import Runtime
from watchword.services import images
from watchword.store import audit
from watchword.store.models_reporter import ReporterFile
from watchword.web.console.auth import Analyst, AnalystReader, Rt
from watchword.web.console.common import page

router = APIRouter()

# For the image responses: nothing in them may run, load or be framed, whatever a browser thinks they are.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


def _file(rt: Runtime, report_id: int, file_id: int) -> ReporterFile:
    with rt.db.session() as session:
        found = session.get(ReporterFile, file_id)
        if found is None or found.report_id != report_id:
            raise errors.NotFound("No such file on this report.")
        session.expunge(found)
    return found


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
    """A small re-encoded picture for the submissions page (that page's view is the audited one)."""
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
    return Response(
        rt.blobs.get(stored.sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="watchword-report-{report_id}-file-{file_id}.bin"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "X-Download-Options": "noopen",
        },
    )
