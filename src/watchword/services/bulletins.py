"""Awareness bulletins: drafted from a campaign, edited and published by an analyst.

The use cases the CLI, the console and the public pages share:
  draft_from_campaign -> update -> publish (-> withdraw), and the public reads
  published(), get_published(), render_markdown(), atom_feed().

Everything taken from reports into a draft (subjects, an excerpt, the sender's
display name, the campaign title) goes through security.redaction with the
campaign's reporters and recipients as known names. Publishing checks the
final text again and refuses a leak unless the analyst forces it; each step
writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import xml.etree.ElementTree as ET  # building XML only; nothing untrusted is parsed
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchword import errors
from watchword.config import Settings
from watchword.domain.states import BulletinStatus
from watchword.intel.selection import ShareSet, gather
from watchword.security.redaction import RedactionContext, defang, find_leaks, is_internal_host, redact
from watchword.services.render import defang as defang_text
from watchword.store import audit
from watchword.store.counts import NO_COUNTS, campaign_counts
from watchword.store.models import AnalysisRecord, Campaign, Report, utcnow
from watchword.store.models_intel import Bulletin

MAX_CONTEXT_REPORTS = 2000  # reports whose people are gathered as known names
EXCERPT_CHARS = 600

APPROACH_TEXT: dict[str, tuple[str, list[str], list[str]]] = {
    # approach type -> (what it is, how to recognise it, what to do)
    "credential_phishing": (
        "messages that try to get you to enter your password on a fake sign-in page",
        [
            "A link to a sign-in page that is not on our usual address",
            "Urgency: an account about to be closed, a document waiting, a failed delivery",
        ],
        [
            "Do not enter your password through a link in a message; open the service yourself",
            "If you already entered it, change it at once and tell the security team",
        ],
    ),
    "malware_delivery": (
        "messages carrying an attachment or a download link that installs malicious software",
        [
            "An unexpected attachment (archive, document asking to enable content, shortcut file)",
            "A download link for an invoice, a CV or a document you did not ask for",
        ],
        [
            "Do not open the attachment or the link",
            "If you opened it, disconnect from the network and call the security team",
        ],
    ),
    "invoice_or_payment_fraud": (
        "requests to pay an invoice or change a supplier's bank details",
        [
            "New bank details, or a payment that must be made today",
            "A sender address slightly different from the supplier's usual one",
        ],
        ["Check any change of bank details by phone, on a number you already had", "Do not pay before checking"],
    ),
    "fake_recruitment": (
        "job, headhunting, consulting or research offers from people who are not who they say they are",
        [
            "A flattering offer out of the blue, often well paid and for little work",
            "Questions about your current work, projects or colleagues early in the conversation",
            "A move quickly to private email, messaging apps or a paid trip",
        ],
        [
            "Do not share details of your work, projects or colleagues",
            "Stop replying and report the contact, even if you already answered",
        ],
    ),
    "elicitation": (
        "conversations that steer towards sensitive or non-public information",
        [
            "Friendly questions that keep coming back to your work, access or colleagues",
            "Flattery, a shared interest or a favour that comes before the questions",
        ],
        ["Do not answer questions about non-public work", "Report the contact, with what was asked"],
    ),
    "inducement": (
        "offers of gifts, money, paid travel or favours in exchange for help or information",
        ["A gift or payment out of proportion to what is asked", "Requests to keep the offer private"],
        ["Do not accept", "Report the offer, even if you declined it"],
    ),
    "fake_profile_or_impersonation": (
        "fake profiles or messages impersonating colleagues, partners or officials",
        ["A familiar name with an unusual address or a new account", "Requests that skip the usual process"],
        ["Check the person through a channel you already know", "Report the profile or message"],
    ),
    "technical_surveillance": (
        "found devices, USB drops or signs of tampering",
        ["A USB stick, charger or device left where you would find it", "Equipment that looks opened or changed"],
        ["Do not plug in or switch on what you found", "Leave it where it is and call the security team"],
    ),
    "physical_approach": (
        "visitors, tailgating, photography or being followed",
        ["Someone trying to enter behind you or without a badge", "Unusual interest in our sites or in you"],
        ["Do not hold doors for people you do not know", "Report what happened, with time and place"],
    ),
    "extortion": (
        "threats demanding money or information",
        ["A threat to publish something about you unless you pay or act", "A deadline and a payment address"],
        ["Do not pay and do not reply", "Report it; you are not in trouble for doing so"],
    ),
    "scam_or_spam": (
        "scams and unwanted mail",
        ["Too good to be true, or a request for a small payment"],
        ["Delete it, or report it if unsure"],
    ),
}
_GENERIC = (
    "suspicious approaches",
    ["Something unexpected that asks you to act quickly"],
    ["Do not reply or click; report it"],
)


class BulletinError(errors.Invalid):
    """A refusal whose message is safe to show to the analyst."""


class BulletinNotFound(errors.NotFound, BulletinError):
    pass


class BulletinConflict(errors.Conflict, BulletinError):
    pass


class LeakFound(errors.Refused, BulletinError):
    def __init__(self, leaks: dict[str, int]) -> None:
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(leaks.items()))
        super().__init__(f"The bulletin still contains: {found}. Edit it, or publish with force.")
        self.leaks = leaks


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return utcnow()
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].rstrip("-") or "bulletin"


def campaign_context(session: Session, settings: Settings, campaign_id: int) -> RedactionContext:
    results = session.scalars(
        select(AnalysisRecord.result)
        .join(Report, Report.id == AnalysisRecord.report_id)
        .where(Report.campaign_id == campaign_id)
        .order_by(Report.id.desc())
        .limit(MAX_CONTEXT_REPORTS)
    )
    return RedactionContext.from_analyses(results, settings.internal_domains, settings.bulletin_allowed_contacts)


def share_for_export(
    session: Session,
    settings: Settings,
    *,
    campaign_id: int | None = None,
    indicator_ids: Sequence[int] | None = None,
    tlp: str | None = None,
    types: Sequence[str] | None = None,
    unreviewed: bool = False,
) -> tuple[ShareSet, str | None]:
    """What an export carries, with its free text redacted: (share, subject for the MISP email object).

    The indicators are filtered by intel.selection; the campaign title (often
    built from a subject line: "Job offer for Jane") and the subject are text
    from reports, so they go through the same redaction as a bulletin.
    """
    share = gather(
        session,
        settings,
        campaign_id=campaign_id,
        indicator_ids=indicator_ids,
        tlp=tlp,
        types=types,
        unreviewed=unreviewed,
    )
    ctx = (
        campaign_context(session, settings, campaign_id)
        if campaign_id is not None
        else RedactionContext(internal_domains=settings.internal_domains)
    )
    if share.campaign is not None:
        share.campaign.title = redact(share.campaign.title, ctx).text
    subject = redact(share.sender_subjects[0], ctx).text if share.sender_subjects else None
    return share, subject


def _representative(session: Session, campaign: Campaign) -> dict[str, Any] | None:
    report_id = campaign.representative_report_id
    if report_id is None:
        report_id = session.scalar(
            select(Report.id)
            .where(Report.campaign_id == campaign.id, Report.scope == "in_scope")
            .order_by(Report.sightings.desc(), Report.id)
            .limit(1)
        )
    record = session.get(AnalysisRecord, report_id) if report_id is not None else None
    return record.result if record is not None else None


# Markdown syntax in a reported value: links, autolinks, images, emphasis, code,
# entities. A Subject such as "[Review](//files-review%2Eonline/login)" must reach
# readers as those characters, not as a live link from the security team.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]()<>!&#~|{}])")
_LINE_START_SYNTAX = re.compile(r"(?m)^(\s*)(\d*)([-+=>.)])")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def reported_text(text: str) -> str:
    """Reported words as Markdown that renders exactly as those words: defanged, every piece of
    syntax escaped, so nothing in them becomes a link or markup in a bulletin or its feed."""
    escaped = _MARKDOWN_SYNTAX.sub(r"\\\1", defang_text(text))
    # A list marker or heading underline at the start of a line ("1." too): escaped.
    return _LINE_START_SYNTAX.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), escaped)


def _code(value: object) -> str:
    # Inside a code span nothing is syntax, except a backtick that would end it.
    return defang(" ".join(str(value).replace("`", "'").split()))


def unescaped(markdown: str) -> str:
    """Markdown without its backslash escapes: what the leak check reads."""
    return _ESCAPED.sub(r"\1", markdown)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _draft_text(session: Session, campaign: Campaign, ctx: RedactionContext) -> tuple[str, str, str, dict[str, int]]:
    """(title, summary, markdown body, redaction counts) for a campaign."""
    counts: dict[str, int] = {}

    def clean(text: str) -> str:
        result = redact(text, ctx)
        for kind, n in result.counts.items():
            counts[kind] = counts.get(kind, 0) + n
        return reported_text(result.text)

    what, recognise, todo = APPROACH_TEXT.get(campaign.approach_type, _GENERIC)
    label = campaign.approach_type.replace("_", " ") if campaign.approach_type in APPROACH_TEXT else "suspicious"
    reported = campaign_counts(session, [campaign.id]).get(campaign.id, NO_COUNTS)  # the one definition
    title = f"Warning: {label} approach reported by {_plural(reported.people or 1, 'colleague', 'colleagues')}"
    first, last = _aware(campaign.first_seen), _aware(campaign.last_seen)
    summary = f"Since {first:%d %B %Y} colleagues have reported {what}. Here is how to recognise them and what to do."
    result = _representative(session, campaign) or {}
    raw_subjects = session.scalars(
        select(Report.subject).where(Report.campaign_id == campaign.id, Report.subject != "").limit(20)
    )
    # Deduplicated after redaction: "Offer for Jane" and "Offer for Bob" are one line.
    subjects = list(dict.fromkeys(clean(s) for s in raw_subjects))[:3]
    lines = [f"**What is happening.** {summary}", "", "## What it looks like", ""]
    for subject in subjects:
        lines.append(f"- Subject line: “{subject}”")
    auth = result.get("auth") or {}
    if auth.get("from_domain") and not is_internal_host(str(auth["from_domain"]), ctx.internal_domains):
        # (Sent from one of our own domains, a spoofed or compromised colleague: the domain is ours
        # and names the targets; the excerpt and the recognise-it list still say what to look for.)
        lines.append(
            f"- It comes from an address at `{_code(auth['from_domain'])}`"
            + (f", made to look like `{_code(auth['lookalike_of'])}`" if auth.get("lookalike_of") else "")
        )
    if auth.get("display_name_claims"):
        lines.append(f"- The sender's name shows “{clean(str(auth['display_name_claims']))}”")
    body = str(result.get("body_text") or "").strip()
    if body:
        excerpt = clean(body[: EXCERPT_CHARS * 2])[:EXCERPT_CHARS].rstrip()
        if len(body) > EXCERPT_CHARS:
            excerpt += " …"
        lines += ["", "An excerpt, with names and addresses removed:", ""]
        lines += ["> " + (line or "") for line in excerpt.splitlines() if line.strip()]
    lines += ["", "## How to recognise it", ""]
    lines += [f"- {item}" for item in recognise]
    if auth.get("reply_to_mismatch"):
        lines.append("- Replies go to a different address than the one it was sent from")
    if auth.get("display_name_spoof"):
        lines.append("- The sender's name does not match the sending address")
    if any(link.get("mismatch") for link in result.get("links") or []):
        lines.append("- Links whose text shows one address but lead to another")
    lines += ["", "## What to do", ""]
    lines += [f"- {item}" for item in todo]
    lines.append("- Report anything like it through Watchword; every report helps us warn others")
    lines += ["", "## How many were targeted", ""]
    lines.append(
        f"{_plural(reported.people or 1, 'person has', 'people have')} reported "
        f"{_plural(campaign.report_count or 1, 'message', 'distinct messages')} of this kind "
        f"({_plural(reported.sightings or 1, 'report', 'reports')} in all), "
        f"between {first:%d %B %Y} and {last:%d %B %Y}."
    )
    return title, summary, "\n".join(lines) + "\n", counts


def draft_from_campaign(session: Session, settings: Settings, campaign_id: int, actor: str) -> Bulletin:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise BulletinNotFound(f"No campaign {campaign_id}.")
    ctx = campaign_context(session, settings, campaign_id)
    title, summary, body, counts = _draft_text(session, campaign, ctx)
    bulletin = Bulletin(
        campaign_id=campaign_id,
        slug=f"{slugify(title)}-{secrets.token_hex(3)}",
        title=title[:300],
        summary=summary[:500],
        body_md=body,
        status=BulletinStatus.DRAFT,
        created_by=actor,
        redactions=counts,
    )
    session.add(bulletin)
    session.flush()
    audit.record(
        session, actor, "bulletin.draft", "bulletin", bulletin.id, {"campaign_id": campaign_id, "redactions": counts}
    )
    return bulletin


def get(session: Session, bulletin_id: int) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise BulletinNotFound(f"No bulletin {bulletin_id}.")
    return bulletin


def update(
    session: Session,
    bulletin_id: int,
    actor: str,
    *,
    title: str | None = None,
    summary: str | None = None,
    body_md: str | None = None,
) -> Bulletin:
    bulletin = get(session, bulletin_id)
    if bulletin.status == BulletinStatus.WITHDRAWN:
        raise BulletinConflict("A withdrawn bulletin cannot be edited.")
    changed: list[str] = []
    if title is not None and title.strip():
        bulletin.title, changed = title.strip()[:300], [*changed, "title"]
    if summary is not None:
        bulletin.summary, changed = summary.strip()[:500], [*changed, "summary"]
    if body_md is not None:
        bulletin.body_md, changed = body_md, [*changed, "body"]
    bulletin.updated_at = utcnow()
    audit.record(session, actor, "bulletin.edit", "bulletin", bulletin.id, {"changed": changed})
    return bulletin


def leaks(session: Session, settings: Settings, bulletin: Bulletin) -> dict[str, int]:
    ctx = (
        campaign_context(session, settings, bulletin.campaign_id)
        if bulletin.campaign_id is not None
        else RedactionContext(
            internal_domains=settings.internal_domains, allowed=frozenset(settings.bulletin_allowed_contacts)
        )
    )
    # Read without Markdown escapes: "jane\\.doe" is still an address.
    return find_leaks(unescaped("\n".join([bulletin.title, bulletin.summary, bulletin.body_md])), ctx)


@dataclass(frozen=True, slots=True)
class Preview:
    """What readers would see of a text, and what the publish check would still refuse in it."""

    title: str
    summary: str
    body_md: str
    body_html: str
    leaks: dict[str, int]


def preview(
    session: Session, settings: Settings, bulletin_id: int, *, title: str, summary: str, body_md: str
) -> Preview:
    """The bulletin as it would read with this text, nothing saved: the console's Preview button."""
    bulletin = get(session, bulletin_id)
    # A transient copy (never added to the session): the leak check reads the text being edited.
    draft = Bulletin(
        campaign_id=bulletin.campaign_id,
        title=title.strip()[:300] or bulletin.title,
        summary=summary.strip()[:500],
        body_md=body_md,
    )
    return Preview(draft.title, draft.summary, body_md, render_markdown(body_md), leaks(session, settings, draft))


