"""Reporters' pictures on the console: re-encoded without metadata, bounded, served so nothing can run;
any file downloadable only after a warning, as an audited octet-stream attachment."""

from __future__ import annotations

import base64
import io
import random
import re
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.support.console import add_user, analyse_all, console_client, csrf_of, report_email, sign_in
from tests.support.reporter import fast_settings, report
from watchword.runtime import Runtime, open_runtime
from watchword.services import images
from watchword.store.models import AuditEvent, Blob, Report
from watchword.store.models_reporter import ReporterFile
from watchword.web.app import create_app

GPS_MARK = "Latitude-of-the-reporters-home"


def _photo(width: int = 1200, height: int = 800, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: EXIF with an orientation, a device and a GPS-like note."""
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((20, 20, 220), (0, 0, width // 4, height))  # a blue band on the left, to check the rotation
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "ReporterPhone Inc."  # Make
    exif[0x9286] = GPS_MARK  # UserComment (a stand-in for GPS: any tag must go)
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims a huge picture: a decompression bomb's first bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    )  # fmt: skip


def test_reencoding_drops_every_tag_applies_the_orientation_and_caps_the_size() -> None:
    original = _photo(orientation=6)  # 6: the camera was turned; shown rotated 90 degrees
    assert GPS_MARK.encode() in original and b"ReporterPhone" in original
    shown = images.reencode(original, images.THUMB_SIDE)
    assert GPS_MARK.encode() not in shown.data and b"ReporterPhone" not in shown.data
    again = Image.open(io.BytesIO(shown.data))
    assert (
        again.format == "PNG" and not again.getexif() and "exif" not in again.info and "icc_profile" not in again.info
    )
    # 1200 x 800 turned upright is 800 x 1200, then fitted into 320 a side.
    assert (shown.width, shown.height) == again.size == (213, 320)
    # The blue band, on the left as taken, is at the top once the orientation is applied.
    assert again.convert("RGB").getpixel((106, 5))[2] > 150 and again.convert("RGB").getpixel((106, 300))[0] > 150
    full = images.reencode(_photo(4000, 3000), images.FULL_SIDE)
    assert max(full.width, full.height) == images.FULL_SIDE and len(full.data) <= images.MAX_BYTES


def test_noisy_pictures_fall_back_to_jpeg_within_the_byte_cap() -> None:
    rng = random.Random(7)
    # Incompressible: no PNG of it fits the cap. randbytes makes the same kind of seeded noise as a byte-by-byte
    # generator, without 9.7 million Python-level calls (0.97 s of CPU -> 0.05 s).
    noise = Image.frombytes("RGB", (1800, 1800), rng.randbytes(1800 * 1800 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    shown = images.reencode(out.getvalue(), images.FULL_SIDE)
    assert shown.media_type == "image/jpeg" and len(shown.data) <= images.MAX_BYTES


@pytest.mark.parametrize(
    "data",
    [
        _png_claiming(100_000, 100_000),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        b"%PDF-1.4 not a picture",
        b"",
    ],
    ids=["bomb-header", "svg", "html-polyglot", "pdf", "empty"],
)
def test_what_is_not_a_safe_picture_is_refused_fast(data: bytes) -> None:
    # CPU time, not wall: decoding the bomb's 10^10 pixels would take minutes of CPU, while the wall
    # clock of a refusal that takes milliseconds may pass 1 s on a loaded machine, the process waiting.
    started = time.process_time()
    with pytest.raises(images.NotAnImage):
        images.reencode(data, images.THUMB_SIDE)
    assert time.process_time() - started < 1.0


@pytest.fixture
def frt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime:
        yield runtime


def _analyst(rt: Runtime) -> TestClient:
    add_user(rt, "ana")
    client = console_client(rt)
    assert sign_in(client, "ana").status_code == 303
    return client


def _audited(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_uploaded_photo_is_seen_in_the_console_and_the_original_only_as_a_warned_download(frt: Runtime) -> None:
    photo, fake = _photo(), b"<html><script>alert(1)</script></html>"
    with TestClient(create_app(frt)) as web:
        sent = report(
            web,
            "in_person",
            {"wants": "gift", "text": "He showed me this on his phone."},
            files=[("files", ("IMG_0042.jpg", photo, "image/jpeg")), ("files", ("shot.png", fake, "image/png"))],
        )
        assert sent.status_code == 201
    with frt.db.session() as session:
        report_id = session.scalars(select(Report.id)).one()
    analyst = _analyst(frt)
    listing = analyst.get(f"/console/reports/{report_id}/submissions").text
    thumbs = re.findall(r'<img class="thumb" src="([^"]+)"', listing)
    assert len(thumbs) == 2 and "IMG_0042.jpg" in listing
    thumb = analyst.get(thumbs[0])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    assert thumb.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in thumb.headers["content-security-policy"]
    assert "default-src 'none'" in thumb.headers["content-security-policy"]
    assert GPS_MARK.encode() not in thumb.content and Image.open(io.BytesIO(thumb.content)).size == (320, 213)
    # The HTML that claimed to be a PNG is never served as anything a browser would run.
    refused = analyst.get(thumbs[1])
    assert refused.status_code == 400 and "<script>alert(1)" not in refused.text
    full = analyst.get(thumbs[0].replace("/thumb", "/image"))
    assert full.status_code == 200 and Image.open(io.BytesIO(full.content)).size == (1200, 800)
    assert len(_audited(frt, "reporter_file.viewed")) == 1
    # Signed out, nothing: the pictures are for the console only.
    assert console_client(frt).get(thumbs[0]).status_code in (303, 401)
    # The original: a warning page first, then an attachment of no particular type, audited.
    warning_url = re.findall(r'href="(/console/reports/\d+/files/\d+/download)"', listing)[0]
    warning = analyst.get(warning_url)
    assert "exactly as the reporter sent it" in warning.text and "recorded in the audit log" in warning.text
    assert analyst.get(warning_url.replace("/download", "/download-nope")).status_code == 404
    original = analyst.post(warning_url, data={"csrf": csrf_of(warning.text)})
    assert original.status_code == 200 and original.content == photo
    assert original.headers["content-type"] == "application/octet-stream"
    assert original.headers["content-disposition"].startswith("attachment;")
    assert original.headers["x-content-type-options"] == "nosniff"
    assert len(_audited(frt, "reporter_file.download")) == 1


def test_a_file_of_another_report_is_not_served_under_this_one(frt: Runtime) -> None:
    with TestClient(create_app(frt)) as web:
        report(web, "other", {"text": "first"}, files=[("files", ("a.jpg", _photo(), "image/jpeg"))])
        report(web, "other", {"text": "second, a different report"})
    with frt.db.session() as session:
        first, second = session.scalars(select(Report.id).order_by(Report.id)).all()
    analyst = _analyst(frt)
    file_id = re.findall(r"/files/(\d+)/thumb", analyst.get(f"/console/reports/{first}/submissions").text)[0]
    assert analyst.get(f"/console/reports/{first}/files/{file_id}/thumb").status_code == 200
    assert analyst.get(f"/console/reports/{second}/files/{file_id}/thumb").status_code == 404


def test_the_same_picture_sent_with_two_reports_is_one_blob_kept_by_both(frt: Runtime) -> None:
    photo = _photo()
    with TestClient(create_app(frt)) as web:
        report(
            web, "other", {"text": "a man photographed our gate"}, files=[("files", ("gate.jpg", photo, "image/jpeg"))]
        )
        report(web, "other", {"text": "the same man, next day"}, files=[("files", ("again.jpg", photo, "image/jpeg"))])
    with frt.db.session() as session:
        files = session.execute(select(ReporterFile.report_id, ReporterFile.sha256)).all()
        blobs = set(session.scalars(select(Blob.sha256)))
    assert len({report_id for report_id, _ in files}) == 2  # each report keeps its file
    assert len({sha for _, sha in files}) == 1 and {sha for _, sha in files} <= blobs  # stored once


def _hostile_email() -> tuple[bytes, bytes]:
    boundary = "b0undary"
    html = (
        "<html><head><style>body{background:url(https://track.evil-example.com/s.gif)}</style></head><body>"
        '<p style="color:red" onclick="steal()">Your mailbox is full. '
        '<a href="https://login.micros0ft-verify.com/owa">Verify at portal.corp.com</a></p>'
        '<img src="https://track.evil-example.com/p.gif?u=42"><script>alert(1)</script>'
        "<table><tr><td>Invoice 4471</td></tr></table></body></html>"
    )
    payload = b"MZ\x90\x00this is not really a program"
    return (
        "From: IT <it@micros0ft-verify.com>\r\nTo: staff@corp.example\r\nSubject: Mailbox full\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        f"--{boundary}\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="invoice.pdf.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{base64.b64encode(payload).decode()}\r\n--{boundary}--\r\n"
    ).encode(), payload


def test_the_reported_email_has_an_inert_formatted_view_and_attachments_only_as_warned_downloads(
    frt: Runtime,
) -> None:
    raw, payload = _hostile_email()
    report_id = report_email(frt, raw)
    analyse_all(frt)
    analyst = _analyst(frt)
    page = analyst.get(f"/console/reports/{report_id}").text
    assert f"/console/reports/{report_id}/formatted" in page
    formatted = analyst.get(f"/console/reports/{report_id}/formatted")
    assert formatted.status_code == 200
    body = formatted.text.split('class="panel email-formatted">', 1)[1].split("</div>\n", 1)[0]
    assert "Your mailbox is full." in body and "<td>Invoice 4471</td>" in body
    assert "portal[.]corp[.]com" in body  # the link's words stay, defanged; the link itself is gone
    for gone in ("<a", "href", "<img", "src=", "onclick", "style", "<script", "alert(1)", "track.evil", "micros0ft"):
        assert gone not in body, gone
    link = re.search(rf'href="(/console/reports/{report_id}/attachments/0/download)"', page)
    assert link, "each attachment has a download link"
    warning = analyst.get(link.group(1))
    assert "exactly as the sender attached it" in warning.text and "invoice.pdf.exe" in warning.text
    download = analyst.post(link.group(1), data={"csrf": csrf_of(warning.text)})
    assert download.status_code == 200 and download.content == payload
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="watchword-report-{report_id}-attachment-0.bin"'
    )
    assert len(_audited(frt, "report.attachment_download")) == 1
    assert analyst.get(f"/console/reports/{report_id}/attachments/1/download").status_code == 404
