"""Sharing commands: `export`, `feeds`, `taxii`, `bulletin`. A thin shell over
watchword.intel and services.bulletins; the help text is the documentation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from watchword import errors
from watchword.cli.app import app
from watchword.cli.errors import Typer

export_app = Typer(
    help="Export a campaign's (or chosen) indicators: STIX 2.1, MISP event or feed, CSV, blocklists.",
    no_args_is_help=True,
)
feeds_app = Typer(
    help="Known-bad indicator feeds in (STIX, MISP event or feed, CSV) and retro-hunts.", no_args_is_help=True
)
taxii_app = Typer(help="The TAXII 2.1 server's collections at /taxii2/.", no_args_is_help=True)
bulletin_app = Typer(
    help="Awareness bulletins: draft from a campaign, edit, publish (/bulletins).", no_args_is_help=True
)
app.add_typer(export_app, name="export")
app.add_typer(feeds_app, name="feeds")
app.add_typer(taxii_app, name="taxii")
app.add_typer(bulletin_app, name="bulletin")

ACTOR = "cli"
TlpOpt = Annotated[
    str | None,
    typer.Option("--tlp", help="clear | green | amber | amber+strict | red (default WATCHWORD_DEFAULT_TLP)."),
]
TypesOpt = Annotated[
    list[str] | None,
    typer.Option("--type", help="Share only these indicator types; phone and social are shared only when named here."),
]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")]
UnreviewedOpt = Annotated[
    bool, typer.Option("--unreviewed", help="Export a campaign no analyst has given a verdict yet, marked unreviewed.")
]
IdsOpt = Annotated[
    list[int] | None, typer.Option("--indicator", help="Indicator ids to export (instead of a whole campaign).")
]


def _export(
    fmt: str,
    campaign: int | None,
    ids: list[int] | None,
    tlp: str | None,
    types: list[str] | None,
    output: Path | None,
    unreviewed: bool = False,
) -> None:
    from watchword.intel.formats import render
    from watchword.runtime import open_runtime
    from watchword.services.bulletins import share_for_export
    from watchword.store import audit

    if campaign is None and not ids:
        raise errors.Invalid("Name a campaign, or --indicator ids.")
    with open_runtime() as rt, rt.db.write() as session:
        share, subject = share_for_export(
            session, rt.settings, campaign_id=campaign, indicator_ids=ids, tlp=tlp, types=types, unreviewed=unreviewed
        )
        body, _media = render(share, fmt, subject)
        audit.record(
            session,
            ACTOR,
            "intel.export",
            "campaign" if campaign else "indicators",
            campaign or "",
            {"format": fmt, "tlp": share.tlp, "indicators": len(share.indicators)},
        )
    if output:
        output.write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body)
    held = ", ".join(f"{n} {why}" for why, n in sorted(share.withheld.items()))
    typer.echo(
        f"{len(share.indicators)} indicators at TLP:{share.tlp.upper()}" + (f"; withheld: {held}" if held else ""),
        err=True,
    )


@export_app.command("stix")
def export_stix(
    campaign: Annotated[int | None, typer.Argument()] = None,
    ids: IdsOpt = None,
    tlp: TlpOpt = None,
    types: TypesOpt = None,
    output: OutOpt = None,
    unreviewed: UnreviewedOpt = False,
) -> None:
    """A STIX 2.1 bundle: Identity, TLP 2.0 marking, Campaign, Indicators, SCOs, relationships, Sightings."""
    _export("stix.json", campaign, ids, tlp, types, output, unreviewed)


@export_app.command("misp")
def export_misp(
    campaign: Annotated[int | None, typer.Argument()] = None,
    ids: IdsOpt = None,
    tlp: TlpOpt = None,
    types: TypesOpt = None,
    output: OutOpt = None,
    unreviewed: UnreviewedOpt = False,
) -> None:
    """A MISP event (JSON): attributes, email object, sightings, TLP and approach-type tags."""
    _export("misp.json", campaign, ids, tlp, types, output, unreviewed)


@export_app.command("csv")
def export_csv(
    campaign: Annotated[int | None, typer.Argument()] = None,
    ids: IdsOpt = None,
    tlp: TlpOpt = None,
    types: TypesOpt = None,
    output: OutOpt = None,
    unreviewed: UnreviewedOpt = False,
) -> None:
    """CSV with a header row: type, value, first_seen, last_seen, report_count, tlp, campaign, verdict."""
    _export("csv", campaign, ids, tlp, types, output, unreviewed)


@export_app.command("blocklist")
def export_blocklist(
    kind: Annotated[str, typer.Argument(help="urls | domains | ips | senders | hashes")],
    campaign: Annotated[int | None, typer.Argument()] = None,
    ids: IdsOpt = None,
    tlp: TlpOpt = None,
    output: OutOpt = None,
) -> None:
    """A plain one-per-line blocklist for mail gateways and proxies (TLP in # comments on top)."""
    from watchword.intel.blocklists import BLOCKLIST_KINDS

    if kind not in BLOCKLIST_KINDS:
        raise errors.Invalid(f"Unknown blocklist {kind!r}; one of {', '.join(BLOCKLIST_KINDS)}.")
    _export(f"{kind}.txt", campaign, ids, tlp, None, output)


@export_app.command("misp-feed")
def export_misp_feed(
    out: Annotated[Path, typer.Option("--out", help="The feed directory (created if missing).")],
    campaigns: Annotated[
        list[int] | None,
        typer.Option("--campaign", help="Only these campaigns (default: every malicious or suspicious one)."),
    ] = None,
    tlp: TlpOpt = None,
) -> None:
    """A MISP feed a MISP instance can subscribe to: manifest.json, hashes.csv, one <uuid>.json per event.

    One event per campaign an analyst judged malicious or suspicious; a campaign its verdict
    or the leak check keeps back is named on standard error and left out."""
    from watchword.runtime import open_runtime
    from watchword.services.sharing import export_misp_feed as write_feed

    with open_runtime() as rt, rt.db.write() as session:
        feed = write_feed(session, rt.settings, out, ACTOR, campaign_ids=campaigns, tlp=tlp)
    for campaign_id, why in sorted(feed.left_out.items()):
        typer.echo(f"campaign {campaign_id} left out: {why}", err=True)
    typer.echo(
        f"{len(feed.events)} events in {out} (campaigns {', '.join(map(str, feed.campaigns)) or 'none'})"
        + (f"; {len(feed.removed)} no longer shared removed" if feed.removed else "")
    )


@feeds_app.command("import")
def feeds_import(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="STIX bundle, MISP event JSON, MISP feed directory (manifest.json + <uuid>.json) or CSV/list file.",
        ),
    ],
    source: Annotated[str, typer.Option(help="Who the feed comes from (shown with every match).")],
    confidence: Annotated[int, typer.Option(min=0, max=100, help="Confidence for entries that carry none.")] = 50,
    hunt: Annotated[str, typer.Option(help="now | queue (for the worker) | skip")] = "now",
    tlp: Annotated[
        str | None,
        typer.Option("--tlp", help="The TLP the source shared the file under (entries marked stricter keep theirs)."),
    ] = None,
) -> None:
    """Import known-bad indicators, then retro-hunt them over every stored report."""
    from watchword.intel.retrohunt import import_feed
    from watchword.runtime import open_runtime

    if hunt not in ("now", "queue", "skip"):
        raise errors.Invalid("--hunt is now, queue or skip.")
    with open_runtime() as rt:
        try:
            batch, hunted = import_feed(rt.db, path, source, confidence, ACTOR, hunt, tlp)
        except (ValueError, OSError) as exc:
            raise errors.Invalid(f"Cannot import {path}: {exc}") from exc
    typer.echo(
        f"batch {batch.id}: {batch.indicator_count} indicators from {source} ({batch.format}), "
        f"{batch.skipped} entries skipped"
    )
    if hunted:
        typer.echo(
            f"retro-hunt: {hunted.matches} new matches in {hunted.reports} reports; "
            f"campaigns raised: {hunted.campaigns or 'none'} ({hunted.seconds:.2f} s)"
        )


