"""Jinja2 templates with autoescape on for every template, whatever its name."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
templates = Jinja2Templates(env=environment)
