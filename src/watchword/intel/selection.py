"""What leaves the building: the indicators of a campaign (or an analyst's
selection), filtered so that no export carries a reporter's or a recipient's
identity, our own infrastructure, or message content.

Every export format (STIX, MISP, CSV, blocklists, TAXII) is built from one
`ShareSet`, so the privacy rules live here and only here:

- Email addresses go out only when they are the *sender side* of a reported
  message (From, Reply-To, Return-Path) and are not an address of a reporter,
  a recipient or one of our own domains; any other address only when the
  analyst selects that indicator by id.
- Phone numbers and social handles are often the victim's own signature, so
  they go out only when the analyst asks for those types.
- URLs that embed an address (a favourite of phishing kits: `?u=jane@corp`)
  or a known recipient's address in base64 are withheld; their host still goes.
- Hosts and IPs of our own networks (configured internal domains, .local,
  .corp, .internal, .lan, RFC 1918 and other non-global addresses) never go.
- Message bodies never go; the subject only through bulletin redaction (MISP).
- A value a partner's feed gave us under a TLP marking never goes out at a wider
  level than theirs (a TLP:RED entry is in no export at AMBER or below).
- Known-legitimate values never go as bad: a value on a MISP warninglist or
  one of our own lists (known.warninglists), one an analyst allowlisted or
  marked a false positive (intel_value_flags) is left out of every format.
  A false positive that passes every other rule is also kept apart in
  `ShareSet.false_positives`: MISP (event and feed) sends it as an attribute
  with `to_ids` false and a false-positive sighting (type 1), so a partner who
  holds it from an earlier export learns it was wrong; STIX, CSV and the
  blocklists leave it out.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from watchword import errors
from watchword.analysis.urls import split_url
from watchword.config import Settings
from watchword.intel import tlp as tlp_mod
from watchword.intel.scrub import Victims, find_in, scrub_url
from watchword.intel.stix_ids import IdSource, MemoryIds, StoredIds
from watchword.intel.verdicts import MALICIOUS, Stance, stance_for
from watchword.known import warninglists
from watchword.store.counts import NO_COUNTS, campaign_counts
from watchword.store.models import AnalysisRecord, Campaign, Indicator, Report, ReportIndicator
from watchword.store.models_intel import KnownBad, ValueFlag

DEFAULT_TYPES = frozenset(
    {"url", "domain", "ipv4", "ipv6", "email", "md5", "sha1", "sha256", "btc", "eth", "xmr", "iban"}
)
ALL_TYPES = DEFAULT_TYPES | {"phone", "social"}
INTERNAL_SUFFIXES = (".local", ".corp", ".internal", ".lan", ".intranet", ".home.arpa", ".localdomain")
_RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to", "resent-to")


def as_utc(value: dt.datetime | None) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(slots=True)
class SharedIndicator:
    type: str
    value: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    report_count: int  # distinct reports carrying it (in the campaign, or overall for a selection)
    sightings: int  # times reported, repeats included
    sender: bool = False  # seen as a sender-side address of a reported message
    id: int | None = None  # the stored indicator's id (None: an attachment hash no report linked)


@dataclass(slots=True)
class CampaignFacts:
    id: int
    title: str
    approach_type: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    modified: dt.datetime
    report_count: int
    reporter_count: int
    sighting_count: int
    verdict: str | None


@dataclass(slots=True)
class ShareSet:
    org: str
    tlp: str
    campaign: CampaignFacts | None
    indicators: list[SharedIndicator]
    # What the rules held back, by reason, as counts only (shown to the analyst).
    withheld: dict[str, int] = field(default_factory=dict)
    sender_subjects: list[str] = field(default_factory=list)  # raw; redact before use
    # Who was targeted: every rendered export is checked against it (intel.scrub.leak_check).
    victims: Victims = field(default_factory=Victims)
    # How the verdict lets the values go out (intel.verdicts).
    stance: Stance = MALICIOUS
    # Where STIX ids come from: stored from the first export (gather), or in memory.
    ids: IdSource = field(default_factory=MemoryIds)
    # Values an analyst marked false positive that every other rule lets go: MISP only, as such.
    false_positives: list[SharedIndicator] = field(default_factory=list)

    def of_type(self, *types: str) -> list[SharedIndicator]:
        return [i for i in self.indicators if i.type in types]


def is_internal_host(host: str, internal_domains: Iterable[str]) -> bool:
    host = host.lower().strip(".").strip("[]")
    if not host:
        return False
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    if "." not in host:  # a bare intranet name (`fileserver`)
        return True
    if host.endswith(INTERNAL_SUFFIXES):
        return True
    return any(host == d or host.endswith("." + d) for d in internal_domains)


def _addresses_in(header: str) -> set[str]:
    from email.utils import getaddresses

    return {addr.lower() for _, addr in getaddresses([header]) if "@" in addr}


@dataclass(slots=True)
class _People:
    """Addresses of the people on our side: reporters and recipients."""

    addresses: set[str] = field(default_factory=set)
    senders: set[str] = field(default_factory=set)
    subjects: list[str] = field(default_factory=list)
    attachments: dict[str, tuple[int, dt.datetime, dt.datetime]] = field(default_factory=dict)
    victims: Victims = field(default_factory=Victims)

    def scan(self, result: dict[str, Any], created: dt.datetime) -> None:
        self.victims.scan_analysis(result)
        headers = result.get("headers") or {}
        for name in _RECIPIENT_HEADERS:
            self.addresses |= _addresses_in(str(headers.get(name, "")))
        wrapper = result.get("wrapper") or {}
        if wrapper.get("reporter_address"):
            self.addresses.add(str(wrapper["reporter_address"]).lower())
        auth = result.get("auth") or {}
        for key in ("from_address", "reply_to", "return_path"):
            if auth.get(key):
                self.senders.add(str(auth[key]).lower())
        if result.get("subject") and len(self.subjects) < 5:
            self.subjects.append(str(result["subject"]))
        for att in result.get("attachments") or []:
            sha = str(att.get("sha256", "")).lower()
            if len(sha) == 64 and int(att.get("size") or 0) > 0:  # every empty file has one hash
                count, first, last = self.attachments.get(sha, (0, created, created))
                self.attachments[sha] = (count + 1, min(first, created), max(last, created))


def _url_embeds_person(url: str, people: set[str]) -> bool:
    lowered = unquote(url).lower()
    parts = split_url(lowered)
    rest = parts[4] if parts else lowered
    if "@" in rest:
        return True
    for address in people:
        if address in lowered:
            return True
        encoded = base64.b64encode(address.encode()).decode().rstrip("=")
        if encoded[:-2] and encoded[:-2] in url:  # the last chars depend on padding alignment
            return True
    return False


FLAG_REASONS = {"allowlisted": "allowlisted by an analyst", "false_positive": "marked false positive"}


def value_flags(session: Session) -> dict[tuple[str, str], str]:
    """(type, value) -> the analyst's flag (allowlisted or false_positive).

    All of them: the table grows by analysts' clicks, not by reports."""
    out: dict[tuple[str, str], str] = {}
    for typ, value, kind in session.execute(select(ValueFlag.type, ValueFlag.value, ValueFlag.kind)):
        out.setdefault((typ, value), kind)
    return out


