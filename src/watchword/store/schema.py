"""Every table of Watchword, gathered so that migrations and tests see the whole schema."""

from __future__ import annotations

from watchword.store import models_campaigns, models_intel, models_mail, models_people  # noqa: F401
from watchword.store.models import Base

metadata = Base.metadata
