"""STIX 2.1 bundles from a ShareSet, built with the stix2 library.

Ids are deterministic (uuid5 of the organisation and the object's natural
key), and `created`/`modified` come from the data, not the clock: exporting
the same campaign twice yields the same objects, so TAXII consumers see new
versions only when something actually changed. SCO ids are the spec's own
deterministic ids (the stix2 library derives them from the value).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import stix2

from watchword.intel import tlp as tlp_mod
from watchword.intel.selection import CampaignFacts, SharedIndicator, ShareSet
from watchword.intel.verdicts import MALICIOUS, Stance

# Namespace for our SDO/SRO ids; combined with the organisation name so that two
# deployments never mint the same id for different objects.
NAMESPACE = uuid.UUID("6f1c1f9e-3f3e-5b0e-9a8c-7a2b5d0e4c11")
IDENTITY_CREATED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
MAX_SIGHTING_COUNT = 999_999_999  # the spec's upper bound for Sighting.count

APPROACH_LABELS = {
    "credential_phishing": "credential phishing",
    "malware_delivery": "malware delivery",
    "invoice_or_payment_fraud": "invoice or payment fraud",
    "fake_recruitment": "fake recruitment",
    "elicitation": "elicitation of sensitive information",
    "inducement": "inducement",
    "fake_profile_or_impersonation": "fake profile or impersonation",
    "technical_surveillance": "technical surveillance",
    "physical_approach": "physical approach",
    "extortion": "extortion",
    "scam_or_spam": "scam or spam",
    "benign": "not malicious",
}

# STIX object paths for each indicator type the spec can express. Phone
# numbers, wallets, IBANs and social handles have no STIX Cyber-observable.
_PATTERN_PATHS = {
    "url": "url:value",
    "domain": "domain-name:value",
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
}
_HASH_KEYS = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}
STIX_TYPES = frozenset(_PATTERN_PATHS)
_PLAIN_EMAIL = re.compile(r"[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9.-]+")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SUB_DELIMS = "!$&'()*+,;="
_PCHAR = _SUB_DELIMS + ":@-._~%"  # RFC 3986 pchar, with % for escapes already made


def stix_id(kind: str, org: str, *key: object) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join([org, kind, *map(str, key)]))}"


def escape_literal(value: str) -> str:
    """A STIX pattern string literal: backslash and quote escaped, nothing else."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(indicator_type: str, value: str) -> str:
    return f"[{_PATTERN_PATHS[indicator_type]} = {escape_literal(value)}]"


def uri_safe(url: str) -> str:
    """The URL SCO's value must be an RFC 3986 URI; phishing URLs often are not
    (backslashes, spaces, raw Unicode, a second `#`, brackets in the path).
    Percent-encode only what each part forbids, so a valid URL comes out
    unchanged. The Indicator's pattern keeps the exact value."""
    url = _STRAY_PERCENT.sub("%25", url)  # a `%` not followed by two hex digits is not an escape
    scheme, sep, rest = url.partition("://")
    if not sep:
        return quote(url, safe=_PCHAR + "/?")
    authority = _authority(rest)
    tail = rest[len(authority) :]
    userinfo, at, hostport = authority.rpartition("@")
    authority = (quote(userinfo, safe=_SUB_DELIMS + ":%-._~") + "@" if at else "") + quote(
        hostport, safe=_SUB_DELIMS + "[]:%-._~"
    )
    path_query, hash_, fragment = tail.partition("#")
    tail = quote(path_query, safe=_PCHAR + "/?") + (hash_ + quote(fragment, safe=_PCHAR + "/?") if hash_ else "")
    return f"{quote(scheme, safe='+-.')}://{authority}{tail}"


def _authority(rest: str) -> str:
    for i, ch in enumerate(rest):
        if ch in "/?#":
            return rest[:i]
    return rest


def observable_for(indicator_type: str, value: str, markings: list[str]) -> Any | None:
    """The SCO for an indicator, or None when the value cannot be one.

    RFC 5322 allows `o'brien@x.com`, but validators (stix2-validator among them)
    accept only the common local-part characters in email-addr; such an address
    is shared through its Indicator pattern alone.
    """
    if indicator_type == "email" and not _PLAIN_EMAIL.fullmatch(value):
        return None
    common: dict[str, Any] = {"object_marking_refs": markings}
    if indicator_type == "url":
        return stix2.URL(value=uri_safe(value), **common)
    if indicator_type == "domain":
        return stix2.DomainName(value=value, **common)
    if indicator_type == "ipv4":
        return stix2.IPv4Address(value=value, **common)
    if indicator_type == "ipv6":
        return stix2.IPv6Address(value=value, **common)
    if indicator_type == "email":
        return stix2.EmailAddress(value=value, **common)
    return stix2.File(hashes={_HASH_KEYS[indicator_type]: value}, **common)


