"""CSV and plain-text blocklists for mail gateways and web proxies.

Plain lists are one value per line with `#` comment lines on top carrying
the TLP marking, the source and the time (the CSV has a plain header row
instead, with the TLP as a column): the format Postfix access maps,
Squid ACL files, pfBlockerNG and most gateway "import list" buttons take.
Values are written as they are (not defanged): these files are meant to be
loaded by machines. A value containing a line break would smuggle a second
entry into the list, so such values are dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from watchword import errors
from watchword.intel.selection import ShareSet
from watchword.intel.verdicts import ExportRefused

BLOCKLIST_KINDS: dict[str, tuple[str, ...]] = {
    "urls": ("url",),
    "domains": ("domain",),
    "ips": ("ipv4", "ipv6"),
    "senders": ("email",),
    "hashes": ("md5", "sha1", "sha256"),
}
CSV_FIELDS = ("type", "value", "first_seen", "last_seen", "report_count", "tlp", "campaign", "verdict")


def _safe(value: str) -> bool:
    return not any(ch in value for ch in "\r\n\x00")


def _header(share: ShareSet, what: str) -> list[str]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    lines = [
        f"# TLP:{share.tlp.upper()} - handle according to https://www.first.org/tlp/",
        f"# {what} shared by {share.org}, generated {now}",
    ]
    if share.campaign:
        lines.append(f"# campaign {share.campaign.id}: {share.campaign.title.replace(chr(10), ' ')}")
    return lines


def blocklist_text(share: ShareSet, kind: str) -> str:
    if kind not in BLOCKLIST_KINDS:
        raise errors.Invalid(f"unknown blocklist {kind!r}; one of {', '.join(BLOCKLIST_KINDS)}")
    if not share.stance.blocklists:
        raise ExportRefused(
            f"Blocklists are for campaigns an analyst called malicious; this one is {share.stance.name}. "
            "Its indicators go out as context in the STIX, MISP and CSV exports."
        )
    types = BLOCKLIST_KINDS[kind]
    values = sorted({i.value for i in share.indicators if i.type in types and _safe(i.value)})
    return "\n".join([*_header(share, f"{kind} blocklist"), *values]) + "\n"


def _cell(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ runs as a formula
    # when an analyst opens the file in a spreadsheet. A leading quote neutralises it.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(share: ShareSet) -> str:
    """A header row and one row per indicator: `csv.DictReader` and spreadsheet imports read
    it as it is (no comment lines; the TLP marking is a column of every row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    campaign = str(share.campaign.id) if share.campaign else ""
    for ind in share.indicators:
        if not _safe(ind.value):
            continue
        writer.writerow(
            [
                ind.type,
                _cell(ind.value),
                ind.first_seen.isoformat(),
                ind.last_seen.isoformat(),
                ind.report_count,
                f"TLP:{share.tlp.upper()}",
                campaign,
                share.stance.name,
            ]
        )
    return out.getvalue()
