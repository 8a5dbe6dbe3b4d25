"""Describe attachments by their bytes: sniffed type, size, SHA-256, risk flags.

Nothing is executed, rendered or decompressed. Types come from magic bytes;
for a ZIP only the central directory (member names and flags) is read, and for
an OLE compound file only its directory of stream and storage names. The
declared MIME type and the file name are what the sender claims; where they
disagree with the bytes, that disagreement is itself a flag.
"""

from __future__ import annotations

import hashlib
import struct
from io import BytesIO

import olefile

from watchword.domain import Attachment, Document, Indicator

MAX_ZIP_ENTRIES = 5_000
MAX_OLE_ENTRIES = 2_000
SNIFF_TEXT_BYTES = 1_024


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EXECUTABLE_EXTS = _words(
    "exe dll scr com pif cpl msi msp msc sys drv ocx gadget appx msix appref-ms application "
    "elf bin run app dmg pkg deb rpm apk jar"
)
SCRIPT_EXTS = _words(
    "js jse vbs vbe wsf wsh wsc ps1 psm1 psd1 hta bat cmd sh py pl rb reg inf sct url iqy slk "
    "settingcontent-ms library-ms xll"
)
ARCHIVE_EXTS = _words("zip rar 7z gz tgz tar bz2 xz cab ace arj lzh z zipx uue xxe")
DISK_IMAGE_EXTS = _words("iso img vhd vhdx udf")
MACRO_EXTS = _words("docm dotm xlsm xltm xlam pptm potm ppam ppsm sldm xlsb")
HTML_EXTS = _words("html htm shtml xhtml mht mhtml svg xht")
# What a decoy first extension looks like in "invoice.pdf.exe".
DECOY_EXTS = _words("pdf doc docx xls xlsx ppt pptx txt rtf jpg jpeg png gif bmp csv odt ods mp3 mp4 wav zip html htm")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")

# Declared MIME types reduced to the tokens the sniffer speaks, to compare them.
_DECLARED = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-zip": "zip",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.ms-outlook": "msg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/x-rar-compressed": "rar",
    "application/vnd.rar": "rar",
    "application/x-7z-compressed": "7z",
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
    "application/x-iso9660-image": "iso",
    "application/x-msdownload": "exe",
    "application/x-dosexec": "exe",
    "application/x-msdos-program": "exe",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "text/html": "html",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "message/rfc822": "eml",
    "application/ms-tnef": "tnef",
    "application/vnd.ms-tnef": "tnef",
}
# Sniffed tokens that are consistent with a declared token although not equal.
_COMPATIBLE = {
    ("zip", "docx"),
    ("zip", "xlsx"),
    ("zip", "pptx"),
    ("zip", "ooxml"),
    ("zip", "jar"),
    ("doc", "ole"),
    ("xls", "ole"),
    ("ppt", "ole"),
    ("msg", "ole"),
    ("jpeg", "jpeg"),
    ("html", "svg"),
    ("svg", "html"),
}
_SNIFF_TO_FLAGS = {
    "exe": ("executable",),
    "elf": ("executable",),
    "macho": ("executable",),
    "lnk": ("executable", "shortcut"),
    "jar": ("executable", "archive"),
    "zip": ("archive",),
    "rar": ("archive",),
    "7z": ("archive",),
    "gzip": ("archive",),
    "cab": ("archive",),
    "iso": ("disk_image",),
    "vhd": ("disk_image",),
    "vhdx": ("disk_image",),
    "img": ("disk_image",),
    "html": ("html_attachment",),
    "svg": ("html_attachment",),
    "hta": ("script", "html_attachment"),
    "script": ("script",),
    "onenote": ("onenote",),
    "tnef": ("tnef",),
}
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"MSCF", "cab"),
    (b"\x7fELF", "elf"),
    (b"\xfe\xed\xfa\xce", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "lnk"),
    (b"conectix", "vhd"),
    (b"vhdxfile", "vhdx"),
    (b"{\\rt", "rtf"),
    (b"\x78\x9f\x3e\x22", "tnef"),
    (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", "onenote"),
    (b"From:", "eml"),
    (b"Received:", "eml"),
    (b"Return-Path:", "eml"),
)
_HTML_HINTS = (b"<html", b"<!doctype html", b"<script", b"<head", b"<body", b"<form", b"<iframe", b"<meta ")


