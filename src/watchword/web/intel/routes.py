"""Sharing routes: TAXII 2.1 (/taxii2/), public bulletins and their Atom feed
(/bulletins), the console's export downloads (/console/.../export.*) and the MISP feed
(/feeds/misp/)."""

from __future__ import annotations

from fastapi import APIRouter

from watchword.web.intel import bulletin_routes, export_routes, misp_feed_routes, taxii_routes

router = APIRouter()
for _module in (taxii_routes, bulletin_routes, export_routes, misp_feed_routes):
    router.include_router(_module.router)
