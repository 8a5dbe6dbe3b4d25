"""A minimal writer of OLE compound files (MS-CFB, version 3, 512-byte sectors), for tests.

olefile only reads, and a real Outlook .msg cannot be committed (it would be
someone's mail). This writes a small but valid compound file from a mapping of
stream paths to bytes: storages are implied by the paths ("a/b" is stream b in
storage a). Streams under 4,096 bytes go to the mini stream as the format
requires, so both code paths of a reader are exercised. Not production code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _key(entry: _Entry) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names sort first, then by upper-cased code units.
    return (len(entry.name), entry.name.upper())


def _tree(entries: list[_Entry]) -> int:
    """Link siblings as a balanced binary search tree; return the root's id."""
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.left = _tree(entries[:mid])
    node.right = _tree(entries[mid + 1 :])
    return node.sid


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i + 1 < count else ENDOFCHAIN


def build_cfb(streams: dict[str, bytes]) -> bytes:
    root = _Entry("Root Entry", 5)
    storages: dict[str, _Entry] = {"": root}
    for path, data in streams.items():
        parts = path.split("/")
        parent = root
        for depth in range(len(parts) - 1):
            key = "/".join(parts[: depth + 1])
            if key not in storages:
                storages[key] = _Entry(parts[depth], 1)
                parent.children.append(storages[key])
            parent = storages[key]
        parent.children.append(_Entry(parts[-1], 2, data=data))

    ordered: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(ordered)
        ordered.append(entry)
        for child in entry.children:
            number(child)

    number(root)
    for entry in ordered:
        entry.children.sort(key=_key)
        entry.child = _tree(entry.children)

    # Mini stream: every small stream, each padded to whole 64-byte mini sectors.
    mini_stream = bytearray()
    minifat: list[int] = []
    for entry in ordered:
        if entry.kind == 2 and len(entry.data) < MINI_CUTOFF:
            entry.size = len(entry.data)
            if not entry.data:
                continue
            count = -(-len(entry.data) // MINI)
            entry.start = len(minifat)
            minifat.extend([0] * count)
            _chain(minifat, entry.start, count)
            mini_stream += entry.data + b"\x00" * (count * MINI - len(entry.data))

    sectors: list[bytes] = []
    fat_links: list[tuple[int, int]] = []  # (first sector, count) chains

    def place(blob: bytes) -> int:
        count = -(-len(blob) // SECTOR)
        if count == 0:
            return ENDOFCHAIN
        first = len(sectors)
        padded = blob + b"\x00" * (count * SECTOR - len(blob))
        sectors.extend(padded[i * SECTOR : (i + 1) * SECTOR] for i in range(count))
        fat_links.append((first, count))
        return first

    for entry in ordered:
        if entry.kind == 2 and len(entry.data) >= MINI_CUTOFF:
            entry.size = len(entry.data)
            entry.start = place(entry.data)
    root.start = place(bytes(mini_stream))
    root.size = len(mini_stream)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    if minifat_bytes:
        minifat_bytes += struct.pack("<I", FREESECT) * ((-len(minifat_bytes) % SECTOR) // 4)
    first_minifat = place(minifat_bytes)
    minifat_sectors = len(minifat_bytes) // SECTOR

    directory = bytearray()
    for entry in ordered:
        name = entry.name.encode("utf-16-le") + b"\x00\x00"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            entry.kind,
            1,  # black
            entry.left,
            entry.right,
            entry.child,
            b"\x00" * 16,
            0,
            0,
            0,
            entry.start if entry.kind != 1 else 0,
            entry.size,
        )
    while len(directory) % SECTOR:
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\x00" * 16, 0, 0, 0, 0, 0
        )
    first_dir = place(bytes(directory))

    # The FAT covers every sector including its own; grow it until it fits.
    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    if fat_count > 109:
        raise ValueError("test CFB writer supports up to 109 FAT sectors (about 7 MB)")
    fat = [FREESECT] * (fat_count * (SECTOR // 4))
    for first, count in fat_links:
        _chain(fat, first, count)
    fat_first = len(sectors)
    for i in range(fat_count):
        fat[fat_first + i] = FATSECT
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors.extend(fat_bytes[i * SECTOR : (i + 1) * SECTOR] for i in range(fat_count))

    difat = [fat_first + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = (
        MAGIC
        + b"\x00" * 16
        + struct.pack(
            "<HHHHH6sIIIIIIIII",
            0x003E,
            0x0003,
            0xFFFE,
            9,
            6,
            b"\x00" * 6,
            0,  # directory sectors: always 0 in version 3
            fat_count,
            first_dir,
            0,
            MINI_CUTOFF,
            first_minifat if minifat_bytes else ENDOFCHAIN,
            minifat_sectors,
            ENDOFCHAIN,
            0,
        )
    )
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def build_msg(
    *,
    subject: str = "",
    sender_name: str = "",
    sender_email: str = "",
    to: list[tuple[str, str]] | None = None,
    body: str = "",
    html: bytes | None = None,
    transport_headers: str = "",
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    """An Outlook .msg with the properties the reader uses (names from MS-OXMSG)."""
    streams: dict[str, bytes] = {"__properties_version1.0": b"\x00" * 32}

    def prop(base: str, tag: str, value: bytes) -> None:
        streams[f"{base}__substg1.0_{tag}"] = value

    prop("", "001A001F", utf16("IPM.Note"))
    if subject:
        prop("", "0037001F", utf16(subject))
    if sender_name:
        prop("", "0C1A001F", utf16(sender_name))
    if sender_email:
        prop("", "5D01001F", utf16(sender_email))
    if body:
        prop("", "1000001F", utf16(body))
    if html is not None:
        prop("", "10130102", html)
    if transport_headers:
        prop("", "007D001F", utf16(transport_headers))
    for n, (name, address) in enumerate(to or []):
        base = f"__recip_version1.0_#{n:08X}/"
        streams[base + "__properties_version1.0"] = b"\x00" * 8
        prop(base, "3001001F", utf16(name))
        prop(base, "39FE001F", utf16(address))
    for n, (filename, mime, data) in enumerate(attachments or []):
        base = f"__attach_version1.0_#{n:08X}/"
        streams[base + "__properties_version1.0"] = b"\x00" * 8
        prop(base, "3707001F", utf16(filename))
        prop(base, "370E001F", utf16(mime))
        prop(base, "37010102", data)
    return build_cfb(streams)