def _is_boot_sector(data: bytes) -> bool:
    return b"FAT" in data[0x36:0x5A] or b"NTFS" in data[3:11]


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rstrip(" .")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _zip_names(data: bytes) -> tuple[list[str], bool] | None:
    """Member names and whether any member is encrypted, from the central directory only."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd < 0 or eocd + 22 > len(data):
        return None
    (_sig, _disk, _cd_disk, _n_here, count, cd_size, cd_offset, _clen) = struct.unpack(
        "<IHHHHIIH", data[eocd : eocd + 22]
    )
    if cd_offset == 0xFFFFFFFF or cd_offset + cd_size > len(data):
        # ZIP64 or prepended data: the offset cannot be trusted; find the directory by its start.
        start = data.find(b"PK\x01\x02", max(0, eocd - cd_size))
        if start < 0:
            return None
        cd_offset = start
    names: list[str] = []
    encrypted = False
    pos = cd_offset
    for _ in range(min(count or MAX_ZIP_ENTRIES, MAX_ZIP_ENTRIES)):
        if data[pos : pos + 4] != b"PK\x01\x02" or pos + 46 > len(data):
            break
        flags = struct.unpack_from("<H", data, pos + 8)[0]
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        raw_name = data[pos + 46 : pos + 46 + name_len]
        names.append(raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        encrypted = encrypted or bool(flags & 0x1)
        pos += 46 + name_len + extra_len + comment_len
    return names, encrypted


def _ole_names(data: bytes) -> list[str]:
    try:
        # Wrapped: olefile treats short bytes as a file name, not as data.
        ole = olefile.OleFileIO(BytesIO(data))
    except Exception:  # noqa: BLE001 - olefile raises many types on malformed input
        return []
    try:
        entries = ole.listdir(streams=True, storages=True)
    except Exception:  # noqa: BLE001 - same: a broken directory is a finding, not a crash
        entries = []
    finally:
        ole.close()
    return ["/".join(parts) for parts in entries[:MAX_OLE_ENTRIES]]


def _looks_textual(head: bytes) -> bool:
    return b"\x00" not in head and (head.isascii() or _decodes_utf8(head))


def _decodes_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut at the sniff window's edge
    return True


def sniff(data: bytes, name: str, flags: list[str]) -> str:
    """The type the bytes say they are; adds container-level flags as it looks."""
    if not data or (len(data) <= 64 and not data.strip()):
        return "empty"  # also the lone CRLF of a part whose body went missing
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM") and len(data) > 14 and data[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    if data.startswith(b"MZ"):
        return "exe"
    if data.startswith(b"\xca\xfe\xba\xbe") and _extension(name) != "class":
        return "macho"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _sniff_zip(data, flags)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data, flags)
    for offset in (0x8001, 0x8801, 0x9001):
        if data[offset : offset + 5] == b"CD001":
            return "iso"
    if data[0x8001:0x8006] in (b"BEA01", b"NSR02", b"NSR03"):
        return "iso"  # UDF
    if len(data) >= 512 and data[-512:-504] == b"conectix":
        return "vhd"
    if len(data) >= 512 and data[510:512] == b"\x55\xaa" and _is_boot_sector(data):
        return "img"
    head = data[:SNIFF_TEXT_BYTES]
    lower = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    ext = _extension(name)
    if _looks_textual(head):
        if lower.startswith(b"<svg") or (lower.startswith(b"<?xml") and b"<svg" in lower):
            return "svg"
        if ext == "hta" or b"<hta:application" in lower:
            return "hta"
        if any(hint in lower for hint in _HTML_HINTS):
            return "html"
        if ext in SCRIPT_EXTS or lower.startswith(b"#!"):
            return "script"
        return "text"
    return "unknown"


def _sniff_zip(data: bytes, flags: list[str]) -> str:
    listing = _zip_names(data)
    if listing is None:
        return "zip"
    names, encrypted = listing
    if encrypted:
        flags.append("encrypted_archive")
    lowered = [n.lower() for n in names]
    if any(n.endswith("vbaproject.bin") for n in lowered):
        flags.append("macro")
    kind = "zip"
    if "[content_types].xml" in lowered:
        if any(n.startswith("word/") for n in lowered):
            kind = "docx"
        elif any(n.startswith("xl/") for n in lowered):
            kind = "xlsx"
        elif any(n.startswith("ppt/") for n in lowered):
            kind = "pptx"
        else:
            kind = "ooxml"
    elif "meta-inf/manifest.mf" in lowered and any(n.endswith(".class") for n in lowered):
        kind = "jar"
    if kind == "zip":
        risky = {_extension(n) for n in lowered} & (EXECUTABLE_EXTS | SCRIPT_EXTS | DISK_IMAGE_EXTS | {"lnk"})
        if risky:
            flags.append("archive_contains_executable")
    return kind


def _sniff_ole(data: bytes, flags: list[str]) -> str:
    names = _ole_names(data)
    lowered = [n.lower() for n in names]
    vba_names = ("macros", "vba", "_vba_project_cur", "_vba_project")
    if any(part in vba_names for n in lowered for part in n.split("/")):
        flags.append("macro")
    if any(n.startswith("__substg1.0_") or "/__substg1.0_" in n for n in lowered):
        return "msg"
    if "worddocument" in lowered:
        return "doc"
    if "workbook" in lowered or "book" in lowered:
        return "xls"
    if "powerpoint document" in lowered:
        return "ppt"
    return "ole"


def _name_flags(name: str, flags: list[str]) -> None:
    if any(ch in BIDI_CONTROLS for ch in name):
        flags.append("rtl_override")
    clean = "".join(ch for ch in name if ch not in BIDI_CONTROLS)
    base = clean.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rstrip(" .")
    pieces = [p.strip().lower() for p in base.split(".")]
    dangerous = EXECUTABLE_EXTS | SCRIPT_EXTS | DISK_IMAGE_EXTS | {"lnk"}
    if len(pieces) >= 3 and pieces[-2] in DECOY_EXTS and pieces[-1] in dangerous:
        flags.append("double_extension")
    ext = pieces[-1] if len(pieces) >= 2 else ""
    if ext in MACRO_EXTS:
        flags.append("macro")
    if ext in EXECUTABLE_EXTS or ext == "lnk":
        flags.append("executable")
    if ext in SCRIPT_EXTS:
        flags.append("script")
    if ext in ARCHIVE_EXTS:
        flags.append("archive")
    if ext in DISK_IMAGE_EXTS:
        flags.append("disk_image")
    if ext in HTML_EXTS:
        flags.append("html_attachment")


# Extensions whose files must sniff as one of these tokens.
_EXT_EXPECTS = {
    "pdf": {"pdf"},
    "docx": {"docx", "ooxml", "zip"},
    "xlsx": {"xlsx", "ooxml", "zip"},
    "pptx": {"pptx", "ooxml", "zip"},
    "doc": {"doc", "ole", "rtf", "html"},
    "xls": {"xls", "ole", "html", "text"},
    "jpg": {"jpeg"},
    "jpeg": {"jpeg"},
    "png": {"png"},
    "gif": {"gif"},
    "zip": {"zip", "docx", "xlsx", "pptx", "ooxml", "jar"},
    "txt": {"text", "empty"},
}


def describe(att: Attachment, payload: bytes) -> None:
    """Fill sniffed_type, size, sha256 and risk_flags of one attachment."""
    flags: list[str] = []
    att.filename = att.filename.replace("\x00", "")
    att.size = len(payload)
    att.sha256 = hashlib.sha256(payload).hexdigest()
    att.sniffed_type = sniff(payload, att.filename, flags)
    flags.extend(_SNIFF_TO_FLAGS.get(att.sniffed_type, ()))
    _name_flags(att.filename, flags)
    declared = _DECLARED.get(att.declared_type.lower())
    sniffed = att.sniffed_type
    if (
        declared
        and sniffed not in ("unknown", "text", "empty")
        and declared != sniffed
        and (declared, sniffed) not in _COMPATIBLE
    ):
        flags.append("type_mismatch")
    expected = _EXT_EXPECTS.get(_extension(att.filename))
    if expected and sniffed not in expected and sniffed not in ("unknown", "empty"):
        flags.append("extension_mismatch")
    att.risk_flags = list(dict.fromkeys(flags))


def describe_attachments(doc: Document) -> None:
    """Stage: name, declared and sniffed type, size, SHA-256, risk flags."""
    if len(doc.attachment_payloads) != len(doc.attachments):
        doc.warnings.append("attachment payloads missing; some attachments not described")
    for att, payload in zip(doc.attachments, doc.attachment_payloads, strict=False):
        describe(att, payload)
    # A file's hash is an indicator like any other: campaigns link on it, feeds match it,
    # exports share it. (Indicators come before this stage, so they are added here.)
    known = {(i.type, i.value) for i in doc.indicators}
    for att in doc.attachments:
        if att.sha256 and ("sha256", att.sha256) not in known:
            known.add(("sha256", att.sha256))
            doc.indicators.append(Indicator("sha256", att.sha256))
