"""Hashes that mean files: the attachments' hashes we computed, and digests the text names as a
file's; never a hex token out of a URL, never the empty file's or a known-benign file's hash."""

from __future__ import annotations

from pathlib import Path

from tests.support.console import put_in_campaign
from tests.support.intel import intel_runtime
from watchword.analysis.indicators import find_indicators
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.intel.selection import gather
from watchword.store.models import utcnow
from watchword.worker import Worker

TOKEN_MD5 = "5d41402abc4b2a76b9719d911017c592"
TOKEN_SHA1 = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
FILE_SHA256 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _hashes(text: str) -> list[str]:
    return [i.value for i in find_indicators(text) if i.type in ("md5", "sha1", "sha256")]


def test_hex_tokens_inside_urls_are_not_hashes() -> None:
    assert _hashes(f"Track it: https://trk.example.net/c/{TOKEN_MD5}?s={TOKEN_SHA1}") == []
    assert _hashes(f"Open www.example.net/d/{TOKEN_MD5} today") == []
    assert _hashes(f"unsubscribe: https://news.example.net/u?id={TOKEN_SHA1}&list=2") == []


def test_a_digest_is_a_hash_only_with_a_file_context() -> None:
    assert _hashes(f"Your order reference is {TOKEN_MD5}.") == []
    assert _hashes(f"The attachment invoice.zip (MD5 {TOKEN_MD5}) was blocked") == [TOKEN_MD5]
    assert _hashes(f"sha256: {FILE_SHA256}") == [FILE_SHA256]
    assert _hashes(f"{FILE_SHA256}  payload.exe") == [FILE_SHA256]


def _mail(n: int, attachments: list[tuple[str, bytes]]) -> bytes:
    boundary = "b0undary"
    parts = [
        f'From: "Billing" <ap@invoice-desk.example.net>\r\nTo: "Ana" <ana@corp.example>\r\n'
        f"Subject: Invoice {n}\r\nMessage-ID: <i{n}@invoice-desk.example.net>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nSee the invoice. Tracking: "
        f"https://trk.invoice-desk.example.net/o/{TOKEN_MD5}\r\n"
    ]
    import base64

    for name, payload in attachments:
        parts.append(
            f"--{boundary}\r\nContent-Type: application/octet-stream; name={name}\r\n"
            f"Content-Disposition: attachment; filename={name}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.b64encode(payload).decode()}\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode()


def test_exports_carry_computed_attachment_hashes_and_not_the_empty_file(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        ids = [
            submit(
                rt, IncomingReport(channel=Channel.API, raw_email=_mail(n, [("inv.zip", b"foo"), ("x.bin", b"")]))
            ).report_id
            for n in range(2)
        ]
        Worker(rt).run_until_idle()
        now = utcnow()
        campaign_id = put_in_campaign(
            rt,
            ids,
            "Invoices",
            report_scope="in_scope",
            approach_type="malware_delivery",
            first_seen=now,
            last_seen=now,
            verdict="malicious",
            verdict_at=now,
        )
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=campaign_id)
        hashes = {(i.type, i.value) for i in share.indicators if i.type in ("md5", "sha1", "sha256")}
        assert hashes == {("sha256", FILE_SHA256)}  # sha256(b"foo"), computed from the attachment
