"""Export downloads for the analyst console's campaign page.

    /console/campaigns/{id}/export.stix.json     STIX 2.1 bundle
    /console/campaigns/{id}/export.misp.json     MISP event
    /console/campaigns/{id}/export.csv           CSV of all shared indicators
    /console/campaigns/{id}/export.{kind}.txt    blocklist: urls, domains, ips, senders, hashes
    /console/indicators/export.{format}?id=..    the same for an analyst's selection of indicator ids

Query parameters: `tlp` (default WATCHWORD_DEFAULT_TLP), `type` (repeatable)
to include types held back by default (phone, social), and `unreviewed=1` to
export a campaign no analyst has given a verdict yet (intel.verdicts). Who may download:
web/intel/auth.py `analyst_reader`. Each download writes an audit event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from starlette.responses import Response

from watchword.intel.formats import FORMATS, render
from watchword.intel.scrub import LeakError
from watchword.runtime import Runtime
from watchword.services.bulletins import share_for_export
from watchword.store import audit
from watchword.web.deps import runtime
from watchword.web.intel.auth import analyst_reader

router = APIRouter(tags=["intel"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]
Actor = Annotated[str, Depends(analyst_reader)]
TlpQuery = Annotated[str | None, Query()]
TypeQuery = Annotated[list[str] | None, Query(alias="type")]


def _export(
    rt: Runtime,
    actor: str,
    fmt: str,
    tlp: str | None,
    types: list[str] | None,
    campaign_id: int | None = None,
    ids: list[int] | None = None,
    unreviewed: bool = False,
) -> Response:
    if fmt not in FORMATS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Unknown export format; one of {', '.join(FORMATS)}.")
    with rt.db.write() as session:
        try:
            share, subject = share_for_export(
                session,
                rt.settings,
                campaign_id=campaign_id,
                indicator_ids=ids,
                tlp=tlp,
                types=types,
                unreviewed=unreviewed,
            )
        except LookupError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        try:
            body, media_type = render(share, fmt, subject)
        except LeakError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        except ValueError as exc:  # a blocklist of a campaign that is not malicious
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        audit.record(
            session,
            actor,
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


@router.get("/console/campaigns/{campaign_id}/export.{fmt}")
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
    ids: Annotated[list[int], Query(alias="id")],
    tlp: TlpQuery = None,
    types: TypeQuery = None,
) -> Response:
    return _export(rt, actor, fmt, tlp, types, ids=ids)
