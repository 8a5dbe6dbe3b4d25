"""The Typer application that every CLI module registers on."""

from __future__ import annotations

from watchword.cli.errors import Typer

app = Typer(
    name="watchword",
    help="Watchword: report suspected espionage approaches; analyse, cluster and share what they reveal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
