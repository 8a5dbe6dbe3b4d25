"""Export downloads for the analyst console's campaign page.

    /console/campaigns/{id}/export.stix.json     STIX 2.1 bundle
    /console/campaigns/{id}/export.misp.json     MISP event
    /console/campaigns/{id}/export.csv           CSV of all shared indicators
    /console/campaigns/{id}/export.{kind}.txt    blocklist: urls, domains, ips, senders, hashes
    /console/indicators/export.{format}?id=..    the same for an analyst's selection of indicator ids

Query parameters: `tlp` (default WATCHWORD_DEFAULT_TLP) and `type` (repeatable)
to include types held back by default (phone, social), and `unreviewed=1` to
export a campaign no analyst has given a verdict yet (intel.verdicts). Who may download:
web/intel/auth.py `export_reader`. Choosing a TLP less restrictive than the
configured one is a sharing decision: analysts and admins only (a viewer may
choose the configured level or a stricter one). Each download writes an audit event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from watchword import errors
from watchword.intel import tlp as tlp_levels
from watchword.intel.formats import FORMATS, render
from watchword.runtime import Runtime
from watchword.services.accounts import Principal
from watchword.services.bulletins import share_for_export
from watchword.store import audit
from watchword.web.deps import IdValue, runtime
from watchword.web.intel.auth import export_reader

router = APIRouter(tags=["intel"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]
Actor = Annotated[Principal, Depends(export_reader)]
TlpQuery = Annotated[str | None, Query()]
TypeQuery = Annotated[list[str] | None, Query(alias="type")]


def _check_tlp(rt: Runtime, actor: Principal, tlp: str | None) -> None:
    """A viewer exports at the configured TLP or stricter: relabelling for wider sharing
    (`?tlp=clear` on an AMBER export) is for those who may decide what is shared."""
    if tlp is None:
        return
    try:
        chosen = tlp_levels.normalise(tlp)
    except ValueError as exc:
        raise errors.Invalid(str(exc)) from exc
    configured = tlp_levels.normalise(rt.settings.default_tlp)
    if not actor.can_write and tlp_levels.stricter(chosen, configured) != chosen:
        raise errors.Refused(
            f"Viewers may export at TLP:{configured.upper()} or stricter; an analyst can choose a wider level."
        )


def _export(
    rt: Runtime,
    actor: Principal,
    fmt: str,
    tlp: str | None,
    types: list[str] | None,
    campaign_id: int | None = None,
    ids: list[int] | None = None,
    unreviewed: bool = False,
) -> Response:
    if fmt not in FORMATS:
        raise errors.NotFound(f"Unknown export format; one of {', '.join(FORMATS)}.")
    _check_tlp(rt, actor, tlp)
    with rt.db.write() as session:
        share, subject = share_for_export(
            session,
            rt.settings,
            campaign_id=campaign_id,
            indicator_ids=ids,
            tlp=tlp,
            types=types,
            unreviewed=unreviewed,
        )
        # A blocklist of a campaign that is not malicious is refused (400); an export that would
        # identify a targeted person fails its leak check (409): web/errors.py writes both.
        body, media_type = render(share, fmt, subject)
        audit.record(
            session,
            actor.username,
            "intel.export",
            "campaign" if campaign_id else "indicators",
            campaign_id or "",
            {"format": fmt, "tlp": share.tlp, "indicators": len(share.indicators), "withheld": share.withheld},
        )
    name = f"campaign-{campaign_id}" if campaign_id else "indicators"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="watchword-{name}-tlp-{share.tlp.replace("+", "-")}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/console/campaigns/{campaign_id:id}/export.{fmt}")
def campaign_export(
    campaign_id: int,
    fmt: str,
    rt: Rt,
    actor: Actor,
    tlp: TlpQuery = None,
    types: TypeQuery = None,
    unreviewed: Annotated[bool, Query()] = False,
) -> Response:
    return _export(rt, actor, fmt, tlp, types, campaign_id=campaign_id, unreviewed=unreviewed)


@router.get("/console/indicators/export.{fmt}")
def selection_export(
    fmt: str,
    rt: Rt,
    actor: Actor,
    ids: Annotated[list[IdValue], Query(alias="id", max_length=1000)],
    tlp: TlpQuery = None,
    types: TypeQuery = None,
) -> Response:
    return _export(rt, actor, fmt, tlp, types, ids=ids)
