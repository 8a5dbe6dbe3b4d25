"""One entry point for every export format, shared by the console downloads and the CLI."""

from __future__ import annotations

from watchword import errors
from watchword.intel import blocklists, misp, stix
from watchword.intel.scrub import LeakError, leak_check
from watchword.intel.selection import ShareSet

SUBJECT_LEFT_OUT = "subject left out of the MISP email object: it named a targeted person"
FORMATS = ("stix.json", "misp.json", "csv", *(f"{kind}.txt" for kind in blocklists.BLOCKLIST_KINDS))


def render(share: ShareSet, fmt: str, subject: str | None = None) -> tuple[str, str]:
    """(body, media type) of a share in one of FORMATS, after the leak check.

    `subject` goes into the MISP email object; callers pass it already redacted
    (security.redaction), or None to leave it out; when the redaction left something
    identifying in it, the event goes without it. Raises scrub.LeakError when the
    rendered export would still identify a targeted person.
    """
    if fmt == "misp.json" and subject:
        try:
            return _checked(share, fmt, subject)
        except LeakError:
            # The subject is context: the event goes without it rather than not at all.
            done = _checked(share, fmt, None)
            share.withheld[SUBJECT_LEFT_OUT] = share.withheld.get(SUBJECT_LEFT_OUT, 0) + 1
            return done
    return _checked(share, fmt, subject)


def _checked(share: ShareSet, fmt: str, subject: str | None) -> tuple[str, str]:
    body, media_type = _render(share, fmt, subject)
    leak_check(body, share.victims, f"The {fmt} export")
    return body, media_type


def _render(share: ShareSet, fmt: str, subject: str | None) -> tuple[str, str]:
    if fmt == "stix.json":
        return stix.bundle_json(share), "application/stix+json;version=2.1"
    if fmt == "misp.json":
        return misp.event_json(share, subject), "application/json"
    if fmt == "csv":
        return blocklists.csv_text(share), "text/csv; charset=utf-8"
    if fmt in FORMATS:
        return blocklists.blocklist_text(share, fmt.removesuffix(".txt")), "text/plain; charset=utf-8"
    raise errors.Invalid(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