def identity(org: str) -> stix2.Identity:
    return stix2.Identity(
        id=stix_id("identity", org, "self"),
        name=org,
        identity_class="organization",
        created=IDENTITY_CREATED,
        modified=IDENTITY_CREATED,
    )


def _campaign(facts: CampaignFacts, org: str, ident: str, markings: list[str]) -> stix2.Campaign:
    label = APPROACH_LABELS.get(facts.approach_type, facts.approach_type.replace("_", " "))
    people = "person" if facts.reporter_count == 1 else "people"
    description = (
        f"{label.capitalize()} campaign reported to {org}: {facts.report_count} distinct messages, "
        f"{facts.sighting_count} reports from {facts.reporter_count} {people}."
    )
    if facts.verdict:
        description += f" Analyst verdict: {facts.verdict}."
    return stix2.Campaign(
        id=stix_id("campaign", org, facts.id),
        name=facts.title[:300],
        description=description,
        created=facts.first_seen,
        modified=facts.modified,
        first_seen=facts.first_seen,
        last_seen=max(facts.last_seen, facts.first_seen),
        created_by_ref=ident,
        object_marking_refs=markings,
    )


def _indicator(
    ind: SharedIndicator,
    org: str,
    ident: str,
    markings: list[str],
    campaign: CampaignFacts | None,
    stance: Stance = MALICIOUS,
) -> stix2.Indicator:
    kinds = list(stance.indicator_types)
    extra: dict[str, Any] = {"labels": ["unreviewed"], "confidence": 15} if stance.unreviewed else {}
    return stix2.Indicator(
        **extra,
        id=stix_id("indicator", org, ind.type, ind.value),
        name=f"{ind.type}: {ind.value}"[:300],
        description=(
            f"Seen in {ind.report_count} reported approach{'es' if ind.report_count != 1 else ''}"
            + (f" of campaign {campaign.title!r}" if campaign else "")
            + "."
        ),
        pattern=pattern_for(ind.type, ind.value),
        pattern_type="stix",
        pattern_version="2.1",
        indicator_types=kinds,
        valid_from=ind.first_seen,
        created=ind.first_seen,
        modified=ind.last_seen,
        created_by_ref=ident,
        object_marking_refs=markings,
    )


def build_bundle(share: ShareSet) -> stix2.Bundle:
    """Identity, TLP marking, Campaign, Indicators with patterns, SCOs, relationships, Sightings."""
    org = share.org
    markings = [tlp_mod.marking_id(share.tlp)]
    marking = stix2.MarkingDefinition(**tlp_mod.marking_definition(share.tlp))
    me = identity(org)
    objects: list[Any] = [marking, me]
    campaign_obj = None
    if share.campaign is not None:
        campaign_obj = _campaign(share.campaign, org, me.id, markings)
        objects.append(campaign_obj)
    for ind in share.indicators:
        if ind.type not in STIX_TYPES:
            continue
        indicator = _indicator(ind, org, me.id, markings, share.campaign, share.stance)
        observable = observable_for(ind.type, ind.value, markings)
        objects.append(indicator)
        if observable is not None:
            objects.append(observable)
            objects.append(
                stix2.Relationship(
                    id=stix_id("relationship", org, "based-on", indicator.id, observable.id),
                    relationship_type="based-on",
                    source_ref=indicator.id,
                    target_ref=observable.id,
                    created=ind.first_seen,
                    modified=ind.first_seen,
                    created_by_ref=me.id,
                    object_marking_refs=markings,
                )
            )
        if campaign_obj is not None and share.campaign is not None:
            objects.append(
                stix2.Relationship(
                    id=stix_id("relationship", org, "indicates", indicator.id, campaign_obj.id),
                    relationship_type="indicates",
                    source_ref=indicator.id,
                    target_ref=campaign_obj.id,
                    created=ind.first_seen,
                    modified=ind.first_seen,
                    created_by_ref=me.id,
                    object_marking_refs=markings,
                )
            )
        scope = share.campaign.id if share.campaign else "all"
        objects.append(
            stix2.Sighting(
                id=stix_id("sighting", org, scope, ind.type, ind.value),
                sighting_of_ref=indicator.id,
                where_sighted_refs=[me.id],
                count=min(max(ind.sightings, ind.report_count, 1), MAX_SIGHTING_COUNT),
                first_seen=ind.first_seen,
                last_seen=ind.last_seen,
                created=ind.first_seen,
                modified=ind.last_seen,
                created_by_ref=me.id,
                object_marking_refs=markings,
            )
        )
    bundle_key = share.campaign.id if share.campaign else ",".join(f"{i.type}:{i.value}" for i in share.indicators)
    return stix2.Bundle(
        objects=objects,
        id=stix_id("bundle", org, share.tlp, bundle_key, share.campaign.modified if share.campaign else ""),
        allow_custom=False,
    )


def bundle_json(share: ShareSet) -> str:
    return build_bundle(share).serialize(pretty=True)


def bundle_dict(share: ShareSet) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(build_bundle(share).serialize())
    return result
