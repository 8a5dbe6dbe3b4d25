"""Sharing routes: TAXII 2.1, bulletins, Atom (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
