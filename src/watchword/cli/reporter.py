"""Reporter-area commands: retention."""

from __future__ import annotations

from typing import Annotated

import typer

from watchword.cli.app import app


@app.command()
def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be deleted.")] = False,
) -> None:
    """Delete reports past their retention (benign, out of scope, closed campaigns) and their files.

    Retention per category is set by WATCHWORD_RETENTION_BENIGN_DAYS,
    WATCHWORD_RETENTION_OUT_OF_SCOPE_DAYS and WATCHWORD_RETENTION_CLOSED_CAMPAIGN_DAYS.
    The worker runs the same sweep every WATCHWORD_RETENTION_INTERVAL_HOURS.
    Each run that deletes something writes an audit event.
    """
    from watchword.runtime import open_runtime
    from watchword.services import retention as service

    with open_runtime() as rt:
        result = service.run(rt, dry_run=dry_run, actor="cli")
        plan = result.plan
        verb = "would be deleted" if dry_run else "deleted"
        for category, ids in plan.reports.items():
            cutoff = plan.cutoffs[category].strftime("%Y-%m-%d %H:%M UTC")
            typer.echo(f"{category}: {len(ids)} reports {verb} (older than {cutoff})")
            if dry_run and ids:
                shown = ", ".join(str(i) for i in ids[:20])
                typer.echo(f"  report ids: {shown}{' …' if len(ids) > 20 else ''}")
        if not dry_run:
            typer.echo(f"{result.reports_deleted} reports and {result.blobs_deleted} files deleted.")
