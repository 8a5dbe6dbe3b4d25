"""STIX 2.1 bundles from a ShareSet, built with the stix2 library.

SDO and SRO ids are UUIDv4, minted at an object's first export and reused
ever after (intel.stix_ids): `created` stays, `modified` moves only when the
object's content changed, so exporting the same campaign twice yields the same
objects and TAXII consumers see new versions only for real changes. SCO ids
are the spec's own deterministic ids (the stix2 library derives them).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import stix2

from watchword.intel import tlp as tlp_mod
from watchword.intel.selection import CampaignFacts, SharedIndicator, ShareSet
from watchword.intel.stix_ids import IdSource, key_of
from watchword.intel.verdicts import Stance

# Namespace for ids that are not STIX objects' (TAXII collections); MISP uuids
# use the installation's own identity as their namespace (intel.misp).
NAMESPACE = uuid.UUID("6f1c1f9e-3f3e-5b0e-9a8c-7a2b5d0e4c11")
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
    "undetermined": "not yet determined",
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


# ATT&CK techniques a campaign's approach stands for (linked with `uses`).
ATTACK_TECHNIQUES = {
    "credential_phishing": ("T1566", "Phishing"),
    "malware_delivery": ("T1566", "Phishing"),
    "invoice_or_payment_fraud": ("T1566", "Phishing"),
    "fake_recruitment": ("T1566", "Phishing"),
    "elicitation": ("T1598", "Phishing for Information"),
}


def _identity(org: str, ids: IdSource) -> stix2.Identity:
    minted = ids.get("identity|self", "identity", {"name": org})
    return stix2.Identity(
        id=minted.stix_id,
        name=org,
        identity_class="organization",
        created=minted.created,
        modified=minted.modified,
    )


def _campaign(facts: CampaignFacts, org: str, ident: str, markings: list[str], ids: IdSource) -> stix2.Campaign:
    label = APPROACH_LABELS.get(facts.approach_type, facts.approach_type.replace("_", " "))
    people = "person" if facts.reporter_count == 1 else "people"
    description = (
        f"{label.capitalize()} campaign reported to {org}: {facts.report_count} distinct messages, "
        f"{facts.sighting_count} reports from {facts.reporter_count} {people}."
    )
    if facts.verdict:
        description += f" Analyst verdict: {facts.verdict}."
    content = {
        "name": facts.title[:300],
        "description": description,
        "first_seen": facts.first_seen,
        "last_seen": max(facts.last_seen, facts.first_seen),
    }
    minted = ids.get(f"campaign|{facts.id}", "campaign", content)
    return stix2.Campaign(
        id=minted.stix_id,
        created=minted.created,
        modified=minted.modified,
        revoked=minted.revoked,
        created_by_ref=ident,
        object_marking_refs=markings,
        **content,
    )


def _attack_pattern(approach_type: str, ident: str, markings: list[str], ids: IdSource) -> stix2.AttackPattern | None:
    technique = ATTACK_TECHNIQUES.get(approach_type)
    if technique is None:
        return None
    external_id, name = technique
    content = {
        "name": name,
        "external_references": [
            # No url: strict validation wants a hash with every external URL.
            {"source_name": "mitre-attack", "external_id": external_id}
        ],
    }
    minted = ids.get(f"attack-pattern|{external_id}", "attack-pattern", content)
    return stix2.AttackPattern(
        id=minted.stix_id,
        created=minted.created,
        modified=minted.modified,
        created_by_ref=ident,
        object_marking_refs=markings,
        **content,
    )


def _indicator(
    ind: SharedIndicator,
    scope: object,
    ident: str,
    markings: list[str],
    campaign: CampaignFacts | None,
    stance: Stance,
    ids: IdSource,
) -> stix2.Indicator:
    content: dict[str, Any] = {
        "name": f"{ind.type}: {ind.value}"[:300],
        "description": (
            f"Seen in {ind.report_count} reported approach{'es' if ind.report_count != 1 else ''}"
            + (f" of campaign {campaign.title!r}" if campaign else "")
            + "."
        ),
        "pattern": pattern_for(ind.type, ind.value),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "indicator_types": list(stance.indicator_types),
        "valid_from": ind.first_seen,
    }
    if stance.unreviewed:
        content |= {"labels": ["unreviewed"], "confidence": 15}
    minted = ids.get(key_of("indicator", scope, ind.type, ind.value), "indicator", content)
    return stix2.Indicator(
        id=minted.stix_id,
        created=minted.created,
        modified=minted.modified,
        revoked=minted.revoked,
        created_by_ref=ident,
        object_marking_refs=markings,
        **content,
    )


def _relationship(
    kind: str, source: Any, target: Any, ident: str, markings: list[str], ids: IdSource
) -> stix2.Relationship:
    minted = ids.get(key_of("relationship", kind, source.id, target.id), "relationship", {})
    return stix2.Relationship(
        id=minted.stix_id,
        relationship_type=kind,
        source_ref=source.id,
        target_ref=target.id,
        created=minted.created,
        modified=minted.modified,
        created_by_ref=ident,
        object_marking_refs=markings,
    )


def _preload(share: ShareSet) -> None:
    scope = share.campaign.id if share.campaign else "selection"
    keys = ["identity|self"]
    if share.campaign is not None:
        keys.append(f"campaign|{share.campaign.id}")
    for ind in share.indicators:
        for kind in ("indicator", "observed-data", "sighting"):
            keys.append(key_of(kind, scope, ind.type, ind.value))
    share.ids.preload(keys)


def build_bundle(share: ShareSet) -> stix2.Bundle:
    """Identity, TLP marking, Campaign (with the ATT&CK technique it uses), Indicators with
    patterns, the observables as observed-data, the relationships the spec suggests, Sightings.

    Ids, `created` and `modified` come from share.ids (intel.stix_ids): minted at the first
    export, kept after; the bundle itself is a fresh envelope each time."""
    org, ids = share.org, share.ids
    _preload(share)
    markings = [tlp_mod.marking_id(share.tlp)]
    marking = stix2.MarkingDefinition(**tlp_mod.marking_definition(share.tlp))
    me = _identity(org, ids)
    objects: list[Any] = [marking, me]
    campaign_obj = None
    scope: object = "selection"
    if share.campaign is not None:
        scope = share.campaign.id
        campaign_obj = _campaign(share.campaign, org, me.id, markings, ids)
        objects.append(campaign_obj)
        technique = _attack_pattern(share.campaign.approach_type, me.id, markings, ids)
        if technique is not None:
            objects += [technique, _relationship("uses", campaign_obj, technique, me.id, markings, ids)]
    emitted: set[tuple[str, str]] = set()
    for ind in share.indicators:
        if ind.type not in STIX_TYPES or (ind.type, ind.value) in emitted:
            continue  # one object per value: a repeat would be a second version with the same `modified`
        emitted.add((ind.type, ind.value))
        indicator = _indicator(ind, scope, me.id, markings, share.campaign, share.stance, ids)
        objects.append(indicator)
        if campaign_obj is not None:
            objects.append(_relationship("indicates", indicator, campaign_obj, me.id, markings, ids))
        count = min(max(ind.sightings, ind.report_count, 1), MAX_SIGHTING_COUNT)
        observed_refs: list[str] = []
        observable = observable_for(ind.type, ind.value, markings)
        if observable is not None:
            content = {"first_observed": ind.first_seen, "last_observed": ind.last_seen, "number_observed": count}
            minted = ids.get(key_of("observed-data", scope, ind.type, ind.value), "observed-data", content)
            observed = stix2.ObservedData(
                id=minted.stix_id,
                created=minted.created,
                modified=minted.modified,
                object_refs=[observable.id],
                created_by_ref=me.id,
                object_marking_refs=markings,
                **content,
            )
            objects += [observable, observed, _relationship("based-on", indicator, observed, me.id, markings, ids)]
            observed_refs = [observed.id]
        content = {"count": count, "first_seen": ind.first_seen, "last_seen": ind.last_seen}
        minted = ids.get(key_of("sighting", scope, ind.type, ind.value), "sighting", content)
        objects.append(
            stix2.Sighting(
                id=minted.stix_id,
                sighting_of_ref=indicator.id,
                where_sighted_refs=[me.id],
                created=minted.created,
                modified=minted.modified,
                created_by_ref=me.id,
                object_marking_refs=markings,
                **({"observed_data_refs": observed_refs} if observed_refs else {}),
                **content,
            )
        )
    return stix2.Bundle(objects=objects, allow_custom=False)


def bundle_json(share: ShareSet) -> str:
    return str(build_bundle(share).serialize(pretty=True))


def bundle_dict(share: ShareSet) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(build_bundle(share).serialize())
    return result
