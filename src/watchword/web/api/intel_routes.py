"""The read API for SOAR tools: shared campaigns and their indicators, with an API token.

    GET /api/v1/campaigns                  shared campaigns (filters, cursor paging)
    GET /api/v1/campaigns/{id}             one
    GET /api/v1/indicators                 their indicators as an export has them
    GET /api/v1/indicators/{id}            one, with the shared campaigns it is in

A token with read scope (`watchword token create --scope read`), or admin, presented as
`Authorization: Bearer <token>` (the OpenAPI document's `bearerAuth`); `Token <token>` and
HTTP Basic with the token as password are taken too, as on TAXII. No token or an unknown
one is 401, a token without read scope (submit) is 403. What is served is what sharing
lets out (services.sharing): the same rules as every export.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from watchword import errors
from watchword.runtime import Runtime
from watchword.services import accounts, sharing
from watchword.web.api.routes import _problem
from watchword.web.deps import IdValue, runtime
from watchword.web.intel.auth import presented_token

# Declares the scheme in the OpenAPI document (components.securitySchemes.bearerAuth) and puts
# `security` on every operation that depends on it; the token itself is read by `api_reader`.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="An API token with read scope: `watchword token create --scope read`.",
)
AUTH_REFUSALS: dict[int | str, dict[str, object]] = {
    400: _problem("A filter or the cursor is malformed."),
    401: _problem("No API token, or one this installation does not know."),
    403: _problem("The token may not read (a submit token), or the configured TLP is above what read tokens get."),
}


def api_reader(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    token = presented_token(request)
    principal = None
    if token:
        with rt.db.write() as session:  # a token's last use is noted (services.accounts)
            principal = accounts.token_principal(session, token)
    if principal is None:
        raise errors.Unauthenticated("An API token with read scope is required: Authorization: Bearer <token>.")
    if not accounts.token_allows(principal, "read"):
        raise errors.Refused("This token may not read shared intelligence; a read token can.")
    return principal.username


router = APIRouter(prefix="/api/v1", tags=["intel"], dependencies=[Depends(api_reader)], responses=AUTH_REFUSALS)
Rt = Annotated[Runtime, Depends(runtime)]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
# Each list's cursor, exactly as services/sharing.py hands it out and reads it back: the last
# campaign id served; the campaign id and the offset within it.
CampaignCursor = Annotated[
    str | None, Query(pattern=r"^[0-9]{1,18}$", description="The `next` value of the previous page.")
]
IndicatorCursor = Annotated[
    str | None, Query(pattern=r"^[0-9]{1,18}:[0-9]{1,9}$", description="The `next` value of the previous page.")
]
Since = Annotated[dt.datetime | None, Query(description="Only those last seen at or after this time (ISO 8601).")]
Verdict = Literal["malicious", "suspicious"]
IndicatorType = Literal["url", "domain", "ipv4", "ipv6", "email", "md5", "sha1", "sha256", "btc", "eth", "xmr", "iban"]


class CampaignOut(BaseModel):
    id: int
    title: str = Field(description="Redacted: no targeted person's name or address.")
    approach_type: str
    verdict: Verdict
    first_seen: dt.datetime
    last_seen: dt.datetime
    report_count: int
    sighting_count: int
    tlp: str = Field(description="The TLP 2.0 level this is shared at.")


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class IndicatorOut(BaseModel):
    id: int | None = Field(description="Null for an attachment hash no stored indicator row holds.")
    type: str
    value: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    report_count: int
    campaign_id: int
    verdict: Verdict
    to_ids: bool = Field(description="True: for detection (malicious); false: context only (suspicious).")
    tlp: str


class IndicatorPage(BaseModel):
    items: list[IndicatorOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class IndicatorDetail(IndicatorOut):
    campaigns: list[int] = Field(description="The shared campaigns it is in.")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _campaign_out(item: sharing.CampaignItem) -> CampaignOut:
    return CampaignOut.model_validate(item, from_attributes=True)


def _indicator_out(item: sharing.IndicatorItem) -> IndicatorOut:
    return IndicatorOut.model_validate(item, from_attributes=True)


@router.get("/campaigns", response_model=CampaignPage)
def list_campaigns(
    rt: Rt,
    verdict: Annotated[Verdict | None, Query()] = None,
    approach_type: Annotated[str | None, Query(max_length=50, pattern=r"^[a-z_]+$")] = None,
    since: Since = None,
    cursor: CampaignCursor = None,
    limit: Limit = 100,
) -> CampaignPage:
    """Campaigns an analyst judged malicious or suspicious, oldest first."""
    with rt.db.session() as session:
        page = sharing.shared_campaigns(
            session,
            rt.settings,
            verdict=verdict,
            approach_type=approach_type,
            since=_utc(since),
            cursor=cursor,
            limit=limit,
        )
    return CampaignPage(items=[_campaign_out(c) for c in page.items], next=page.next)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, responses={404: _problem("No shared campaign.")})
def get_campaign(campaign_id: IdValue, rt: Rt) -> CampaignOut:
    """One shared campaign."""
    with rt.db.session() as session:
        return _campaign_out(sharing.shared_campaign(session, rt.settings, campaign_id))


@router.get("/indicators", response_model=IndicatorPage)
def list_indicators(
    rt: Rt,
    campaign: Annotated[IdValue | None, Query(description="Only this campaign's.")] = None,
    types: Annotated[list[IndicatorType] | None, Query(alias="type", max_length=12)] = None,
    since: Since = None,
    cursor: IndicatorCursor = None,
    limit: Limit = 100,
) -> IndicatorPage:
    """The shared campaigns' indicators, as every export filters them (no known-legitimate value,
    no targeted person, nothing from our own networks)."""
    with rt.db.session() as session:
        page = sharing.shared_indicators(
            session,
            rt.settings,
            campaign_id=campaign,
            types=types or (),
            since=_utc(since),
            cursor=cursor,
            limit=limit,
        )
    return IndicatorPage(items=[_indicator_out(i) for i in page.items], next=page.next)


@router.get(
    "/indicators/{indicator_id}", response_model=IndicatorDetail, responses={404: _problem("No shared indicator.")}
)
def get_indicator(indicator_id: IdValue, rt: Rt) -> IndicatorDetail:
    """One shared indicator and the shared campaigns it is in."""
    with rt.db.session() as session:
        item, campaigns = sharing.shared_indicator(session, rt.settings, indicator_id)
    return IndicatorDetail(**_indicator_out(item).model_dump(), campaigns=campaigns)
