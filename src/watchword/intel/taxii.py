"""The TAXII 2.1 object store: collections, publishing, and the queries the
read-only server (web/intel/taxii_routes.py) answers from.

One collection per TLP level that may leave the building, up to the
deployment's ceiling (WATCHWORD_TAXII_MAX_TLP, default AMBER): any read token
sees every collection served, so material stricter than what every token
holder may receive (AMBER+STRICT: the recipient organisation only; RED:
named people only) is not served unless the ceiling is raised on purpose.

Publishing stores every object of an export bundle as one version:
(collection, id, version) is unique, and ids and timestamps are
deterministic (intel/stix.py), so publishing an unchanged campaign again
adds nothing, and a changed one adds only the objects that changed.

Paging is by the row's insertion sequence: `next` is the last row id of the
page, which is stable under concurrent publishing (new rows only append).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, false, or_, select, update
from sqlalchemy.orm import Session, aliased

from watchword import errors
from watchword.intel import stix_ids
from watchword.intel import tlp as tlp_mod
from watchword.intel.scrub import leak_check
from watchword.intel.selection import ShareSet, as_utc
from watchword.intel.stix import NAMESPACE, bundle_dict
from watchword.store import audit
from watchword.store.models import utcnow
from watchword.store.models_intel import TaxiiObject
from watchword.store.upsert import insert_ignore

MEDIA_TYPE = "application/taxii+json;version=2.1"
SPEC_VERSION = "2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


FEEDS_IN = "feeds-in"


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    level: str  # a TLP level, or FEEDS_IN for the write-only inbox
    title: str
    description: str

    @property
    def writable(self) -> bool:
        return self.level == FEEDS_IN

    def info(self, may_write: bool = False) -> dict[str, Any]:
        """The collection resource; can_read and can_write are for the requester (TAXII 2.1 5.2)."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": not self.writable,
            "can_write": self.writable and may_write,
            "media_types": [STIX_MEDIA_TYPE],
        }


def feeds_in(org: str) -> Collection:
    """The inbox partners with a write token add objects to; their indicators become known-bad."""
    return Collection(
        id=str(uuid.uuid5(NAMESPACE, f"{org}|taxii-collection|{FEEDS_IN}")),
        level=FEEDS_IN,
        title=f"Indicators for {org} (feeds in)",
        description="Add STIX 2.1 indicators and observables here with a write token: they are matched "
        "against every reported approach. Write-only: nothing added here is served back.",
    )


def collections(org: str, ceiling: str = "amber") -> list[Collection]:
    out = []
    for level in tlp_mod.LEVELS:
        if level == "red" or not tlp_mod.at_most(level, ceiling):
            continue
        name = tlp_mod.TLP2_MARKINGS[level][1]
        out.append(
            Collection(
                id=str(uuid.uuid5(NAMESPACE, f"{org}|taxii-collection|{level}")),
                level=level,
                title=f"{org} indicators, {name}",
                description=f"Indicators and campaigns shared by {org}, marked {name}. "
                "Handle according to https://www.first.org/tlp/",
            )
        )
    return out


def collection_by_id(org: str, collection_id: str, ceiling: str = "amber") -> Collection | None:
    """A read collection or the feeds-in inbox."""
    return next((c for c in [*collections(org, ceiling), feeds_in(org)] if c.id == collection_id), None)


def collection_for_level(org: str, level: str, ceiling: str = "amber") -> Collection:
    level = tlp_mod.normalise(level)
    found = next((c for c in collections(org, ceiling) if c.level == level), None)
    if found is None:
        if level == "red":
            raise errors.Refused("TLP:RED material is never published to TAXII")
        raise errors.Refused(f"TLP:{level.upper()} is above this server's ceiling (WATCHWORD_TAXII_MAX_TLP={ceiling})")
    return found


