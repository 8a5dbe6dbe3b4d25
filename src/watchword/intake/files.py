"""Reading stored messages for `watchword import`: files, folders, mbox, Maildir."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

EMAIL_SUFFIXES = {".eml", ".msg"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:[ \t]?")


def looks_like_email(data: bytes) -> bool:
    """An Outlook .msg, an mbox 'From ' line, or a header line at the very start."""
    head = data[:1000].lstrip(b"\r\n")
    return head.startswith(OLE_MAGIC) or head.startswith(b"From ") or bool(_HEADER_LINE.match(head))


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def iter_messages(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """Yield (source name, raw bytes) for every message under the given paths."""
    for path in paths:
        if is_maildir(path):
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path}#{key}", box.get_bytes(key)
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith("."):
                    if child.suffix.lower() in EMAIL_SUFFIXES:
                        yield str(child), child.read_bytes()
                    elif is_mbox(child):
                        yield from _mbox(child)
            for sub in sorted(p for p in path.rglob("*") if is_maildir(p)):
                yield from iter_messages([sub])
        elif path.is_file() and path.suffix.lower() not in EMAIL_SUFFIXES and is_mbox(path):
            yield from _mbox(path)
        elif path.is_file():
            yield str(path), path.read_bytes()
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")


def _mbox(path: Path) -> Iterator[tuple[str, bytes]]:
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for index, key in enumerate(box.keys()):
            yield f"{path}#{index}", box.get_bytes(key)
    finally:
        box.close()  # mailbox.mbox keeps the file open until closed: a long-lived process leaked one per import
