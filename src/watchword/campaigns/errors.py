"""Refusals of the campaign area; their meanings (not found, conflict, invalid) come from watchword.errors."""

from __future__ import annotations

from watchword import errors


class CampaignError(errors.Invalid):
    """The request cannot be carried out; the message is safe to show the analyst."""


class CampaignNotFound(errors.NotFound, CampaignError):
    pass


class CampaignConflict(errors.Conflict, CampaignError):
    pass
