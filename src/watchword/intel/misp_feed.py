"""A MISP feed: the directory a MISP instance subscribes to (Sync Actions → Feeds, format
"MISP Feed"), laid out as MISP's own feed generator and PyMISP's `tools.feed` lay it out:

    manifest.json   {event uuid: {info, date, threat_level_id, analysis, timestamp, Orgc, Tag}}
    hashes.csv      one line per attribute value: md5 of the value, event uuid
    <uuid>.json     one file per event: {"Event": ...} in PyMISP's feed form (`to_feed`)

Each event is `misp.build_event` of one ShareSet, so the verdict rules, warninglist
exclusion, victim scrubbing and the leak check are the MISP event's own. Event and
attribute uuids are uuid5 in this installation's namespace (the same campaign is the
same event on every run) and timestamps come from the data, so an unchanged campaign
writes byte-identical files and a subscribed MISP pulls only what moved.

PyMISP's feed form leaves sightings out; MISP captures an attribute's `Sighting` list
when it saves a pulled event, so they are added back: that is how a false positive
(sighting type 1) reaches a subscriber.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchword.intel import misp
from watchword.intel.formats import SUBJECT_LEFT_OUT
from watchword.intel.scrub import LeakError, leak_check
from watchword.intel.selection import ShareSet

MANIFEST = "manifest.json"
HASHES = "hashes.csv"
_EVENT_FILE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json")
_SIGHTING_KEYS = ("uuid", "type", "source", "date_sighting")


@dataclass(frozen=True, slots=True)
class FeedEvent:
    uuid: str
    body: str  # the <uuid>.json file
    manifest: dict[str, Any]  # this event's manifest.json entry
    hashes: tuple[str, ...]  # md5 of every attribute value (each part of a composite)


def _md5(value: str) -> str:
    return hashlib.md5(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def feed_event(share: ShareSet, subject: str | None = None) -> FeedEvent:
    """One event of the feed, leak-checked (raises scrub.LeakError like every other export);
    a subject that fails the check is left out, as in the single event (intel.formats)."""
    if subject:
        try:
            return _feed_event(share, subject)
        except LeakError:
            done = _feed_event(share, None)
            share.withheld[SUBJECT_LEFT_OUT] = share.withheld.get(SUBJECT_LEFT_OUT, 0) + 1
            return done
    return _feed_event(share, None)


def _feed_event(share: ShareSet, subject: str | None) -> FeedEvent:
    event = misp.build_event(share, subject)
    event.published = True  # a feed carries what we publish; MISP's generator exports published events
    event.publish_timestamp = event.timestamp
    feed: dict[str, Any] = event.to_feed(with_meta=True, with_distribution=False)["Event"]
    manifest = feed.pop("_manifest")[event.uuid]
    feed.pop("_hashes", None)
    sightings = {a.uuid: a.sightings for a in event.attributes}
    for attribute in feed.get("Attribute", []):
        found = sightings.get(attribute["uuid"]) or []
        if found:
            attribute["Sighting"] = [{k: str(s[k]) for k in _SIGHTING_KEYS if k in s} for s in found]
    body = json.dumps({"Event": feed}, indent=1, sort_keys=True, ensure_ascii=False)
    leak_check(body, share.victims, "The MISP feed event")
    leak_check(json.dumps(manifest, ensure_ascii=False), share.victims, "The MISP feed manifest")
    values = [str(a["value"]) for a in feed.get("Attribute", [])]
    values += [str(a["value"]) for o in feed.get("Object", []) for a in o.get("Attribute", [])]
    hashes = tuple(_md5(part) for value in values for part in value.split("|"))
    return FeedEvent(event.uuid, body, manifest, hashes)


def _write_atomically(path: Path, text: str) -> None:
    """A subscriber polling mid-write must see the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def manifest_text(events: Iterable[FeedEvent]) -> str:
    return json.dumps({e.uuid: e.manifest for e in events}, indent=1, sort_keys=True, ensure_ascii=False)


def hashes_text(events: Iterable[FeedEvent]) -> str:
    return "".join(f"{h},{e.uuid}\n" for e in events for h in e.hashes)


def write_feed(directory: Path, events: list[FeedEvent]) -> list[str]:
    """Write the feed into `directory` (created if missing); return the event files removed.

    Event files first, the manifest last, so the manifest never names a file not yet
    there. An event the previous manifest listed and this one does not (a verdict
    withdrawn) has its file removed; nothing else in the directory is touched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    previous: set[str] = set()
    old_manifest = directory / MANIFEST
    if old_manifest.is_file():
        try:
            previous = {str(k) for k in json.loads(old_manifest.read_text(encoding="utf-8"))}
        except (ValueError, AttributeError):
            previous = set()
    for event in events:
        _write_atomically(directory / f"{event.uuid}.json", event.body)
    _write_atomically(directory / HASHES, hashes_text(events))
    _write_atomically(old_manifest, manifest_text(events))
    current = {e.uuid for e in events}
    removed = []
    for stale in sorted(previous - current):
        path = directory / f"{stale}.json"
        if _EVENT_FILE.fullmatch(path.name) and path.is_file():
            path.unlink()
            removed.append(stale)
    return removed