def publish(session: Session, settings: Settings, bulletin_id: int, actor: str, force: bool = False) -> Bulletin:
    """Publish: refused while the text still holds an address, a phone, an internal host or a known name."""
    bulletin = get(session, bulletin_id)
    if bulletin.status == BulletinStatus.WITHDRAWN:
        raise BulletinConflict("A withdrawn bulletin cannot be published again; draft a new one.")
    if not settings.public_base_url:
        # Its links and the feed's are absolute, and come from the configuration only.
        raise BulletinError(
            "Publishing needs WATCHWORD_PUBLIC_BASE_URL (this server's public address, for the "
            "bulletin's links and the Atom feed); it is not set."
        )
    found = leaks(session, settings, bulletin)
    if found and not force:
        raise LeakFound(found)
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.published_by = actor
    bulletin.published_at = bulletin.published_at or utcnow()
    bulletin.updated_at = utcnow()
    audit.record(session, actor, "bulletin.publish", "bulletin", bulletin.id, {"forced_over": found})
    return bulletin


def withdraw(session: Session, bulletin_id: int, actor: str) -> Bulletin:
    bulletin = get(session, bulletin_id)
    bulletin.status = BulletinStatus.WITHDRAWN
    bulletin.updated_at = utcnow()
    audit.record(session, actor, "bulletin.withdraw", "bulletin", bulletin.id)
    return bulletin


