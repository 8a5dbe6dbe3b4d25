"""The MISP feed over HTTP, for a MISP instance to subscribe to (Sync Actions → Feeds →
Add feed, source format "MISP Feed", URL `<WATCHWORD_PUBLIC_BASE_URL>/feeds/misp`, and the
header `Authorization: Bearer <read token>` in the feed's Headers field):

    GET /feeds/misp/manifest.json     {event uuid: {info, date, threat_level_id, analysis, timestamp, Orgc, Tag}}
    GET /feeds/misp/hashes.csv        md5 of each value, event uuid
    GET /feeds/misp/<uuid>.json       one event

The same feed `watchword export misp-feed` writes (services.sharing), at the installation's
TLP, which must be within what read tokens may receive. A read (or admin) token, as on TAXII.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from watchword import errors
from watchword.intel import misp_feed
from watchword.runtime import Runtime
from watchword.services import sharing
from watchword.web.deps import runtime
from watchword.web.intel.auth import TaxiiCaller, taxii_caller

router = APIRouter(prefix="/feeds/misp", tags=["intel"], include_in_schema=False)
Rt = Annotated[Runtime, Depends(runtime)]
Reader = Annotated[TaxiiCaller, Depends(taxii_caller)]
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _feed(rt: Runtime) -> sharing.FeedExport:
    with rt.db.write() as session:  # the installation's identity is minted at its first export
        return sharing.build_misp_feed(session, rt.settings, tlp=sharing.read_tlp(rt.settings))


@router.get("/manifest.json")
def manifest(rt: Rt, _reader: Reader) -> Response:
    return Response(misp_feed.manifest_text(_feed(rt).events), media_type="application/json")


@router.get("/hashes.csv")
def hashes(rt: Rt, _reader: Reader) -> Response:
    return Response(misp_feed.hashes_text(_feed(rt).events), media_type="text/csv; charset=utf-8")


@router.get("/{event_uuid}.json")
def event(event_uuid: str, rt: Rt, _reader: Reader) -> Response:
    if not re.fullmatch(_UUID, event_uuid):
        raise errors.NotFound("No event of this feed has that uuid.")
    with rt.db.write() as session:
        found = sharing.misp_feed_event(session, rt.settings, event_uuid)
    return Response(found.body, media_type="application/json")
