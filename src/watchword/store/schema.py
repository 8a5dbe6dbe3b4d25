"""Every table of Watchword, gathered so that migrations and tests see the whole schema."""

from __future__ import annotations

from watchword.store import (  # noqa: F401
    models_campaigns,
    models_intel,
    models_mail,
    models_people,
    models_reporter,
)
from watchword.store.models import Base

metadata = Base.metadata
