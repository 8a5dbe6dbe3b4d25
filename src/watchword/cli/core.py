"""Core commands: serve, worker, analyze, import, migrate, audit."""

from __future__ import annotations

import gc
import ipaddress
import json
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from watchword import logsafe
from watchword.cli.app import app
from watchword.cli.errors import Typer
from watchword.intake.files import EMAIL_SUFFIXES, iter_messages, looks_like_email


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    worker: Annotated[bool, typer.Option(help="Run the analysis worker in this process.")] = True,
    demo: Annotated[bool, typer.Option(help="Load demo reports first if the store is empty.")] = False,
    workers: Annotated[int, typer.Option(help="Web server processes (each commits its own intake in groups).")] = 1,
) -> None:
    """Start the web console, reporter pages and API (and, by default, the worker)."""
    import uvicorn

    from watchword.runtime import open_runtime
    from watchword.web.app import create_app, settle_heap

    if demo and (address := demo_public_base_url(host, port, os.environ)):
        # Before the runtime (and any worker process) reads the environment.
        os.environ["WATCHWORD_PUBLIC_BASE_URL"] = address
        typer.echo(f"Demo on a loopback address: bulletins and feeds link to {address} (WATCHWORD_PUBLIC_BASE_URL).")
    with open_runtime() as rt:
        if demo:
            from watchword.demo import load_demo

            added = load_demo(rt)
            if added:
                typer.echo(f"Loaded {added} demo reports.")
        from watchword.cli.mail import start_configured

        stop = threading.Event()
        threads = start_configured(rt, stop)  # SMTP listener, IMAP poller, reply sender, as configured
        if rt.settings.smtp_in_serve:
            # A new user's first question: where do I send mail to try it?
            s = rt.settings
            where = ", ".join(s.smtp_addresses) or "any address"
            typer.echo(f"Mail intake: SMTP on {s.smtp_host}:{s.smtp_port}, forward suspicious mail to {where}.")
        if worker and rt.settings.run_worker_in_process:
            from watchword.worker import build_worker

            thread = threading.Thread(target=build_worker(rt).run_forever, args=(stop,), name="worker", daemon=True)
            thread.start()
            threads.append(thread)
        try:
            from watchword.web.server import uvicorn_options

            bind_host, bind_port = host or rt.settings.host, port or rt.settings.port
            if workers > 1:
                # Separate processes: the web's Python work spreads over cores. SQLite takes their
                # writes one at a time: their intake writers in turns on a lock file beside the
                # database (intake/writer.py), anything else through busy_timeout. Each child opens
                # and closes its own runtime (web/app.py); the analysis worker stays in this process.
                uvicorn.run(
                    "watchword.web.app:serve_app_from_env",
                    factory=True,
                    workers=workers,
                    host=bind_host,
                    port=bind_port,
                    **uvicorn_options(rt.settings, by_name=True),
                )
            else:
                served = create_app(rt)
                settle_heap()  # the start-up heap out of the collector's sight (web/app.py)
                uvicorn.run(served, host=bind_host, port=bind_port, **uvicorn_options(rt.settings))
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)


def demo_public_base_url(host: str | None, port: int | None, environ: Mapping[str, str]) -> str | None:
    """The address a loopback `serve --demo` names itself by, when WATCHWORD_PUBLIC_BASE_URL is unset.

    Publishing a bulletin needs a public address (its links and the feed's come from the
    configuration, never from a request). A demo on the machine itself has one: the loopback
    address it listens on, which only the machine can reach. Any other address, or a
    configured one, is left to the configuration.
    """
    if environ.get("WATCHWORD_PUBLIC_BASE_URL", "").strip():
        return None
    bind = host or environ.get("WATCHWORD_HOST", "127.0.0.1")
    try:
        loopback = bind == "localhost" or ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return None
    if not loopback:
        return None
    name = f"[{bind}]" if ":" in bind else bind
    return f"http://{name}:{port or int(environ.get('WATCHWORD_PORT', '8000'))}"