@feeds_app.command("retrohunt")
def feeds_retrohunt(batch: Annotated[int | None, typer.Option(help="Only this import batch.")] = None) -> None:
    """Run the retro-hunt again (all known-bad indicators, or one batch)."""
    from watchword.intel.retrohunt import retrohunt
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.write() as session:
        hunted = retrohunt(session, batch, actor=ACTOR)
    typer.echo(
        f"{hunted.matches} new matches in {hunted.reports} reports; campaigns raised: "
        f"{hunted.campaigns or 'none'} ({hunted.seconds:.2f} s)"
    )


@feeds_app.command("list")
def feeds_list() -> None:
    """Known-bad indicators by source."""
    from watchword.intel.feeds import iter_sources
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.session() as session:
        for source, count in iter_sources(session):
            typer.echo(f"{count:>10}  {source}")


@feeds_app.command("pull")
def feeds_pull(
    feed: Annotated[str | None, typer.Option("--feed", help="Only this configured feed (its name).")] = None,
) -> None:
    """Pull the remote feeds of WATCHWORD_FEEDS_FILE (TAXII 2.1 collections, MISP feeds) now.

    Only what is new since the last pull is fetched; the retro-hunt of what came in is queued for the worker."""
    from watchword.intel.pull import load_feeds, pull_all
    from watchword.runtime import open_runtime

    with open_runtime() as rt:
        if not load_feeds(rt.settings):
            raise errors.Invalid("No feeds are configured: set WATCHWORD_FEEDS_FILE (see docs/taxii.md).")
        results = pull_all(rt.db, rt.settings, only=feed, actor=ACTOR)
    failed = False
    for r in results:
        state = "complete" if r.complete else f"incomplete: {r.error}"
        typer.echo(
            f"{r.name} ({r.kind}): {r.fetched} fetched, {r.indicators} indicators in batches "
            f"{', '.join(map(str, r.batches)) or 'none'}, {r.withdrawn} withdrawn, "
            f"{r.bytes} bytes in {r.seconds:.2f} s; {state}"
        )
        failed = failed or r.failed
    if failed:
        raise errors.Unavailable("At least one feed could not be pulled (see above).")


