"""MISP events from a ShareSet, built with PyMISP.

Attribute categories and types follow MISP's own defaults (describeTypes);
a campaign whose messages came by email also gets MISP's `email` object for
the sender side (From, Reply-To, Return-Path and, when the caller passes an
already redacted one, the subject). Report counts travel as sightings and in
each attribute's comment. UUIDs are deterministic, like the STIX ids.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

from watchword.intel import tlp as tlp_mod
from watchword.intel.selection import SharedIndicator, ShareSet
from watchword.intel.stix import APPROACH_LABELS, NAMESPACE
from watchword.intel.stix_ids import IdSource

if TYPE_CHECKING:
    from pymisp import MISPEvent

# indicator type -> (MISP category, MISP attribute type, to_ids)
MISP_TYPES: dict[str, tuple[str, str, bool]] = {
    "url": ("Network activity", "url", True),
    "domain": ("Network activity", "domain", True),
    "ipv4": ("Network activity", "ip-dst", True),
    "ipv6": ("Network activity", "ip-dst", True),
    "email": ("Payload delivery", "email-src", True),
    "md5": ("Payload delivery", "md5", True),
    "sha1": ("Payload delivery", "sha1", True),
    "sha256": ("Payload delivery", "sha256", True),
    "btc": ("Financial fraud", "btc", True),
    "xmr": ("Financial fraud", "xmr", True),
    "iban": ("Financial fraud", "iban", True),
    # MISP has no Ethereum type: a text attribute, not for IDS, says what it is.
    "eth": ("Financial fraud", "text", False),
    "phone": ("Person", "phone-number", False),
    "social": ("Social network", "text", False),
}
_THREAT_LEVEL = {"malicious": 2, "suspicious": 3}  # MISP: 1 high, 2 medium, 3 low, 4 undefined


def namespace_of(ids: IdSource, org: str) -> uuid.UUID:
    """This installation's own namespace: the uuid of its STIX identity, minted at its
    first export. MISP uuids are deterministic within one installation (the same
    campaign is the same event on every export) and never collide with another's."""
    identity = ids.get("identity|self", "identity", {"name": org})
    return uuid.UUID(identity.stix_id.split("--", 1)[1])


def _namespace(share: ShareSet) -> uuid.UUID:
    return namespace_of(share.ids, share.org)


def campaign_event_uuid(namespace: uuid.UUID, campaign_id: int) -> str:
    """The uuid of a campaign's MISP event (what build_event gives it), without building it."""
    return _uuid(namespace, "event", campaign_id)


def _uuid(namespace: uuid.UUID | str, *key: object) -> str:
    if isinstance(namespace, str):  # an organisation name: tools without an installation
        return str(uuid.uuid5(NAMESPACE, "|".join([namespace, "misp", *map(str, key)])))
    return str(uuid.uuid5(namespace, "|".join(["misp", *map(str, key)])))


# MISP sighting types: 0 seen, 1 false positive.
SIGHTING_SEEN = "0"
SIGHTING_FALSE_POSITIVE = "1"


def _attribute(
    event: MISPEvent,
    ind: SharedIndicator,
    org: str,
    ns: uuid.UUID | str,
    event_key: object,
    stance_to_ids: bool = True,
    false_positive: bool = False,
) -> None:
    category, misp_type, to_ids = MISP_TYPES[ind.type]
    # suspicious or unreviewed: context, not detection; a false positive: never detection
    to_ids = to_ids and stance_to_ids and not false_positive
    reports = f"reported in {ind.report_count} message{'s' if ind.report_count != 1 else ''}"
    comment = f"Ethereum address; {reports}" if ind.type == "eth" else reports
    if ind.type == "social":
        comment = f"social media profile; {reports}"
    if false_positive:
        comment = f"false positive (an analyst's judgement); {reports}"
    seen = int(ind.last_seen.timestamp())
    attribute = event.add_attribute(
        misp_type,
        ind.value,
        category=category,
        to_ids=to_ids,
        comment=comment,
        # The event's key is part of it: MISP refuses an attribute uuid another event already holds,
        # and two campaigns may share a value.
        uuid=_uuid(ns, "attribute", event_key, ind.type, ind.value),
        first_seen=ind.first_seen,
        last_seen=ind.last_seen,
        timestamp=seen,  # fixed by the data, not the clock: an unchanged export is byte-identical
        disable_correlation=False,
    )
    assert not isinstance(attribute, list)  # one value in, one attribute out
    kind = SIGHTING_FALSE_POSITIVE if false_positive else SIGHTING_SEEN
    attribute.add_sighting(
        {
            "type": kind,
            "source": org,
            "date_sighting": seen,
            "uuid": _uuid(ns, "sighting", event_key, kind, ind.type, ind.value, seen),
        }
    )


