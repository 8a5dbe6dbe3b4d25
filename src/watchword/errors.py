"""What can go wrong, by meaning: one family of refusals every layer raises.

A service says *what* went wrong (not found, conflict, refused, too large,
invalid); it never picks an HTTP status or an exit code. Those are chosen in
one place each: `web/errors.py` (problem+json for the API, a TAXII error
message under /taxii2/, an HTML page for people) and `cli/errors.py` (exit
codes). The text of every refusal is written for the person who will read
it: say what was refused and what to do instead.

Each meaning also subclasses the built-in exception it refines (`Invalid` is
a `ValueError`, `NotFound` a `LookupError`) so that code which only knows the
built-ins still catches them.
"""

from __future__ import annotations

from collections.abc import Callable


class WatchwordError(Exception):
    """A refusal whose text is for people. Subclass a meaning below, not this.

    A refusal with a number in it (a limit) is raised as its marked English with `%(name)s`
    placeholders and the values apart: `TooLarge(N_("… %(count)s characters."), count=20000)`.
    `str()` is the English with the values in; `translated()` looks the sentence up first, so a
    reporter page can say it in the page's language (a sentence with its number already in
    it is in no catalogue).
    """

    def __init__(self, message: str = "", **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message % {k: _english(v) for k, v in params.items()} if params else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def translated(self, gettext: Callable[[str], str], shown: Callable[[object], object] = str) -> str:
        """The sentence through `gettext`, then its values (each written by `shown`: a number the
        way the reader's language groups its digits)."""
        if not self.params:
            return gettext(self.template)
        return gettext(self.template) % {name: shown(value) for name, value in self.params.items()}


def _english(value: object) -> object:
    """A count as English writes it ("20,000"); anything else as it is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


class Invalid(WatchwordError, ValueError):
    """The request itself is wrong: an empty report, an unknown verdict, a malformed value."""


class TooLarge(Invalid):
    """Over a configured size limit (a message, a description, an upload)."""


class NotFound(WatchwordError, LookupError):
    """The thing named does not exist (or the caller may not know that it does)."""


class Conflict(WatchwordError, ValueError):
    """The request is well formed but contradicts the state it would change
    (merging a campaign into itself, editing a withdrawn bulletin, a user who exists)."""


class Refused(WatchwordError):
    """Understood and declined by policy: a role that does not allow it, a leak check that found something."""


class Unauthenticated(Refused):
    """Who is asking is not established: a wrong password, an unknown token, an expired sign-in."""


class Throttled(Refused):
    """Too many attempts just now; `retry_after` says how many seconds to wait, when known."""

    def __init__(self, message: str = "", retry_after: float | None = None, **params: object) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after


class Unavailable(WatchwordError):
    """A dependency (the store, a mail relay) cannot do it just now; trying again later may work."""


# Every meaning; web/errors.py and cli/errors.py give each its HTTP status and exit code.
MEANINGS: tuple[type[WatchwordError], ...] = (
    TooLarge,
    Throttled,
    Unauthenticated,
    Invalid,
    NotFound,
    Conflict,
    Refused,
    Unavailable,
)


def meaning_of(error: WatchwordError | type[WatchwordError]) -> type[WatchwordError]:
    """The meaning an error (or error class) carries: the first meaning in its method resolution
    order, so a domain class that lists `NotFound` before its family's `Invalid` is not found."""
    for cls in (error if isinstance(error, type) else type(error)).__mro__:
        if cls in MEANINGS:
            return cls
    return WatchwordError