@app.command("worker")
def run_worker(
    once: Annotated[bool, typer.Option(help="Work until the queue is empty, then exit.")] = False,
    processes: Annotated[
        int | None,
        typer.Option(
            help="Processes running the pipeline (WATCHWORD_WORKER_PROCESSES; default one per core on SQLite, "
            "a pool of one fewer on PostgreSQL; 1: in the worker's own process)."
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Analysis jobs per claim and per write (WATCHWORD_WORKER_BATCH_SIZE; default 64 on SQLite, "
            "256 on PostgreSQL)."
        ),
    ] = None,
) -> None:
    """Run the analysis worker on its own (e.g. several beside a PostgreSQL store)."""
    import dataclasses
    import logging

    from watchword import pool
    from watchword.config import Settings

    # Collected rarely from here on (see gc.freeze below); the imports below allocate for a second.
    gc.set_threshold(50_000, 10, 10)
    settings = Settings.from_env()
    wanted = settings.worker_processes if processes is None else processes
    if pool.plan(wanted, settings.database_url)[1]:
        # Before the imports below: the forkserver loads the pipeline on another core meanwhile.
        pool.start_forkserver()

    from watchword.runtime import open_runtime
    from watchword.worker import build_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logsafe.install()  # no report content, no addresses in log lines
    with open_runtime(settings) as rt:
        if processes is not None:
            rt.settings = dataclasses.replace(rt.settings, worker_processes=processes)
        if batch_size is not None:  # 0: the store's default (worker.batch_size_for)
            rt.settings = dataclasses.replace(rt.settings, worker_batch_size=max(0, batch_size))
        w = build_worker(rt)
        # What start-up loaded (the store's models and mappers, the analysis tables, the known
        # sites) lives as long as the process: out of the collector's sight, it is not traversed
        # again by every collection of the batches' objects. A batch allocates tens of thousands
        # of containers (the analyses, the ORM's rows), nearly all freed by reference counting:
        # the first generation is collected every 50,000 allocations rather than every 700 (set
        # above, before the imports). A sixth of a PostgreSQL worker's CPU time went to the
        # collector, now under 3% (issue 14).
        gc.freeze()
        if once:
            typer.echo(f"{w.run_until_idle()} jobs done")
            return
        stop = threading.Event()
        try:
            w.run_forever(stop)
        except KeyboardInterrupt:
            stop.set()


@app.command()
def reanalyse(
    all_reports: Annotated[
        bool, typer.Option("--all", help="Every analysed report, not only those an older pipeline analysed.")
    ] = False,
    processes: Annotated[int, typer.Option(help="Local cluster size when no scheduler is configured.")] = 2,
    actor: Annotated[str, typer.Option(help="Who is recorded in the audit trail.")] = "cli",
) -> None:
    """Analyse stored reports again on Dask distributed (after a pipeline change)."""
    from watchword.runtime import open_runtime
    from watchword.services.reanalysis import analysed_report_ids
    from watchword.services.reanalysis_dask import dask_client, reanalyse_on_cluster

    logsafe.install()  # no report content, no addresses in log lines
    with open_runtime() as rt:
        ids = analysed_report_ids(rt) if all_reports else None  # None: the stale ones
        with dask_client(rt.settings.dask_scheduler, processes) as client:
            done = reanalyse_on_cluster(rt, client, ids, actor, lambda n, total: typer.echo(f"{n}/{total}", err=True))
    typer.echo(f"{done} reports analysed again")


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Files to analyse; '-' reads standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input, one per line.")] = False,
    form: Annotated[
        str, typer.Option(help="For free-text reports: the guided form it came through (in_person, device...).")
    ] = "",
) -> None:
    """Analyse files without storing them. .eml and .msg are emails; any other file is a free-text report.

    Each result has `scope` (in_scope, out_of_scope or needs_detail), `approach_type`,
    `also_types` (other types the acts show), `language` and `reasons`.
    """
    from watchword.analysis.pipeline import analyze_email, analyze_text
    from watchword.analysis.reading import lexicons

    # The pipeline's tables (lexicons, suffix list, brand lists) live as long as the process: moved
    # out of the collector's sight, they are not traversed again by every full collection (~3% of
    # the command's CPU time over a folder of emails).
    lexicons()
    gc.freeze()
    # An email's analysis allocates thousands of containers, nearly all freed by reference counting:
    # the first generation collected every 50,000 allocations rather than every 700, as the worker
    # does (run_worker above). The outputs do not depend on when the collector runs.
    gc.set_threshold(50_000, 10, 10)

    for path in paths:
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
                is_email = looks_like_email(data)
            else:
                data = Path(path).read_bytes()
                is_email = Path(path).suffix.lower() in EMAIL_SUFFIXES
            # The shingles are dropped below: not computed (the same result, ~6% less CPU per email).
            if is_email:
                result = analyze_email(data, shingles=False).to_dict()
            else:
                result = analyze_text(data.decode("utf-8", errors="replace"), form=form, shingles=False).to_dict()
        except (OSError, ValueError) as exc:
            _emit({"path": path, "error": f"{type(exc).__name__}: {exc}"}, as_json)
            continue
        for key in ("body_text", "shingles", "headers"):
            result.pop(key, None)
        _emit({"path": path, **result}, as_json)