def _event_timestamp(share: ShareSet) -> int:
    """When the event last changed, from the data: a feed consumer updates an event only when
    this moves, and an unchanged campaign exports byte for byte the same."""
    if share.campaign is not None:
        return int(share.campaign.modified.timestamp())
    seen = [i.last_seen for i in (*share.indicators, *share.false_positives)]
    return int(max(seen, default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).timestamp())


def build_event(share: ShareSet, subject: str | None = None) -> MISPEvent:
    """A MISP event with TLP and approach-type tags, attributes, sightings and an email object."""
    # Imported here, not at the top: importing PyMISP validates nothing but builds ~40 Lark grammars
    # (jsonschema's URI format checker, through its warning lists), 1-2 s of CPU that every `serve`,
    # `worker` and CLI process paid at start-up whether or not it ever shares to MISP.
    from pymisp import MISPEvent, MISPObject, MISPOrganisation

    org = share.org
    ns = _namespace(share)
    event = MISPEvent()
    campaign = share.campaign
    key = campaign.id if campaign else ",".join(f"{i.type}:{i.value}" for i in share.indicators)
    event.uuid = _uuid(ns, "event", key)
    first = (
        campaign.first_seen
        if campaign
        else min((i.first_seen for i in share.indicators), default=dt.datetime.now(dt.UTC))
    )
    if campaign:
        label = APPROACH_LABELS.get(campaign.approach_type, campaign.approach_type)
        event.info = f"{campaign.title} ({label}, {campaign.sighting_count} reports)"
        event.threat_level_id = _THREAT_LEVEL.get(campaign.verdict or "", 4)
        event.analysis = 2 if campaign.verdict else 1  # completed once an analyst gave a verdict
        event.add_tag(f'watchword:approach-type="{campaign.approach_type}"')
    else:
        event.info = f"Indicators shared by {org}"
        event.threat_level_id = 4
        event.analysis = 1
    event.date = first.date()
    event.distribution = 0  # your organisation only: sharing further is the receiver's TLP decision
    event.published = False
    event.add_tag(tlp_mod.misp_tag(share.tlp))
    if share.stance.unreviewed:
        event.add_tag('watchword:review="unreviewed"')
        event.analysis = 0  # initial: nobody has looked at it yet
    orgc = MISPOrganisation()
    orgc.from_dict(name=org, uuid=_uuid(ns, "organisation"))
    event.Orgc = orgc
    for ind in share.indicators:
        if ind.type in MISP_TYPES:
            _attribute(event, ind, org, ns, key, share.stance.to_ids)
    for ind in share.false_positives:
        if ind.type in MISP_TYPES:
            _attribute(event, ind, org, ns, key, False, false_positive=True)
    event.timestamp = _event_timestamp(share)
    senders = [i for i in share.indicators if i.type == "email" and i.sender]
    if senders:
        email = MISPObject("email", standalone=False)
        email.uuid = _uuid(ns, "email-object", key)
        email.timestamp = _event_timestamp(share)
        for address in senders:
            email.add_attribute(
                "from",
                value=address.value,
                to_ids=share.stance.to_ids,
                uuid=_uuid(ns, "email-object", key, "from", address.value),  # stable across exports
                timestamp=email.timestamp,
            )
        if subject:
            email.add_attribute(
                "subject",
                value=subject,
                to_ids=False,
                uuid=_uuid(ns, "email-object", key, "subject"),
                timestamp=email.timestamp,
            )
        event.add_object(email)
    return event


def event_dict(share: ShareSet, subject: str | None = None) -> dict[str, Any]:
    """The event as MISP's JSON export has it: {"Event": {...}}."""
    result: dict[str, Any] = json.loads(build_event(share, subject).to_json())
    return {"Event": result}


def event_json(share: ShareSet, subject: str | None = None) -> str:
    return json.dumps(event_dict(share, subject), indent=2, sort_keys=True)
