"""Refusals to exit codes, in one place.

Commands let `watchword.errors` through; `Typer.command` below wraps every
command so that a refusal prints its sentence on standard error and exits with
the code its meaning has here. Scripts can tell "not there" from "wrong input"
from "try again later" without reading the text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from watchword import errors

# The one table from meaning to exit code (1 stays "failed" in general; 2 is also
# what click uses for a wrong command line, the nearest thing to invalid input).
EXIT_CODES: dict[type[errors.WatchwordError], int] = {
    errors.WatchwordError: 1,
    errors.Invalid: 2,
    errors.TooLarge: 2,
    errors.NotFound: 3,
    errors.Conflict: 4,
    errors.Refused: 5,
    errors.Unauthenticated: 5,
    errors.Throttled: 6,
    errors.Unavailable: 7,
}

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(error: errors.WatchwordError) -> int:
    return EXIT_CODES[errors.meaning_of(error)]


def exits_on_refusal(function: F) -> F:
    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except errors.WatchwordError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(exit_code_for(exc)) from None

    return command  # type: ignore[return-value]


class Typer(typer.Typer):
    """typer.Typer whose commands turn refusals into their exit codes."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)

        def decorator(function: F) -> F:
            register(exits_on_refusal(function))
            return function

        return decorator
