"""Sharing routes: TAXII 2.1 (/taxii2/), public bulletins and their Atom feed
(/bulletins), and the console's export downloads (/console/.../export.*)."""

from __future__ import annotations

from fastapi import APIRouter

from watchword.web.intel import bulletin_routes, export_routes, taxii_routes

router = APIRouter()
for _module in (taxii_routes, bulletin_routes, export_routes):
    router.include_router(_module.router)
