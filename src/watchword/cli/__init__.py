"""`watchword`: a thin shell over the services. Its help text is the documentation.

Each module below registers its commands on `app`; importing them here is the
one place that decides which commands exist.
"""

from __future__ import annotations

from watchword.cli.app import app
from watchword.cli import core  # noqa: F401  (registers serve, worker, analyze, import, migrate, audit)
from watchword.cli import campaigns  # noqa: F401  (registers campaigns, cluster, merge, split, verdict)
from watchword.cli import mail  # noqa: F401  (registers smtp, imap)
from watchword.cli import intel  # noqa: F401  (registers export, feeds, taxii, bulletins)
from watchword.cli import reporter  # noqa: F401  (registers retention)


def main() -> None:
    app()


__all__ = ["app", "main"]
