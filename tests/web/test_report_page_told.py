"""Issue 15, findings 1 and 3 on the report page itself: the reporter's answers beside their questions and
their pictures as re-encoded thumbnails, shown to analysts through the audited read the submissions page
uses; viewers see neither, and a report with nothing of the reporter's to unseal writes no audit event."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.support.console import add_user, analyse_all, console_client, email, report_email, sign_in
from tests.support.reporter import fast_settings, report, text_of
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import AuditEvent, Report
from watchword.web.app import create_app

EXIF_MARK = "Reporters-home-latitude"
IN_PERSON = {
    "where": "at the trade fair in Munich",
    "when": "Tuesday evening around 9 pm",
    "wants": "info",
    "did": "nothing",
    "text": "A man asked me which colleagues have access to the lab.",
}


def _photo() -> bytes:
    picture = Image.new("RGB", (900, 600), (30, 140, 60))
    exif = Image.Exif()
    exif[0x9286] = EXIF_MARK  # UserComment: any tag must be gone from what the console serves
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def trt(tmp_path: Path) -> Iterator[Runtime]:
    with open_runtime(fast_settings(tmp_path), migrate=True) as runtime:
        yield runtime


def _client(rt: Runtime, name: str, role: str) -> TestClient:
    add_user(rt, name, role)
    client = console_client(rt)
    assert sign_in(client, name).status_code == 303
    return client


def _reads(rt: Runtime) -> list[AuditEvent]:
    with rt.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "submissions.viewed")))


def _send(rt: Runtime, fields: dict[str, str], photo: bytes, language: str = "en") -> int:
    with TestClient(create_app(rt)) as web:
        web.get(f"/?lang={language}")  # the switcher's link: remembered in a cookie for the form
        assert ("Where did it happen?" in web.get("/report/in_person").text) == (language == "en")
        sent = report(web, "in_person", fields, files=[("files", ("IMG_0042.jpg", photo, "image/jpeg"))])
        assert sent.status_code == 201, sent.text[:300]
    analyse_all(rt)
    with rt.db.session() as session:
        return session.scalars(select(Report.id)).one()


def test_an_analyst_sees_each_question_beside_its_answer_and_the_photo_as_a_thumbnail(trt: Runtime) -> None:
    photo = _photo()
    report_id = _send(trt, IN_PERSON, photo)
    analyst = _client(trt, "ana", "analyst")
    html = analyst.get(f"/console/reports/{report_id}").text
    told = html.split('id="told"', 1)[1].split("</section>", 1)[0]
    pairs = [
        (text_of(q), text_of(a))
        for q, a in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", told, flags=re.S)  # question, then its answer
    ]
    assert pairs == [
        ("Where did it happen?", "at the trade fair in Munich"),
        ("When?", "Tuesday evening around 9 pm"),
        ("What did they ask for or offer?", "Questions about my work, colleagues or plans"),
        ("Did you give them anything or agree to anything?", "No"),
    ]
    # The message box holds the reporter's words once, and no answer without its question.
    message = text_of(html.split('class="panel message"', 1)[1].split("</section>", 1)[0])
    assert "which colleagues have access to the lab" in message
    assert "Tuesday evening" not in message and "IMG_0042.jpg" not in message
    # The picture: a thumbnail that links to the full view, both re-encoded without the phone's metadata.
    link = re.search(r'<a href="(/console/reports/\d+/files/\d+/image)"[^>]*><img class="thumb" src="([^"]+)"', told)
    assert link, told
    full_url, thumb_url = link.groups()
    assert thumb_url == full_url.replace("/image", "/thumb")
    thumb = analyst.get(thumb_url)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    assert EXIF_MARK.encode() not in thumb.content and max(Image.open(io.BytesIO(thumb.content)).size) == 320
    full = analyst.get(full_url)
    assert full.status_code == 200 and EXIF_MARK.encode() not in full.content
    assert Image.open(io.BytesIO(full.content)).size == (900, 600)
    # The original bytes only behind the warned, audited download; their hash is listed to compare.
    assert f"/console/reports/{report_id}/files/" in told and "/download" in told
    assert hashlib.sha256(photo).hexdigest() in told
    # The read is audited like the submissions page's: one event per view, saying where it was shown.
    reads = _reads(trt)
    assert [(e.actor, e.object_id, e.detail["via"], e.detail["files"]) for e in reads] == [
        ("ana", str(report_id), "report", 1)
    ]
    analyst.get(f"/console/reports/{report_id}")
    assert len(_reads(trt)) == 2


def test_the_questions_are_in_the_console_language_whatever_the_reporter_read(trt: Runtime) -> None:
    """A reporter on the French form answers the French questions; the analyst reads them in English."""
    report_id = _send(trt, {**IN_PERSON, "text": "Un homme m'a posé des questions sur le laboratoire."}, _photo(), "fr")
    analyst = _client(trt, "ana", "analyst")
    told = text_of(analyst.get(f"/console/reports/{report_id}").text.split('id="told"', 1)[1])
    assert "Did you give them anything or agree to anything? No" in told
    assert "Where did it happen? at the trade fair in Munich" in told


def test_a_viewer_sees_no_answers_or_pictures_and_causes_no_read(trt: Runtime) -> None:
    report_id = _send(trt, IN_PERSON, _photo())
    viewer = _client(trt, "vic", "viewer")
    html = viewer.get(f"/console/reports/{report_id}").text
    # The analysed text (words and answer values, as the analysis read them) is theirs to read; no more.
    assert 'id="told"' not in html and "/thumb" not in html and "/files/" not in html and "<dt>When?" not in html
    assert viewer.get(f"/console/reports/{report_id}/submissions").status_code == 403
    assert _reads(trt) == []


def test_a_report_with_nothing_of_the_reporters_to_show_writes_no_audit_event(trt: Runtime) -> None:
    """An emailed report without a comment: the page shows only the analysed message; viewing it writes nothing."""
    report_id = report_email(trt, email("Invoice overdue", "Pay at https://pay.fraud-example.com/now"))
    analyse_all(trt)
    analyst = _client(trt, "ana", "analyst")
    html = analyst.get(f"/console/reports/{report_id}").text
    assert 'id="told"' not in html and "Invoice overdue" in html
    assert _reads(trt) == []


def test_a_reported_emails_attachments_are_listed_with_type_hash_and_risk_and_only_analysts_get_the_download(
    trt: Runtime,
) -> None:
    """The report page lists each attachment's declared and sniffed type, SHA-256 and risk flags; the download
    link (a warning page, then an audited octet-stream) is offered only to those allowed to take it."""
    payload = b"MZ\x90\x00not really a program"
    raw = (
        "From: Billing <billing@evil-example.com>\r\nTo: staff@corp.example\r\nSubject: Invoice 4471\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the attached invoice.\r\n"
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="invoice.pdf.exe"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{base64.b64encode(payload).decode()}\r\n--b--\r\n"
    ).encode()
    report_id = report_email(trt, raw)
    analyse_all(trt)
    analyst = _client(trt, "ana", "analyst")
    html = analyst.get(f"/console/reports/{report_id}").text
    table = html.split("<h2>Attachments", 1)[1].split("</table>", 1)[0]
    row = text_of(table.split("<tbody>", 1)[1])
    assert "invoice.pdf.exe" in row and "application/pdf" in row and hashlib.sha256(payload).hexdigest() in row
    assert 'class="badge bad"' in table  # a risk flag (the double extension, the program inside)
    assert f'href="/console/reports/{report_id}/attachments/0/download"' in table
    viewer = _client(trt, "vic", "viewer")
    seen = viewer.get(f"/console/reports/{report_id}").text
    assert "invoice.pdf.exe" in seen and "/attachments/0/download" not in seen
    assert viewer.get(f"/console/reports/{report_id}/attachments/0/download").status_code == 403