def _emit(obj: dict[str, object], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    if "error" in obj:
        typer.echo(f"{obj['path']}: error: {obj['error']}", err=True)
        return
    line = f"{obj['path']}: {obj['approach_type']} risk={obj['risk']:.2f} scope={obj['scope']}"
    if obj.get("language"):
        line += f" language={obj['language']}"
    if obj.get("also_types"):
        line += " also=" + ",".join(str(t) for t in obj["also_types"])  # type: ignore[attr-defined]
    typer.echo(line)
    for reason in obj.get("reasons", []) or []:  # type: ignore[attr-defined]
        typer.echo(f"  - {reason}")


@app.command("import")
def import_files(
    paths: Annotated[list[Path], typer.Argument(help=".eml/.msg files, folders, mbox files, Maildir folders.")],
) -> None:
    """Submit stored messages as reports through the intake funnel."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from watchword.domain import Channel, IncomingReport
    from watchword.intake.submit import IntakeError, submit
    from watchword.runtime import open_runtime

    with open_runtime() as rt:
        messages = list(iter_messages(paths))
        new = repeats = errors = 0
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("importing", total=len(messages))
            for source, data in messages:
                try:
                    receipt = submit(rt, IncomingReport(channel=Channel.IMPORT, raw_email=data, source_name=source))
                except IntakeError as exc:
                    errors += 1
                    progress.console.print(f"[red]{source}: {exc}")
                else:
                    new, repeats = (new, repeats + 1) if receipt.duplicate else (new + 1, repeats)
                progress.advance(task)
        typer.echo(f"{new} new reports, {repeats} repeats counted as sightings, {errors} refused")
        if errors:
            raise typer.Exit(1)


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    down: Annotated[bool, typer.Option(help="Downgrade to the revision instead.")] = False,
) -> None:
    """Upgrade (or downgrade) the database schema: the only command that changes it.

    Run it after installing a new version, before starting anything else; every
    other command checks the schema is current and stops if it is not. Two
    `migrate` runs at once wait for each other (a lock on the database).
    """
    from watchword.config import Settings
    from watchword.store.db import Database
    from watchword.store.migrate import current_revisions, downgrade, upgrade

    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        (downgrade if down else upgrade)(db, revision)
        now = ", ".join(sorted(current_revisions(db))) or "base (empty)"
    finally:
        db.dispose()
    typer.echo(f"schema at {now}")


audit_app = Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit 1 and name the first edited or deleted event."""
    from watchword.runtime import open_runtime
    from watchword.store.audit import verify

    with open_runtime() as rt:
        with rt.db.session() as session:
            check = verify(session)
        if check.ok:
            typer.echo(f"audit log intact: {check.events} events, head {check.head}")
            return
        typer.echo(f"audit log BROKEN after {check.events} events: {check.problem}", err=True)
        raise typer.Exit(1)