def _flag_for(ind: SharedIndicator, flags: dict[tuple[str, str], str]) -> str | None:
    """An analyst's flag on the value, or on a domain it sits under (allowlisting
    `vendor.example` covers `mail.vendor.example` and the URLs on it)."""
    if not flags:
        return None
    flag = flags.get((ind.type, ind.value))
    if flag or ind.type not in ("domain", "url"):
        return flag
    parts = split_url(ind.value) if ind.type == "url" else None
    host = parts[2] if parts else ind.value
    labels = host.lower().split(".")
    for i in range(len(labels) - 1):
        flag = flags.get(("domain", ".".join(labels[i:])))
        if flag:
            return flag
    return None


def _keep(
    ind: SharedIndicator,
    settings: Settings,
    people: _People,
    explicit: bool,
    types: frozenset[str],
    withheld: dict[str, int],
    flags: dict[tuple[str, str], str] | None = None,
    false_positives: list[SharedIndicator] | None = None,
) -> bool:
    def hold(reason: str) -> bool:
        withheld[reason] = withheld.get(reason, 0) + 1
        return False

    if ind.type not in types:
        return hold(f"type {ind.type} not selected")
    internal = settings.internal_domains
    if ind.type in ("domain", "ipv4", "ipv6") and is_internal_host(ind.value, internal):
        return hold("internal host or address")
    # `?u=jane%40corp.com` has been seen extracted as the domain `40corp.com`: a
    # mangled internal domain is still ours, so a plain string suffix is enough.
    if ind.type == "domain" and any(ind.value.endswith(d) for d in internal):
        return hold("internal host or address")
    if ind.type == "url":
        parts = split_url(ind.value)
        if parts and is_internal_host(parts[2], internal):
            return hold("internal host or address")
        if _url_embeds_person(ind.value, people.addresses):
            return hold("URL names a targeted person")
    elif find_in(ind.value, people.victims):
        return hold("names a targeted person")
    if ind.type == "email":
        domain = ind.value.rpartition("@")[2]
        if ind.value in people.addresses:
            return hold("reporter or recipient address")
        if is_internal_host(domain, internal):
            return hold("internal address")
        if not (ind.sender or explicit):
            return hold("address not a sender (select it to share)")
    listed = warninglists.known_legitimate(ind.type, ind.value)
    if listed:
        return hold(f"known legitimate ({listed})")
    flag = _flag_for(ind, flags or {})
    if flag:
        if flag == "false_positive" and false_positives is not None:
            false_positives.append(ind)
        return hold(FLAG_REASONS.get(flag, flag))
    return True