@feeds_app.command("pulled")
def feeds_pulled() -> None:
    """Where each remote feed's pulls got to: last run, last success, position, last error."""
    from watchword.intel.pull import pull_states
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.session() as session:
        for row in pull_states(session):
            position = row.cursor or f"{len(row.state or {})} events"
            typer.echo(f"{row.name}\t{row.kind}\t{row.last_run_at}\t{row.last_ok_at}\t{position}\t{row.last_error}")


@taxii_app.command("publish")
def taxii_publish(campaign: int, tlp: TlpOpt = None, types: TypesOpt = None) -> None:
    """Publish a campaign's STIX objects to the TAXII collection of its TLP level."""
    from watchword.intel import taxii
    from watchword.runtime import open_runtime
    from watchword.services.bulletins import share_for_export

    with open_runtime() as rt:
        with rt.db.write() as session:
            share, _subject = share_for_export(session, rt.settings, campaign_id=campaign, tlp=tlp, types=types)
            added = taxii.publish(session, share, ACTOR, rt.settings.taxii_max_tlp)
        collection = taxii.collection_for_level(rt.settings.org_name, share.tlp, rt.settings.taxii_max_tlp)
    typer.echo(f"{added} new object versions in collection {collection.id} ({collection.title})")


@taxii_app.command("collections")
def taxii_collections() -> None:
    """The collections the server offers: one per TLP level up to WATCHWORD_TAXII_MAX_TLP (never RED)."""
    from watchword.config import Settings
    from watchword.intel import taxii

    settings = Settings.from_env()
    for collection in taxii.collections(settings.org_name, settings.taxii_max_tlp):
        typer.echo(f"{collection.id}  {collection.title}")


@bulletin_app.command("draft")
def bulletin_draft(campaign: int) -> None:
    """Draft a plain-language bulletin from a campaign (names, addresses, phones, internal hosts redacted)."""
    from watchword.runtime import open_runtime
    from watchword.services import bulletins

    with open_runtime() as rt, rt.db.write() as session:
        bulletin = bulletins.draft_from_campaign(session, rt.settings, campaign, ACTOR)
        typer.echo(f"bulletin {bulletin.id} drafted ({bulletin.redactions or 'nothing redacted'}):\n")
        typer.echo(f"# {bulletin.title}\n\n{bulletin.body_md}")


@bulletin_app.command("edit")
def bulletin_edit(
    bulletin_id: int,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    summary: Annotated[str | None, typer.Option(help="New one-line summary.")] = None,
    body_file: Annotated[Path | None, typer.Option(exists=True, help="Markdown file with the new body.")] = None,
) -> None:
    """Change a bulletin's title, summary or body."""
    from watchword.runtime import open_runtime
    from watchword.services import bulletins

    body = body_file.read_text(encoding="utf-8") if body_file else None
    with open_runtime() as rt, rt.db.write() as session:
        bulletins.update(session, bulletin_id, ACTOR, title=title, summary=summary, body_md=body)
    typer.echo(f"bulletin {bulletin_id} updated")


@bulletin_app.command("publish")
def bulletin_publish(
    bulletin_id: int,
    force: Annotated[bool, typer.Option(help="Publish although the leak check still finds something.")] = False,
) -> None:
    """Publish a bulletin on /bulletins and in the Atom feed, after a last leak check."""
    from watchword.runtime import open_runtime
    from watchword.services import bulletins

    with open_runtime() as rt, rt.db.write() as session:
        bulletin = bulletins.publish(session, rt.settings, bulletin_id, ACTOR, force=force)
        typer.echo(f"published: /bulletins/{bulletin.slug}")


@bulletin_app.command("withdraw")
def bulletin_withdraw(bulletin_id: int) -> None:
    """Take a published bulletin down."""
    from watchword.runtime import open_runtime
    from watchword.services import bulletins

    with open_runtime() as rt, rt.db.write() as session:
        bulletins.withdraw(session, bulletin_id, ACTOR)
    typer.echo(f"bulletin {bulletin_id} withdrawn")


@bulletin_app.command("list")
def bulletin_list(status: Annotated[str | None, typer.Option(help="draft | published | withdrawn")] = None) -> None:
    """Bulletins, newest first."""
    from watchword.runtime import open_runtime
    from watchword.services import bulletins

    with open_runtime() as rt, rt.db.session() as session:
        for b in bulletins.listing(session, status):
            typer.echo(f"{b.id:>5}  {b.status:<10} {b.slug}  {b.title}")
