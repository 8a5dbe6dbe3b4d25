"""`watchword`: a thin shell over the services. Its help text is the documentation.

Each module below registers its commands on `app`; importing them here is the
one place that decides which commands exist.
"""

from __future__ import annotations

from watchword.cli import (
    campaigns,  # noqa: F401  (registers campaigns, cluster, merge, split, verdict)
    core,  # noqa: F401  (registers serve, worker, analyze, import, migrate, audit)
    intel,  # noqa: F401  (registers export, feeds, taxii, bulletins)
    mail,  # noqa: F401  (registers smtp, imap)
    reporter,  # noqa: F401  (registers retention)
    users,  # noqa: F401  (registers user, token)
)
from watchword.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