def received_levels(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(type, value) -> the strictest TLP any feed marked that exact value with."""
    out: dict[tuple[str, str], str] = {}
    ordered = sorted(set(pairs))
    for start in range(0, len(ordered), 400):
        chunk = ordered[start : start + 400]
        for typ, value, level in session.execute(
            select(KnownBad.type, KnownBad.value, KnownBad.tlp).where(
                tuple_(KnownBad.type, KnownBad.value).in_(chunk), KnownBad.tlp.is_not(None)
            )
        ):
            if level is None:
                continue
            known = out.get((typ, value))
            out[(typ, value)] = tlp_mod.stricter(known, level) if known else level
    return out


def _within_received_tlp(
    session: Session, rows: list[SharedIndicator], level: str, withheld: dict[str, int]
) -> list[SharedIndicator]:
    """Rows a partner marked more restrictively than this export are held back: re-exporting
    never widens the marking they came under."""
    received = received_levels(session, ((r.type, r.value) for r in rows))
    if not received:
        return rows
    kept = []
    for row in rows:
        theirs = received.get((row.type, row.value))
        if theirs and not tlp_mod.at_most(theirs, level):
            reason = f"received at TLP:{theirs.upper()}, stricter than this export"
            withheld[reason] = withheld.get(reason, 0) + 1
            continue
        kept.append(row)
    return kept


def _scrub_urls(rows: list[SharedIndicator], victims: Victims, withheld: dict[str, int]) -> list[SharedIndicator]:
    """URLs cut before whatever names a targeted person; two URLs cut to the same prefix become one."""
    out: dict[tuple[str, str], SharedIndicator] = {}
    for row in rows:
        if row.type == "url":
            value, cut = scrub_url(row.value, victims)
            if value is None:
                withheld["URL names a targeted person"] = withheld.get("URL names a targeted person", 0) + 1
                continue
            if cut:
                withheld["URL cut before a targeted person"] = withheld.get("URL cut before a targeted person", 0) + 1
                row.value = value
        seen = out.get((row.type, row.value))
        if seen is None:
            out[(row.type, row.value)] = row
        else:
            seen.first_seen, seen.last_seen = min(seen.first_seen, row.first_seen), max(seen.last_seen, row.last_seen)
            seen.report_count = max(seen.report_count, row.report_count)
            seen.sightings = max(seen.sightings, row.sightings)
    return list(out.values())


def _victims_of_selection(session: Session, indicator_ids: set[int], people: _People) -> None:
    """The people targeted by the reports that carry a selection of indicators (newest 2,000)."""
    for (result,) in session.execute(
        select(AnalysisRecord.result)
        .join(ReportIndicator, ReportIndicator.report_id == AnalysisRecord.report_id)
        .where(ReportIndicator.indicator_id.in_(indicator_ids))
        .order_by(AnalysisRecord.report_id.desc())
        .limit(2000)
    ):
        people.victims.scan_analysis(result)


def _finish_victims(victims: Victims, settings: Settings) -> None:
    """Our own domains are ours to hide; a recipient at a free-mail provider or any
    other well-known domain does not make that domain identifying."""
    domains = {d for d in victims.domains if "." in d and not warninglists.known_legitimate("domain", d)}
    victims.domains = set()
    for domain in domains | set(settings.internal_domains):
        victims.add_domain(domain)
    # Our organisation's name is in every export by design (the producer identity).
    victims.words -= {w.lower() for w in settings.org_name.replace("-", " ").split()}


def gather(
    session: Session,
    settings: Settings,
    *,
    campaign_id: int | None = None,
    indicator_ids: Iterable[int] | None = None,
    tlp: str | None = None,
    types: Iterable[str] | None = None,
    unreviewed: bool = False,
) -> ShareSet:
    """The shareable indicators of a campaign, or of an explicit selection of indicator ids.

    A campaign's verdict decides whether and how it goes (intel.verdicts; raises
    ExportRefused); `unreviewed` asks explicitly for one no analyst has judged yet."""
    level = tlp_mod.normalise(tlp or settings.default_tlp)
    explicit_ids = set(indicator_ids or ())
    wanted = frozenset(types) & ALL_TYPES if types else DEFAULT_TYPES
    if explicit_ids and not types:
        wanted = ALL_TYPES  # the analyst picked each one
    people = _People()
    stance = MALICIOUS  # an analyst's own selection of indicators
    facts: CampaignFacts | None = None
    rows: list[SharedIndicator] = []
    if campaign_id is not None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise errors.NotFound(f"campaign {campaign_id} does not exist")
        stance = stance_for(campaign.verdict, campaign.approach_type, unreviewed=unreviewed)
        in_campaign = (Report.campaign_id == campaign_id) & (Report.scope == "in_scope")
        for result, created in session.execute(
            select(AnalysisRecord.result, Report.created_at)
            .join(Report, Report.id == AnalysisRecord.report_id)
            .where(in_campaign)
        ).yield_per(500):
            people.scan(result, as_utc(created))
        query = (
            select(
                Indicator.id,
                Indicator.type,
                Indicator.value,
                func.min(Report.created_at),
                func.max(Report.last_sighted_at),
                func.count(Report.id),
                func.sum(Report.sightings),
            )
            .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
            .join(Report, Report.id == ReportIndicator.report_id)
            .where(in_campaign)
            .group_by(Indicator.id, Indicator.type, Indicator.value)
            .order_by(Indicator.type, Indicator.value)
        )
        if explicit_ids:
            query = query.where(Indicator.id.in_(explicit_ids))
        for ind_id, typ, value, first, last, count, sightings in session.execute(query):
            rows.append(
                SharedIndicator(typ, value, as_utc(first), as_utc(last), int(count), int(sightings or 0), id=ind_id)
            )
        if not explicit_ids:
            for sha, (count, first, last) in people.attachments.items():
                if not any(r.type == "sha256" and r.value == sha for r in rows):
                    rows.append(SharedIndicator("sha256", sha, first, last, count, count))
        counts = campaign_counts(session, [campaign.id]).get(campaign.id, NO_COUNTS)
        facts = CampaignFacts(
            id=campaign.id,
            title=campaign.title or f"Campaign {campaign.id}",
            approach_type=campaign.approach_type,
            first_seen=as_utc(campaign.first_seen),
            last_seen=as_utc(campaign.last_seen),
            modified=max(as_utc(campaign.last_seen), as_utc(campaign.verdict_at), as_utc(campaign.first_seen)),
            report_count=counts.reports,
            reporter_count=counts.people,
            sighting_count=counts.sightings,
            verdict=campaign.verdict,
        )
    elif explicit_ids:
        _victims_of_selection(session, explicit_ids, people)
        for ind in session.scalars(select(Indicator).where(Indicator.id.in_(explicit_ids))):
            rows.append(
                SharedIndicator(
                    ind.type,
                    ind.value,
                    as_utc(ind.first_seen),
                    as_utc(ind.last_seen),
                    ind.report_count,
                    ind.report_count,
                    id=ind.id,
                )
            )
    else:
        raise errors.Invalid("export what? give a campaign or indicator ids")
    for row in rows:
        row.sender = row.type == "email" and row.value in people.senders
        if row.last_seen < row.first_seen:
            row.last_seen = row.first_seen
    withheld: dict[str, int] = {}
    _finish_victims(people.victims, settings)
    rows = _within_received_tlp(session, rows, level, withheld)  # on the values as received, before any cut
    rows = _scrub_urls(rows, people.victims, withheld)
    flags = value_flags(session)
    false_positives: list[SharedIndicator] = []
    kept = [r for r in rows if _keep(r, settings, people, bool(explicit_ids), wanted, withheld, flags, false_positives)]
    return ShareSet(
        org=settings.org_name,
        tlp=level,
        campaign=facts,
        indicators=kept,
        withheld=withheld,
        sender_subjects=people.subjects,
        victims=people.victims,
        stance=stance,
        ids=StoredIds(session),
        false_positives=false_positives,
    )