def publish(session: Session, share: ShareSet, actor: str, ceiling: str = "amber") -> int:
    """Store the share's STIX objects in its TLP's collection; return how many versions are new."""
    collection = collection_for_level(share.org, share.tlp, ceiling)
    bundle = bundle_dict(share)
    leak_check(json.dumps(bundle), share.victims, "The TAXII publication")
    now = utcnow()
    rows = [
        {
            "collection": collection.id,
            "stix_id": obj["id"],
            "stix_type": obj["type"],
            # SCOs carry no timestamps: one version each, keyed by the empty string.
            "version": obj.get("modified") or obj.get("created") or "",
            "date_added": now,
            "body": obj,
            "campaign_id": share.campaign.id if share.campaign else None,
        }
        for obj in bundle["objects"]
    ]
    added = 0
    for start in range(0, len(rows), 500):
        result = session.execute(
            insert_ignore(session, TaxiiObject).values(rows[start : start + 500]).returning(TaxiiObject.id)
        )
        added += len(result.all())
    if share.campaign is not None:
        # Versions published before rows carried their campaign (migration 0012) are claimed now,
        # so that the campaign's verdict can revoke them.
        mine = [r["stix_id"] for r in rows if r["stix_type"] in REVOCABLE]
        for start in range(0, len(mine), 500):
            session.execute(
                update(TaxiiObject)
                .where(
                    TaxiiObject.collection == collection.id,
                    TaxiiObject.stix_id.in_(mine[start : start + 500]),
                    TaxiiObject.campaign_id.is_(None),
                )
                .values(campaign_id=share.campaign.id)
            )
    audit.record(
        session,
        actor,
        "intel.taxii_publish",
        "campaign",
        share.campaign.id if share.campaign else "",
        {"collection": collection.id, "tlp": share.tlp, "objects": len(rows), "new": added},
    )
    return added


# What a withdrawn verdict revokes: the objects that exist because of this campaign. Not the
# installation's identity, the TLP marking or the ATT&CK technique (shared by every campaign),
# and not SCOs (they have no `revoked`: an observable is a fact, not a claim).
REVOCABLE = frozenset({"campaign", "indicator", "relationship", "sighting", "observed-data"})


def _stix_time(value: dt.datetime) -> str:
    """A STIX timestamp with exactly milliseconds, as the stix2 library writes `modified`
    (the versions compare as strings, so every version must have the same form)."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def published_collections(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.scalars(select(TaxiiObject.collection).where(TaxiiObject.campaign_id == campaign_id).distinct())
    )


def revoke_campaign(session: Session, campaign_id: int, actor: str) -> int:
    """Publish a revoked version of every object this campaign put in any collection; return how many.

    The new version is the last one with `revoked: true` and a `modified` later than every
    version before it. The stored STIX ids are marked revoked too, so a later export of the
    campaign (its verdict set back to malicious) mints new objects instead of reviving these."""
    newer = aliased(TaxiiObject)
    latest = session.scalars(
        select(TaxiiObject)
        .where(
            TaxiiObject.campaign_id == campaign_id,
            TaxiiObject.stix_type.in_(REVOCABLE),
            ~exists().where(
                and_(
                    newer.collection == TaxiiObject.collection,
                    newer.stix_id == TaxiiObject.stix_id,
                    newer.version > TaxiiObject.version,
                )
            ),
        )
        .order_by(TaxiiObject.id)
    ).all()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    revoked_ids: set[str] = set()
    for row in latest:
        if row.body.get("revoked"):
            continue
        before = parse_timestamp(str(row.body.get("modified") or row.version))
        modified = _stix_time(max(as_utc(now), before + dt.timedelta(milliseconds=1)))
        body = {**row.body, "revoked": True, "modified": modified}
        rows.append(
            {
                "collection": row.collection,
                "stix_id": row.stix_id,
                "stix_type": row.stix_type,
                "version": modified,
                "date_added": now,
                "body": body,
                "campaign_id": campaign_id,
            }
        )
        revoked_ids.add(row.stix_id)
    added = 0
    for start in range(0, len(rows), 500):
        result = session.execute(
            insert_ignore(session, TaxiiObject).values(rows[start : start + 500]).returning(TaxiiObject.id)
        )
        added += len(result.all())
    stix_ids.revoke_ids(session, revoked_ids)
    if rows:
        audit.record(
            session,
            actor,
            "intel.taxii_revoke",
            "campaign",
            campaign_id,
            {"objects": added, "collections": sorted({str(r["collection"]) for r in rows})},
        )
    return added


def timestamp(value: dt.datetime) -> str:
    """TAXII timestamps: UTC, microseconds, `Z`."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return as_utc(parsed)


