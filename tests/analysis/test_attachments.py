"""describe_attachments: types from magic bytes, risk flags from bytes and names, nothing opened."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

import pytest

from tests.support import mailbuilders as mb
from tests.support.cfb_writer import build_cfb
from watchword.analysis.attachments import describe, describe_attachments
from watchword.analysis.mime import parse_mime
from watchword.domain import Attachment, Document


def described(name: str, data: bytes, declared: str = "application/octet-stream") -> Attachment:
    att = Attachment(filename=name, declared_type=declared, sniffed_type="", size=0, sha256="")
    describe(att, data)
    return att


def make_zip(names: list[str], *, encrypted: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(name, b"content of " + name.encode())
    data = bytearray(buf.getvalue())
    if encrypted:
        # zipfile cannot write encrypted members; set the "encrypted" flag bit in
        # every local and central header, which is all the sniffer reads.
        for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            pos = data.find(sig)
            while pos >= 0:
                flags = struct.unpack_from("<H", data, pos + offset)[0]
                struct.pack_into("<H", data, pos + offset, flags | 1)
                pos = data.find(sig, pos + 4)
    return bytes(data)


def iso_image() -> bytes:
    return b"\x00" * 0x8001 + b"CD001" + b"\x00" * 2043


def fat_image() -> bytes:
    sector = bytearray(512)
    sector[0x36:0x3E] = b"FAT12   "
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + b"\x00" * 4096


CASES = [
    ("report.pdf", b"%PDF-1.7\n...", "pdf", set()),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "png", set()),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "exe", {"executable"}),
    ("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 9, "elf", {"executable"}),
    ("app", b"\xcf\xfa\xed\xfe" + b"\x00" * 12, "macho", {"executable"}),
    ("invoice.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 68, "lnk", {"executable", "shortcut"}),
    ("files.rar", b"Rar!\x1a\x07\x01\x00", "rar", {"archive"}),
    ("files.7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "7z", {"archive"}),
    ("files.gz", b"\x1f\x8b\x08\x00", "gzip", {"archive"}),
    ("scan.iso", iso_image(), "iso", {"disk_image"}),
    ("disk.vhd", b"conectix" + b"\x00" * 504, "vhd", {"disk_image"}),
    ("floppy.img", fat_image(), "img", {"disk_image"}),
    ("login.html", b"<!DOCTYPE html><html><form action='https://x.example'>", "html", {"html_attachment"}),
    ("page.htm", b"  <script>document.write(atob('...'))</script>", "html", {"html_attachment"}),
    ("run.js", b"var s = new ActiveXObject('WScript.Shell');", "script", {"script"}),
    ("run.vbs", b'Set o = CreateObject("WScript.Shell")', "script", {"script"}),
    ("run.ps1", b"IEX (New-Object Net.WebClient).DownloadString('x')", "script", {"script"}),
    ("app.hta", b"<html><hta:application id='x'><script>", "hta", {"script", "html_attachment"}),
    ("run.bat", b"@echo off\r\npowershell -enc ...", "script", {"script"}),
]


@pytest.mark.parametrize(("name", "data", "sniffed", "flags"), CASES, ids=[c[0] for c in CASES])
def test_sniffed_type_and_flags(name: str, data: bytes, sniffed: str, flags: set[str]) -> None:
    att = described(name, data)
    assert att.sniffed_type == sniffed
    assert flags <= set(att.risk_flags)
    assert att.size == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()


def test_ooxml_is_told_apart_by_its_member_names_and_macros_are_flagged() -> None:
    docx = make_zip(["[Content_Types].xml", "word/document.xml"])
    assert described("a.docx", docx).sniffed_type == "docx"
    assert described("a.docx", docx).risk_flags == []
    docm = make_zip(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])
    att = described("a.docx", docm)
    assert att.sniffed_type == "docx"
    assert "macro" in att.risk_flags
    assert described("b.xlsx", make_zip(["[Content_Types].xml", "xl/workbook.xml"])).sniffed_type == "xlsx"
    assert described("c.pptx", make_zip(["[Content_Types].xml", "ppt/presentation.xml"])).sniffed_type == "pptx"
    assert "macro" in described("book.xlsm", b"anything").risk_flags  # by name alone


def test_archives_encrypted_and_with_executables_are_flagged() -> None:
    plain = described("docs.zip", make_zip(["a.txt"]))
    assert plain.sniffed_type == "zip"
    assert plain.risk_flags == ["archive"]
    enc = described("docs.zip", make_zip(["a.txt"], encrypted=True))
    assert "encrypted_archive" in enc.risk_flags
    exe = described("docs.zip", make_zip(["invoice.pdf.exe"]))
    assert "archive_contains_executable" in exe.risk_flags


def test_ole_documents_show_macros_from_the_directory_names() -> None:
    doc = build_cfb({"WordDocument": b"\x00" * 600, "1Table": b"\x00" * 100})
    assert described("a.doc", doc).sniffed_type == "doc"
    assert "macro" not in described("a.doc", doc).risk_flags
    macro_doc = build_cfb({"WordDocument": b"\x00" * 600, "Macros/VBA/dir": b"\x01" * 50, "Macros/PROJECT": b"x"})
    assert "macro" in described("a.doc", macro_doc).risk_flags
    xls = build_cfb({"Workbook": b"\x00" * 600, "_VBA_PROJECT_CUR/VBA/dir": b"\x01"})
    att = described("b.xls", xls)
    assert att.sniffed_type == "xls"
    assert "macro" in att.risk_flags


def test_double_extension_rtl_override_and_mismatches() -> None:
    att = described("invoice.pdf.exe", b"MZ" + b"\x00" * 62, declared="application/pdf")
    assert {"executable", "double_extension", "type_mismatch"} <= set(att.risk_flags)
    rtl = described("invoice\u202efdp.exe", b"MZ" + b"\x00" * 62)
    assert "rtl_override" in rtl.risk_flags
    renamed = described("report.pdf", b"MZ" + b"\x00" * 62)
    assert "extension_mismatch" in renamed.risk_flags
    honest = described("report.pdf", b"%PDF-1.4", declared="application/pdf")
    assert honest.risk_flags == []


def test_attachments_of_a_real_message_are_described_end_to_end() -> None:
    body = mb.multipart(
        "mixed",
        [
            mb.part("text/plain", "Please see the attached invoice."),
            mb.part("application/pdf", b"MZ" + b"\x00" * 100, charset=None, cte="base64", filename="Invoice.pdf.exe"),
            mb.part("text/html", "<html><form method=post>", cte="base64", filename="secure-message.html"),
            mb.part("application/zip", make_zip(["payload.js"]), charset=None, cte="base64", filename="docs.zip"),
        ],
    )
    doc = Document(kind="email", raw=mb.message(body=body))
    parse_mime(doc)
    describe_attachments(doc)
    by_name = {a.filename: a for a in doc.attachments}
    assert by_name["Invoice.pdf.exe"].sniffed_type == "exe"
    assert "double_extension" in by_name["Invoice.pdf.exe"].risk_flags
    assert by_name["secure-message.html"].sniffed_type == "html"
    assert "html_attachment" in by_name["secure-message.html"].risk_flags
    assert "archive_contains_executable" in by_name["docs.zip"].risk_flags
    assert doc.text_parts == ["Please see the attached invoice."]


def test_garbage_and_empty_payloads_are_described_without_error() -> None:
    assert described("x.bin", b"").sniffed_type == "empty"
    assert described("x.zip", b"PK\x03\x04garbage").sniffed_type == "zip"
    assert described("x.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600).sniffed_type == "ole"
    assert described("x.bin", bytes(range(256)) * 4).sniffed_type == "unknown"


def test_a_blank_payload_is_empty_not_a_mismatch() -> None:
    att = described("image004.jpg", b"\r\n", declared="image/jpeg")
    assert att.sniffed_type == "empty"
    assert att.risk_flags == []


def test_attachment_hash_becomes_a_sha256_indicator() -> None:
    from email.message import EmailMessage

    from watchword.analysis.pipeline import run
    from watchword.domain import Document

    msg = EmailMessage()
    msg["Subject"] = "Invoice"
    msg.set_content("see attached")
    payload = b"MZ" + b"\x00" * 200
    msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename="invoice.exe")
    doc = run(Document(kind="email", raw=msg.as_bytes()))
    digest = hashlib.sha256(payload).hexdigest()
    assert [a.sha256 for a in doc.attachments] == [digest]
    assert ("sha256", digest) in {(i.type, i.value) for i in doc.indicators}