def listing(session: Session, status: str | None = None, limit: int = 100) -> list[Bulletin]:
    query = select(Bulletin).order_by(Bulletin.id.desc()).limit(limit)
    if status:
        query = query.where(Bulletin.status == status)
    return list(session.scalars(query))


def published(session: Session, limit: int = 50) -> list[Bulletin]:
    return list(
        session.scalars(
            select(Bulletin)
            .where(Bulletin.status == BulletinStatus.PUBLISHED)
            .order_by(Bulletin.published_at.desc())
            .limit(limit)
        )
    )


def get_published(session: Session, slug: str) -> Bulletin | None:
    return session.scalar(select(Bulletin).where(Bulletin.slug == slug, Bulletin.status == BulletinStatus.PUBLISHED))


# -- rendering -----------------------------------------------------------------------------

# Raw HTML in the Markdown is not rendered at all ("html": False); the sanitiser
# then allows only these tags, no images (nothing loads from elsewhere), and
# links only to http(s) and mailto, marked nofollow.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "br",
    "hr",
}


def render_markdown(text: str) -> str:
    html = _MD.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _rfc3339(value: dt.datetime | None) -> str:
    return _aware(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(bulletins: Sequence[Bulletin], base_url: str, org: str) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of published bulletins; content is the sanitised HTML."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    base = base_url.rstrip("/")
    sub(feed, "id", f"{base}/bulletins/")
    sub(feed, "title", f"{org} security bulletins")
    sub(feed, "subtitle", "Plain-language warnings about approaches reported to the security team.")
    sub(feed, "updated", _rfc3339(max((b.updated_at for b in bulletins), default=None, key=_aware)))
    sub(feed, "link", rel="self", href=f"{base}/bulletins/feed.atom", type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=f"{base}/bulletins", type="text/html")
    author = sub(feed, "author")
    sub(author, "name", org)
    for bulletin in bulletins:
        entry = sub(feed, "entry")
        url = f"{base}/bulletins/{bulletin.slug}"
        sub(entry, "id", url)
        sub(entry, "title", bulletin.title)
        sub(entry, "link", rel="alternate", href=url, type="text/html")
        sub(entry, "published", _rfc3339(bulletin.published_at))
        sub(entry, "updated", _rfc3339(bulletin.updated_at))
        if bulletin.summary:
            sub(entry, "summary", bulletin.summary)
        sub(entry, "content", render_markdown(bulletin.body_md), type="html")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