@dataclass(slots=True)
class Page:
    rows: list[TaxiiObject]
    more: bool
    next: str | None

    def date_added_first(self) -> str | None:
        return timestamp(self.rows[0].date_added) if self.rows else None

    def date_added_last(self) -> str | None:
        return timestamp(self.rows[-1].date_added) if self.rows else None


def query(
    session: Session,
    collection_id: str,
    *,
    added_after: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    next_token: str | None = None,
    match_ids: list[str] | None = None,
    match_types: list[str] | None = None,
    match_version: str = "last",
    match_spec_versions: list[str] | None = None,
) -> Page:
    """One page of object versions, oldest first, filtered as TAXII 2.1 section 3.4 describes."""
    limit = max(1, min(limit, MAX_LIMIT))
    statement = select(TaxiiObject).where(TaxiiObject.collection == collection_id)
    if match_spec_versions is not None and SPEC_VERSION not in match_spec_versions:
        # Every object published here is STIX 2.1 (SCOs included): any other version matches nothing.
        statement = statement.where(false())
    if next_token:
        statement = statement.where(TaxiiObject.id > int(next_token))
    if added_after is not None:
        # Stored naive on SQLite: compare in the stored form.
        statement = statement.where(TaxiiObject.date_added > added_after)
    if match_ids:
        statement = statement.where(TaxiiObject.stix_id.in_(match_ids))
    if match_types:
        statement = statement.where(TaxiiObject.stix_type.in_(match_types))
    versions = {v.strip() for v in match_version.split(",") if v.strip()} or {"last"}
    if "all" not in versions:
        newer = aliased(TaxiiObject)
        older = aliased(TaxiiObject)
        conditions = []
        if "last" in versions:
            conditions.append(
                ~exists().where(
                    and_(
                        newer.collection == TaxiiObject.collection,
                        newer.stix_id == TaxiiObject.stix_id,
                        newer.version > TaxiiObject.version,
                    )
                )
            )
        if "first" in versions:
            conditions.append(
                ~exists().where(
                    and_(
                        older.collection == TaxiiObject.collection,
                        older.stix_id == TaxiiObject.stix_id,
                        older.version < TaxiiObject.version,
                    )
                )
            )
        exact = sorted(versions - {"last", "first"})
        if exact:
            conditions.append(TaxiiObject.version.in_(exact))
        statement = statement.where(or_(*conditions))
    rows = list(session.scalars(statement.order_by(TaxiiObject.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, more=more, next=str(rows[-1].id) if more and rows else None)


def holds(session: Session, collection_id: str, stix_id: str) -> bool:
    """Whether any version of the object is in the collection (a filter that matched none is not a 404)."""
    found = session.scalar(
        select(TaxiiObject.id).where(TaxiiObject.collection == collection_id, TaxiiObject.stix_id == stix_id).limit(1)
    )
    return found is not None


def manifest_record(row: TaxiiObject) -> dict[str, Any]:
    return {
        "id": row.stix_id,
        "date_added": timestamp(row.date_added),
        "version": row.version or timestamp(row.date_added),
        "media_type": STIX_MEDIA_TYPE,
    }
