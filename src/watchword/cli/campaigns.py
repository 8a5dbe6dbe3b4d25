"""Campaign commands: campaigns, cluster, merge, split, verdict, recluster.

A thin shell over watchword.campaigns.services; `cluster` runs the same engine
in memory without a store.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from watchword.cli.app import app

ACTOR_HELP = "Who is deciding (recorded in the audit log)."


def _print(obj: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    else:
        flags = " SURGING" if obj.get("surging") else ""
        verdict = f" verdict={obj['verdict']}" if obj.get("verdict") else ""
        typer.echo(
            f"#{obj['id']} {obj['approach_type']} risk={obj['risk']:.2f} reports={obj['reports']} "
            f"sightings={obj['sightings']} reporters={obj['reporters']} last={obj['last_seen']}"
            f"{verdict}{flags}  {obj['title'][:70]}"
        )


@app.command("campaigns")
def campaigns_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per campaign, one per line.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, surging first, then most recent.")] = 100,
    campaign: Annotated[int | None, typer.Option("--id", help="Show one campaign in full.")] = None,
) -> None:
    """List stored campaigns (or show one with its indicators and timeline)."""
    from watchword.campaigns.queries import campaign_detail, list_campaigns
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.session() as session:
        if campaign is not None:
            detail = campaign_detail(session, campaign)
            if as_json:
                _print(detail, True)
            else:
                _print(detail, False)
                for lure in detail["subjects"][:10]:
                    typer.echo(f"  subject  {lure['subject'][:90]}  x{lure['reports']}")
                for ind in detail["indicators"][:20]:
                    typer.echo(f"  {ind['type']:8s} {ind['value'][:90]}  x{ind['reports']}")
                for day in detail["timeline"]:
                    typer.echo(f"  {day['day']}  {day['sightings']}")
            return
        for row in list_campaigns(session, limit=limit):
            _print(row, as_json)


@app.command("cluster")
def cluster(
    paths: Annotated[list[Path], typer.Argument(help=".eml/.msg files are emails; other files are free text.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input, one per line.")] = False,
) -> None:
    """Cluster files into campaigns without storing anything.

    Prints, per input, its `path` and `campaign`: an id shared by the inputs
    in the same campaign (null for an out-of-scope report, which is never
    linked). All paths are clustered together in this one process, with the
    same engine the worker uses.
    """
    from watchword.analysis.pipeline import analyze_email, analyze_text
    from watchword.campaigns.batch import cluster_analyses
    from watchword.intake.files import EMAIL_SUFFIXES

    results: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    for i, path in enumerate(paths):
        try:
            data = path.read_bytes()
            if path.suffix.lower() in EMAIL_SUFFIXES:
                results.append(analyze_email(data).to_dict())
            else:
                results.append(analyze_text(data.decode("utf-8", errors="replace")).to_dict())
        except OSError as exc:
            errors[i] = f"{type(exc).__name__}: {exc}"
            results.append({"scope": "out_of_scope"})  # placeholder: never linked
    batch = cluster_analyses(results)
    for i, path in enumerate(paths):
        obj: dict[str, Any] = {"path": str(path), "campaign": batch.clusters[i]}
        if i in errors:
            obj["campaign"] = None
            obj["error"] = errors[i]
        elif as_json:
            a = batch.assignments[i]
            obj["duplicate"] = bool(a and a.duplicate)
            obj["reasons"] = a.reasons if a else []
        if as_json:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            typer.echo(f"{obj['campaign'] if obj['campaign'] is not None else '-'}\t{path}")
    if errors:
        raise typer.Exit(1)


def _decide(fn: Any, *args: Any) -> Any:
    from watchword.runtime import open_runtime

    with open_runtime() as rt, rt.db.write() as session:
        return fn(session, *args)


@app.command("merge")
def merge(
    keep: Annotated[int, typer.Argument(help="The campaign that stays.")],
    other: Annotated[int, typer.Argument(help="The campaign merged into it.")],
    actor: Annotated[str, typer.Option(help=ACTOR_HELP)] = "cli",
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
) -> None:
    """Merge two campaigns; the decision survives re-clustering."""
    from watchword.services.decisions import merge as merge_campaigns

    campaign = _decide(merge_campaigns, keep, other, actor, note)
    typer.echo(f"campaign {other} merged into {campaign.id}: {campaign.member_count} reports")


@app.command("split")
def split(
    report: Annotated[int, typer.Argument(help="The report (id) to take out of its campaign.")],
    actor: Annotated[str, typer.Option(help=ACTOR_HELP)] = "cli",
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
) -> None:
    """Split a report out into a campaign of its own; it stays there through re-clustering."""
    from watchword.services.decisions import split as split_report

    campaign = _decide(split_report, report, actor, note)
    typer.echo(f"report {report} is now in campaign {campaign.id}")


@app.command("verdict")
def verdict(
    campaign: Annotated[int, typer.Argument(help="The campaign id.")],
    value: Annotated[str, typer.Argument(help="malicious | suspicious | benign | out_of_scope")],
    note: Annotated[str, typer.Option(help="What the reporters and the team should know.")] = "",
    actor: Annotated[str, typer.Option(help=ACTOR_HELP)] = "cli",
) -> None:
    """Set a campaign's verdict: every report in it, and every report that joins later, gets it."""
    from watchword.services.decisions import set_verdict

    row = _decide(set_verdict, campaign, value, actor, note)
    typer.echo(f"campaign {row.id}: verdict {row.verdict}")


@app.command("recluster")
def recluster_cmd(
    actor: Annotated[str, typer.Option(help=ACTOR_HELP)] = "cli",
) -> None:
    """Rebuild all campaigns from the stored analyses (after a rule or format change).

    Reports whose stored analysis an older version of the pipeline made are
    analysed again first, so that the campaigns are built from current keys.
    Analysts' merges, splits and verdicts are replayed; campaign ids are kept
    where a rebuilt campaign overlaps an old one.
    """
    from watchword.campaigns.services import recluster
    from watchword.runtime import open_runtime
    from watchword.services.reanalysis import reanalyse_stale

    def progress(done: int, total: int) -> None:
        typer.echo(f"\ranalysed again: {done}/{total}", nl=done == total, err=True)

    with open_runtime() as rt:
        redone = reanalyse_stale(rt, actor, progress)
    if redone:
        typer.echo(f"{redone} reports analysed again (their analyses were of an older version)")
    result = _decide(recluster, actor)
    typer.echo(
        f"{result.reports} reports in {result.campaigns} campaigns "
        f"({result.kept_ids} ids kept, {result.new_ids} new) in {result.seconds:.1f}s"
    )
